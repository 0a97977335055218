//===- CnnToLinalg.cpp - lower cnn ops to linalg on tensors ---------------===//
//
// The pass and the helpers shared by the op families; the patterns live in
// one file per family (Conv, Pool, Elementwise, Shape, Resample).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "compiler/Conversion/PopulatePatterns.h"
#include "dialect/CnnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace convc {
#define GEN_PASS_DEF_CONVERTCNNTOLINALGPASS
#include "compiler/Conversion/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace convc::detail {

RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elem) {
  return RankedTensorType::get(shape, elem);
}

Value constantF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, float value) {
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  return linalg::FillOp::create(b, loc, constantF32(b, loc, value), empty)
      .getResult(0);
}

Value padSpatial(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> pad,
                 float value) {
  if (llvm::all_of(pad, [](int64_t p) { return p == 0; }))
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), n = rank - 2;
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
      high(rank, b.getIndexAttr(0));
  for (int64_t i = 0; i < n; ++i) {
    shape[2 + i] += pad[i] + pad[n + i];
    low[2 + i] = b.getIndexAttr(pad[i]);
    high[2 + i] = b.getIndexAttr(pad[n + i]);
  }
  return tensor::PadOp::create(b, loc, tensorOf(shape, type.getElementType()),
                               x, low, high, constantF32(b, loc, value))
      .getResult();
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange inputs,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body,
                  ArrayRef<AffineMap> inputMaps) {
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  if (maps.empty())
    maps.assign(inputs.size(), id);
  maps.push_back(id);
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, type, inputs, init, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
             })
      .getResult(0);
}

AffineMap dimMap(MLIRContext *ctx, unsigned rank, unsigned dim) {
  return AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx), ctx);
}

} // namespace convc::detail

namespace {

struct ConvertCnnToLinalgPass
    : convc::impl::ConvertCnnToLinalgPassBase<ConvertCnnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<convc::cnn::CnnDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           func::FuncDialect>();
    RewritePatternSet patterns(ctx);
    convc::detail::populateConvPatterns(patterns);
    convc::detail::populatePoolPatterns(patterns);
    convc::detail::populateElementwisePatterns(patterns);
    convc::detail::populateShapePatterns(patterns);
    convc::detail::populateResamplePatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
