//===- ConvToLinalg.cpp - conv2d and linear to linalg ---------------------===//

#include "compiler/Conversion/PopulatePatterns.h"
#include "dialect/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace convc::detail;
namespace cnn = convc::cnn;

namespace {

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

} // namespace

void convc::detail::populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dLowering, LinearLowering>(patterns.getContext());
}
