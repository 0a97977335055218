//===- CnnToLinalg.cpp - lower cnn ops to linalg on tensors ---------------===//

#include "compiler/Conversion/Passes.h"
#include "dialect/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace convc {
#define GEN_PASS_DEF_CONVERTCNNTOLINALGPASS
#include "compiler/Conversion/Passes.h.inc"
} // namespace convc

using namespace mlir;
using namespace convc;
namespace cnn = convc::cnn;

namespace {

RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elem) {
  return RankedTensorType::get(shape, elem);
}

Value constantF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

/// A tensor of `type` filled with `value`.
Value filled(OpBuilder &b, Location loc, RankedTensorType type, float value) {
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                        type.getElementType());
  return linalg::FillOp::create(b, loc, constantF32(b, loc, value), empty)
      .getResult(0);
}

/// Pads H and W of an NCHW tensor by `pad` = [top, left, bottom, right].
Value padNchw(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> pad,
              float value) {
  if (llvm::all_of(pad, [](int64_t p) { return p == 0; }))
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[2] += pad[0] + pad[2];
  shape[3] += pad[1] + pad[3];
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(0),
                                   b.getIndexAttr(pad[0]),
                                   b.getIndexAttr(pad[1])};
  SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(0),
                                    b.getIndexAttr(pad[2]),
                                    b.getIndexAttr(pad[3])};
  return tensor::PadOp::create(b, loc,
                               tensorOf(shape, type.getElementType()), x, low,
                               high, constantF32(b, loc, value))
      .getResult();
}

/// out[n, f, ...] = bias[f] (or 0), the accumulator a convolution or
/// linear layer adds onto.
Value biasInit(OpBuilder &b, Location loc, RankedTensorType type, Value bias) {
  if (!bias)
    return filled(b, loc, type, 0.0f);
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                        type.getElementType());
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != 1)
      dims.push_back(d);
  return linalg::BroadcastOp::create(b, loc, bias, empty, dims).getResult()[0];
}

/// An element-wise linalg.generic over `inputs` (all of the result's type
/// unless `maps` says otherwise) with `body` computing the result.
Value elementwise(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body,
    ArrayRef<AffineMap> inputMaps = {}) {
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
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

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct WeightLowering : OpConversionPattern<cnn::WeightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::WeightOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getValue());
    return success();
  }
};

struct Conv2dLowering : OpConversionPattern<cnn::Conv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::Conv2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    Type f32 = outType.getElementType();
    Value x = padNchw(b, loc, adaptor.getInput(), op.getPad(), 0.0f);
    Value w = adaptor.getWeight();
    Value init = biasInit(b, loc, outType, adaptor.getBias());
    auto strides = b.getI64TensorAttr(op.getStrides());
    auto dilations = b.getI64TensorAttr(op.getDilations());
    int64_t g = op.getGroups();
    ArrayRef<int64_t> ws = op.getWeight().getType().getShape();
    ArrayRef<int64_t> xs = cast<RankedTensorType>(x.getType()).getShape();
    ArrayRef<int64_t> os = outType.getShape();
    int64_t c = xs[1], f = ws[0];

    if (g == 1) {
      b.replaceOpWithNewOp<linalg::Conv2DNchwFchwOp>(
          op, TypeRange{outType}, ValueRange{x, w}, ValueRange{init}, strides,
          dilations);
      return success();
    }
    if (g == c && f == c) {
      // [C, 1, KH, KW] -> [C, KH, KW]
      Value w3 = tensor::CollapseShapeOp::create(
          b, loc, tensorOf({c, ws[2], ws[3]}, f32), w,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
      b.replaceOpWithNewOp<linalg::DepthwiseConv2DNchwChwOp>(
          op, TypeRange{outType}, ValueRange{x, w3}, ValueRange{init}, strides,
          dilations);
      return success();
    }
    // Grouped: NCHW -> NGCHW, FCHW -> GFCHW, NFHW -> NGFHW.
    SmallVector<ReassociationIndices> splitDim1 = {{0}, {1, 2}, {3}, {4}};
    SmallVector<ReassociationIndices> splitDim0 = {{0, 1}, {2}, {3}, {4}};
    Value x5 = tensor::ExpandShapeOp::create(
        b, loc, tensorOf({xs[0], g, c / g, xs[2], xs[3]}, f32), x, splitDim1);
    Value w5 = tensor::ExpandShapeOp::create(
        b, loc, tensorOf({g, f / g, ws[1], ws[2], ws[3]}, f32), w, splitDim0);
    auto out5Type = tensorOf({os[0], g, f / g, os[2], os[3]}, f32);
    Value init5 =
        tensor::ExpandShapeOp::create(b, loc, out5Type, init, splitDim1);
    Value conv = linalg::Conv2DNgchwGfchwOp::create(
                     b, loc, TypeRange{out5Type}, ValueRange{x5, w5},
                     ValueRange{init5}, strides, dilations)
                     .getResult(0);
    b.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, outType, conv,
                                                  splitDim1);
    return success();
  }
};

