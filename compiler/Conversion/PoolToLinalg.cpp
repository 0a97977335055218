//===- PoolToLinalg.cpp - pooling to linalg -------------------------------===//

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

/// The padding that also covers ceil_mode's last, partial windows: the
/// trailing pads grow until every output window fits.
SmallVector<int64_t> windowPadding(ArrayRef<int64_t> in, ArrayRef<int64_t> out,
                                   ArrayRef<int64_t> kernel,
                                   ArrayRef<int64_t> strides,
                                   ArrayRef<int64_t> dilations,
                                   ArrayRef<int64_t> pad) {
  SmallVector<int64_t> p(pad);
  for (int i = 0; i < 2; ++i) {
    int64_t need = (out[2 + i] - 1) * strides[i] +
                   dilations[i] * (kernel[i] - 1) + 1;
    int64_t have = in[2 + i] + p[i] + p[2 + i];
    if (need > have)
      p[2 + i] += need - have;
  }
  return p;
}

struct MaxPool2dLowering : OpConversionPattern<cnn::MaxPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(cnn::MaxPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    float lowest = -std::numeric_limits<float>::infinity();
    SmallVector<int64_t> pad = windowPadding(
        op.getInput().getType().getShape(), outType.getShape(), op.getKernel(),
        op.getStrides(), op.getDilations(), op.getPad());
    Value x = padSpatial(b, loc, adaptor.getInput(), pad, lowest);
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
    int64_t unit[] = {1, 1};
    Value x = padSpatial(b, loc, adaptor.getInput(),
                         windowPadding(in, out, k, s, unit, p), 0.0f);
    Value window = tensor::EmptyOp::create(b, loc, k, f32);
    Value sum = linalg::PoolingNchwSumOp::create(
                    b, loc, TypeRange{outType}, ValueRange{x, window},
                    ValueRange{filled(b, loc, outType, 0.0f)},
                    b.getI64TensorAttr(s), b.getI64TensorAttr({1, 1}))
                    .getResult(0);
    // The reciprocal of each window's divisor, computed here as PyTorch
    // does: the window's extent within the padded input (which ceil_mode's
    // last windows overrun), or with !count_include_pad within the input.
    SmallVector<float> scale(out[2] * out[3]);
    auto extent = [&](int64_t o, int i) {
      int64_t start = o * s[i] - p[i];
      int64_t end = std::min(start + k[i], in[2 + i] + p[2 + i]);
      if (!op.getCountIncludePad()) {
        start = std::max<int64_t>(start, 0);
        end = std::min(end, in[2 + i]);
      }
      return end - start;
    };
    for (int64_t oh = 0; oh < out[2]; ++oh)
      for (int64_t ow = 0; ow < out[3]; ++ow)
        scale[oh * out[3] + ow] =
            1.0f / static_cast<float>(extent(oh, 0) * extent(ow, 1));
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

/// A reduction over H and W (sum then scale, or max), reshaped to
/// [N, C, 1, 1].
template <typename OpTy> struct GlobalPoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  static constexpr bool isMax = std::is_same_v<OpTy, cnn::GlobalMaxPoolOp>;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    auto redType = tensorOf({in[0], in[1]}, outType.getElementType());
    SmallVector<AffineMap> maps = {
        b.getMultiDimIdentityMap(4),
        AffineMap::get(4, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)},
                       b.getContext())};
    SmallVector<utils::IteratorType> iters = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction, utils::IteratorType::reduction};
    float init = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
    Value red =
        linalg::GenericOp::create(
            b, loc, redType, adaptor.getInput(), filled(b, loc, redType, init),
            maps, iters,
            [](OpBuilder &nb, Location nl, ValueRange a) {
              Value v = isMax ? arith::MaximumFOp::create(nb, nl, a[1], a[0])
                                    .getResult()
                              : arith::AddFOp::create(nb, nl, a[1], a[0])
                                    .getResult();
              linalg::YieldOp::create(nb, nl, v);
            })
            .getResult(0);
    if (!isMax) {
      float inv = 1.0f / static_cast<float>(in[2] * in[3]);
      red = elementwise(b, loc, redType, red,
                        [inv](OpBuilder &nb, Location nl, ValueRange a) {
                          return arith::MulFOp::create(
                                     nb, nl, a[0], constantF32(nb, nl, inv))
                              .getResult();
                        });
    }
    b.template replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, outType, red, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
    return success();
  }
};


} // namespace

void convc::detail::populatePoolPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPool2dLowering, AvgPool2dLowering,
               GlobalPoolLowering<cnn::GlobalAvgPoolOp>,
               GlobalPoolLowering<cnn::GlobalMaxPoolOp>>(patterns.getContext());
}
