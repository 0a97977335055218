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
    int64_t need =
        (out[2 + i] - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1;
    int64_t have = in[2 + i] + p[i] + p[2 + i];
    if (need > have)
      p[2 + i] += need - have;
  }
  return p;
}

struct MaxPool2dLowering : OpConversionPattern<cnn::MaxPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::MaxPool2dOp op, OpAdaptor adaptor,
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
  LogicalResult matchAndRewrite(cnn::AvgPool2dOp op, OpAdaptor adaptor,
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
    b.replaceOp(
        op, elementwise(
                b, loc, outType, ValueRange{sum, scaleT},
                [](OpBuilder &nb, Location nl, ValueRange a) {
                  return arith::MulFOp::create(nb, nl, a[0], a[1]).getResult();
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
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
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
              Value v =
                  isMax ? arith::MaximumFOp::create(nb, nl, a[1], a[0])
                              .getResult()
                        : arith::AddFOp::create(nb, nl, a[1], a[0]).getResult();
              linalg::YieldOp::create(nb, nl, v);
            })
            .getResult(0);
    if (!isMax) {
      float inv = 1.0f / static_cast<float>(in[2] * in[3]);
      red = elementwise(b, loc, redType, red,
                        [inv](OpBuilder &nb, Location nl, ValueRange a) {
                          return arith::MulFOp::create(nb, nl, a[0],
                                                       constantF32(nb, nl, inv))
                              .getResult();
                        });
    }
    b.template replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, outType, red, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
    return success();
  }
};

/// The window loops (kh, kw) of a pooling generic run in row-major order
/// (they are reductions, lowered to nested loops), so "the first maximum"
/// is PyTorch's. Each step computes the flat input index h * W + w of the
/// position it reads and keeps it when the value beats the best so far, is
/// NaN, or is the first position inside the input.
struct MaxPool2dIndicesLowering : OpConversionPattern<cnn::MaxPool2dIndicesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::MaxPool2dIndicesOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto idxType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    ArrayRef<int64_t> k = op.getKernel(), s = op.getStrides(),
                      d = op.getDilations(), p = op.getPad();
    Type f32 = b.getF32Type(), i64 = b.getI64Type();
    float lowest = -std::numeric_limits<float>::infinity();
    Value x =
        padSpatial(b, loc, adaptor.getInput(),
                   windowPadding(in, idxType.getShape(), k, s, d, p), lowest);
    Value window = tensor::EmptyOp::create(b, loc, k, f32);
    auto valType = tensorOf(idxType.getShape(), f32);
    Value valInit = filled(b, loc, valType, lowest);
    Value idxEmpty = tensor::EmptyOp::create(b, loc, idxType.getShape(), i64);
    Value idxInit = linalg::FillOp::create(b, loc,
                                           arith::ConstantOp::create(
                                               b, loc, b.getI64IntegerAttr(-1))
                                               .getResult(),
                                           idxEmpty)
                        .getResult(0);
    MLIRContext *ctx = b.getContext();
    auto dim = [&](unsigned i) { return b.getAffineDimExpr(i); };
    // n=0 c=1 oh=2 ow=3 kh=4 kw=5
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0,
                       {dim(0), dim(1), dim(2) * s[0] + dim(4) * d[0],
                        dim(3) * s[1] + dim(5) * d[1]},
                       ctx),
        AffineMap::get(6, 0, {dim(4), dim(5)}, ctx),
        AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx),
        AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(2, utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{valType, idxType}, ValueRange{x, window},
        ValueRange{valInit, idxInit}, maps, iters,
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          auto cst = [&](int64_t v) {
            return arith::ConstantIndexOp::create(nb, nl, v).getResult();
          };
          Value pos[2];
          Value valid = arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true));
          for (int i = 0; i < 2; ++i) {
            Value o = linalg::IndexOp::create(nb, nl, 2 + i);
            Value w = linalg::IndexOp::create(nb, nl, 4 + i);
            Value v = arith::AddIOp::create(
                nb, nl, arith::MulIOp::create(nb, nl, o, cst(s[i])),
                arith::MulIOp::create(nb, nl, w, cst(d[i])));
            pos[i] = arith::SubIOp::create(nb, nl, v, cst(p[i]));
            Value ge = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                             pos[i], cst(0));
            Value lt = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                             pos[i], cst(in[2 + i]));
            valid = arith::AndIOp::create(
                nb, nl, valid, arith::AndIOp::create(nb, nl, ge, lt));
          }
          Value flat = arith::AddIOp::create(
              nb, nl, arith::MulIOp::create(nb, nl, pos[0], cst(in[3])),
              pos[1]);
          flat = arith::IndexCastOp::create(nb, nl, nb.getI64Type(), flat);
          Value better = arith::CmpFOp::create(
              nb, nl, arith::CmpFPredicate::OGT, a[0], a[2]);
          Value nan = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNO,
                                            a[0], a[0]);
          Value first = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::eq, a[3],
              arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(-1)));
          Value take = arith::AndIOp::create(
              nb, nl, valid,
              arith::OrIOp::create(nb, nl, better,
                                   arith::OrIOp::create(nb, nl, nan, first)));
          linalg::YieldOp::create(
              nb, nl,
              ValueRange{arith::SelectOp::create(nb, nl, take, a[0], a[2]),
                         arith::SelectOp::create(nb, nl, take, flat, a[3])});
        });
    b.replaceOp(op, generic.getResult(1));
    return success();
  }
};

