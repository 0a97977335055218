//===- ResampleToLinalg.cpp - upsampling and pixel shuffle to linalg ------===//

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

/// A generic over the output that gathers from the input: for every output
/// pixel the body computes source coordinates in f32, as PyTorch does for
/// float tensors, and reads one (nearest) or four (bilinear) input pixels.
struct UpsampleLowering : OpConversionPattern<cnn::UpsampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::UpsampleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    Value x = adaptor.getInput();
    bool bilinear = op.getMode() == cnn::ResizeMode::bilinear;
    bool align = op.getAlignCorners();
    SmallVector<double> scales(op.getScales());
    Value init = tensor::EmptyOp::create(b, loc, outType.getShape(),
                                         outType.getElementType());
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    Value result =
        linalg::GenericOp::create(
            b, loc, outType, ValueRange{}, init,
            ArrayRef<AffineMap>{b.getMultiDimIdentityMap(4)}, iters,
            [&](OpBuilder &nb, Location nl, ValueRange) {
              Type f32 = nb.getF32Type(), i64 = nb.getI64Type();
              auto f = [&](double v) {
                return arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(v))
                    .getResult();
              };
              auto idx = [&](int64_t v) {
                return arith::ConstantIndexOp::create(nb, nl, v).getResult();
              };
              auto toIndex = [&](Value v) { // f32 >= 0 -> index, truncating
                Value i = arith::FPToSIOp::create(nb, nl, i64, v);
                return arith::IndexCastOp::create(nb, nl, nb.getIndexType(), i)
                    .getResult();
              };
              Value n = linalg::IndexOp::create(nb, nl, 0);
              Value c = linalg::IndexOp::create(nb, nl, 1);
              // Per spatial dim: the two source rows and the weight of the
              // second (nearest: one row, weight 0).
              Value lo[2], hi[2], lambda[2];
              for (int d = 0; d < 2; ++d) {
                Value o = linalg::IndexOp::create(nb, nl, 2 + d);
                Value of = arith::SIToFPOp::create(
                    nb, nl, f32, arith::IndexCastOp::create(nb, nl, i64, o));
                Value last = idx(in[2 + d] - 1);
                if (!bilinear) {
                  Value src = math::FloorOp::create(
                      nb, nl, arith::MulFOp::create(nb, nl, of, f(scales[d])));
                  lo[d] = arith::MinSIOp::create(nb, nl, toIndex(src), last);
                  continue;
                }
                Value src =
                    align
                        ? arith::MulFOp::create(nb, nl, of, f(scales[d]))
                              .getResult()
                        : arith::MaximumFOp::create(
                              nb, nl,
                              arith::SubFOp::create(
                                  nb, nl,
                                  arith::MulFOp::create(
                                      nb, nl,
                                      arith::AddFOp::create(nb, nl, of, f(0.5)),
                                      f(scales[d])),
                                  f(0.5)),
                              f(0.0))
                              .getResult();
                lo[d] = arith::MinSIOp::create(nb, nl, toIndex(src), last);
                Value next = arith::AddIOp::create(nb, nl, lo[d], idx(1));
                hi[d] = arith::MinSIOp::create(nb, nl, next, last);
                Value lof = arith::SIToFPOp::create(
                    nb, nl, f32,
                    arith::IndexCastOp::create(nb, nl, i64, lo[d]));
                lambda[d] = arith::SubFOp::create(nb, nl, src, lof);
              }
              auto read = [&](Value h, Value w) {
                return tensor::ExtractOp::create(nb, nl, x,
                                                 ValueRange{n, c, h, w})
                    .getResult();
              };
              Value v;
              if (!bilinear) {
                v = read(lo[0], lo[1]);
              } else {
                auto blend = [&](Value a, Value bv, Value l) {
                  // (1 - l) * a + l * b
                  Value one = f(1.0);
                  return arith::AddFOp::create(
                             nb, nl,
                             arith::MulFOp::create(
                                 nb, nl, arith::SubFOp::create(nb, nl, one, l),
                                 a),
                             arith::MulFOp::create(nb, nl, l, bv))
                      .getResult();
                };
                Value top =
                    blend(read(lo[0], lo[1]), read(lo[0], hi[1]), lambda[1]);
                Value bottom =
                    blend(read(hi[0], lo[1]), read(hi[0], hi[1]), lambda[1]);
                v = blend(top, bottom, lambda[0]);
              }
              linalg::YieldOp::create(nb, nl, v);
            })
            .getResult(0);
    b.replaceOp(op, result);
    return success();
  }
};

/// [N, C*r*r, H, W] -> [N, C, r, r, H, W] -> [N, C, H, r, W, r] -> output.
struct PixelShuffleLowering : OpConversionPattern<cnn::PixelShuffleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::PixelShuffleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    Type f32 = outType.getElementType();
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    int64_t r = op.getUpscaleFactor(), c = outType.getDimSize(1);
    Value x6 = tensor::ExpandShapeOp::create(
        b, loc, tensorOf({in[0], c, r, r, in[2], in[3]}, f32),
        adaptor.getInput(),
        ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4}, {5}});
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{in[0], c, in[2], r, in[3], r}, f32);
    Value t = linalg::TransposeOp::create(b, loc, x6, init,
                                          ArrayRef<int64_t>{0, 1, 4, 2, 5, 3})
                  .getResult()[0];
    b.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, outType, t,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}});
    return success();
  }
};

} // namespace

void convc::detail::populateResamplePatterns(RewritePatternSet &patterns) {
  patterns.add<UpsampleLowering, PixelShuffleLowering>(patterns.getContext());
}