struct LinearLowering : OpConversionPattern<cnn::LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    Value init = biasInit(b, loc, outType, adaptor.getBias());
    // out[n, m] += x[n, k] * w[m, k]
    AffineExpr n, m, k;
    bindDims(b.getContext(), n, m, k);
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {n, k}, ctx),
                                   AffineMap::get(3, 0, {m, k}, ctx),
                                   AffineMap::get(3, 0, {n, m}, ctx)};
    SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction};
    b.replaceOpWithNewOp<linalg::GenericOp>(
        op, outType, ValueRange{adaptor.getInput(), adaptor.getWeight()},
        init, maps, iters, [](OpBuilder &nb, Location nl, ValueRange args) {
          Value mul = arith::MulFOp::create(nb, nl, args[0], args[1]);
          linalg::YieldOp::create(nb, nl,
                                  arith::AddFOp::create(nb, nl, args[2], mul)
                                      .getResult());
        });
    return success();
  }
};

struct MaxPool2dLowering : OpConversionPattern<cnn::MaxPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::MaxPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    float lowest = -std::numeric_limits<float>::infinity();
    Value x = padNchw(b, loc, adaptor.getInput(), op.getPad(), lowest);
    Value window = tensor::EmptyOp::create(b, loc, op.getKernel(),
                                           outType.getElementType());
    b.replaceOpWithNewOp<linalg::PoolingNchwMaxOp>(
        op, TypeRange{outType}, ValueRange{x, window},
        ValueRange{filled(b, loc, outType, lowest)},
        b.getI64TensorAttr(op.getStrides()),
        b.getI64TensorAttr(op.getDilations()));
    return success();
  }
};

struct AvgPool2dLowering : OpConversionPattern<cnn::AvgPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::AvgPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    Type f32 = outType.getElementType();
    ArrayRef<int64_t> k = op.getKernel(), s = op.getStrides(), p = op.getPad();
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    ArrayRef<int64_t> out = outType.getShape();
    Value x = padNchw(b, loc, adaptor.getInput(), p, 0.0f);
    Value window = tensor::EmptyOp::create(b, loc, k, f32);
    Value sum = linalg::PoolingNchwSumOp::create(
                    b, loc, TypeRange{outType}, ValueRange{x, window},
                    ValueRange{filled(b, loc, outType, 0.0f)},
                    b.getI64TensorAttr(s), b.getI64TensorAttr({1, 1}))
                    .getResult(0);
    // The reciprocal of each window's divisor, computed here: KH*KW, or
    // with !count_include_pad the number of its positions inside the input.
    SmallVector<float> scale(out[2] * out[3]);
    for (int64_t oh = 0; oh < out[2]; ++oh)
      for (int64_t ow = 0; ow < out[3]; ++ow) {
        int64_t count = k[0] * k[1];
        if (!op.getCountIncludePad()) {
          auto inside = [](int64_t start, int64_t kernel, int64_t size) {
            return std::min(start + kernel, size) - std::max<int64_t>(start, 0);
          };
          count = inside(oh * s[0] - p[0], k[0], in[2]) *
                  inside(ow * s[1] - p[1], k[1], in[3]);
        }
        scale[oh * out[3] + ow] = 1.0f / static_cast<float>(count);
      }
    auto scaleType = tensorOf({out[2], out[3]}, f32);
    Value scaleT = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(scaleType, ArrayRef<float>(scale)));
    AffineExpr d0, d1, d2, d3;
    bindDims(b.getContext(), d0, d1, d2, d3);
    SmallVector<AffineMap> maps = {
        b.getMultiDimIdentityMap(4),
        AffineMap::get(4, 0, {d2, d3}, b.getContext())};
    b.replaceOp(op, elementwise(
                        b, loc, outType, ValueRange{sum, scaleT},
                        [](OpBuilder &nb, Location nl, ValueRange a) {
                          return arith::MulFOp::create(nb, nl, a[0], a[1])
                              .getResult();
                        },
                        maps));
    return success();
  }
};