/// A gather for PyTorch's scatter: each output position (ph, pw) looks at
/// the pooling windows that contain it, (ph + pad - kh) / stride for every
/// kernel offset kh, and takes the input element whose index names it.
struct MaxUnpool2dLowering : OpConversionPattern<cnn::MaxUnpool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::MaxUnpool2dOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    ArrayRef<int64_t> k = op.getKernel(), s = op.getStrides(), p = op.getPad();
    int64_t ow = outType.getDimSize(3);
    Value x = adaptor.getInput(), indices = adaptor.getIndices();
    Value window = tensor::EmptyOp::create(b, loc, k, b.getF32Type());
    MLIRContext *ctx = b.getContext();
    auto dim = [&](unsigned i) { return b.getAffineDimExpr(i); };
    // n=0 c=1 ph=2 pw=3 kh=4 kw=5
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0, {dim(4), dim(5)}, ctx),
        AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(2, utils::IteratorType::reduction);
    Value result =
        linalg::GenericOp::create(
            b, loc, outType, ValueRange{window},
            ValueRange{filled(b, loc, outType, 0.0f)}, maps, iters,
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              auto cst = [&](int64_t v) {
                return arith::ConstantIndexOp::create(nb, nl, v).getResult();
              };
              Value n = linalg::IndexOp::create(nb, nl, 0);
              Value c = linalg::IndexOp::create(nb, nl, 1);
              Value src[2], here[2];
              Value valid =
                  arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true));
              for (int i = 0; i < 2; ++i) {
                here[i] = linalg::IndexOp::create(nb, nl, 2 + i);
                Value kk = linalg::IndexOp::create(nb, nl, 4 + i);
                // num = pos + pad - k; the window o = num / s contains pos.
                Value num = arith::SubIOp::create(
                    nb, nl, arith::AddIOp::create(nb, nl, here[i], cst(p[i])),
                    kk);
                Value o = arith::DivSIOp::create(nb, nl, num, cst(s[i]));
                Value exact = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::eq,
                    arith::RemSIOp::create(nb, nl, num, cst(s[i])), cst(0));
                Value ge = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::sge, num, cst(0));
                Value lt = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::slt, o, cst(in[2 + i]));
                valid = arith::AndIOp::create(
                    nb, nl, valid,
                    arith::AndIOp::create(
                        nb, nl, exact, arith::AndIOp::create(nb, nl, ge, lt)));
                // Clamped, so the reads stay in bounds when !valid.
                src[i] = arith::MinSIOp::create(
                    nb, nl, arith::MaxSIOp::create(nb, nl, o, cst(0)),
                    cst(in[2 + i] - 1));
              }
              SmallVector<Value, 4> at = {n, c, src[0], src[1]};
              Value idx = tensor::ExtractOp::create(nb, nl, indices, at);
              Value flat = arith::AddIOp::create(
                  nb, nl, arith::MulIOp::create(nb, nl, here[0], cst(ow)),
                  here[1]);
              Value named = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::eq, idx,
                  arith::IndexCastOp::create(nb, nl, nb.getI64Type(), flat));
              Value take = arith::AndIOp::create(nb, nl, valid, named);
              Value v = tensor::ExtractOp::create(nb, nl, x, at);
              linalg::YieldOp::create(
                  nb, nl,
                  arith::SelectOp::create(nb, nl, take, v, a[1]).getResult());
            })
            .getResult(0);
    b.replaceOp(op, result);
    return success();
  }
};

} // namespace

void convc::detail::populatePoolPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPool2dLowering, AvgPool2dLowering, MaxPool2dIndicesLowering,
               MaxUnpool2dLowering, GlobalPoolLowering<cnn::GlobalAvgPoolOp>,
               GlobalPoolLowering<cnn::GlobalMaxPoolOp>>(patterns.getContext());
}