struct GlobalAvgPoolLowering : OpConversionPattern<cnn::GlobalAvgPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::GlobalAvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    auto sumType = tensorOf({in[0], in[1]}, outType.getElementType());
    AffineExpr n, c, h, w;
    bindDims(b.getContext(), n, c, h, w);
    SmallVector<AffineMap> maps = {
        b.getMultiDimIdentityMap(4),
        AffineMap::get(4, 0, {n, c}, b.getContext())};
    SmallVector<utils::IteratorType> iters = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction, utils::IteratorType::reduction};
    float inv = 1.0f / static_cast<float>(in[2] * in[3]);
    Value sum =
        linalg::GenericOp::create(
            b, loc, sumType, adaptor.getInput(), filled(b, loc, sumType, 0.0f),
            maps, iters,
            [](OpBuilder &nb, Location nl, ValueRange args) {
              linalg::YieldOp::create(
                  nb, nl,
                  arith::AddFOp::create(nb, nl, args[1], args[0]).getResult());
            })
            .getResult(0);
    Value mean = elementwise(b, loc, sumType, sum,
                             [inv](OpBuilder &nb, Location nl, ValueRange a) {
                               return arith::MulFOp::create(
                                          nb, nl, a[0], constantF32(nb, nl, inv))
                                   .getResult();
                             });
    b.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, outType, mean, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
    return success();
  }
};

struct FlattenLowering : OpConversionPattern<cnn::FlattenOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::FlattenOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    auto outType = cast<RankedTensorType>(op.getType());
    int64_t rank = op.getInput().getType().getRank();
    Value x = adaptor.getInput();
    if (rank == 2) {
      b.replaceOp(op, x);
    } else if (rank == 1) {
      b.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, outType, x, ArrayRef<ReassociationIndices>{{0, 1}});
    } else {
      ReassociationIndices rest;
      for (int64_t d = 1; d < rank; ++d)
        rest.push_back(d);
      b.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, outType, x, ArrayRef<ReassociationIndices>{{0}, rest});
    }
    return success();
  }
};

struct ReluLowering : OpConversionPattern<cnn::ReluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::ReluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    b.replaceOp(op, elementwise(b, op.getLoc(),
                                cast<RankedTensorType>(op.getType()),
                                adaptor.getInput(),
                                [](OpBuilder &nb, Location nl, ValueRange a) {
                                  return arith::MaximumFOp::create(
                                             nb, nl, a[0],
                                             constantF32(nb, nl, 0.0f))
                                      .getResult();
                                }));
    return success();
  }
};

struct AddLowering : OpConversionPattern<cnn::AddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::AddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    b.replaceOp(op, elementwise(b, op.getLoc(),
                                cast<RankedTensorType>(op.getType()),
                                {adaptor.getLhs(), adaptor.getRhs()},
                                [](OpBuilder &nb, Location nl, ValueRange a) {
                                  return arith::AddFOp::create(nb, nl, a[0],
                                                               a[1])
                                      .getResult();
                                }));
    return success();
  }
};

struct ConvertCnnToLinalgPass
    : convc::impl::ConvertCnnToLinalgPassBase<ConvertCnnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<cnn::CnnDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, func::FuncDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<WeightLowering, Conv2dLowering, LinearLowering,
                 MaxPool2dLowering, AvgPool2dLowering, GlobalAvgPoolLowering,
                 FlattenLowering, ReluLowering, AddLowering>(ctx);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
