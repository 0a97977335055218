//===- ElementwiseToLinalg.cpp - activations, arithmetic, batch norm ------===//

#include "compiler/Conversion/PopulatePatterns.h"
#include "dialect/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace convc::detail;
namespace cnn = convc::cnn;

namespace {

using Scalar = function_ref<Value(OpBuilder &, Location, ValueRange)>;

Value sigmoidOf(OpBuilder &b, Location loc, Value x) {
  // 1 / (1 + exp(-x))
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value one = constantF32(b, loc, 1.0f);
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// x < bound ? bound : x (`below`), or x > bound ? bound : x: a NaN passes
/// through, as in PyTorch. In this form LLVM emits one vmaxps / vminps
/// (whose NaN rule is the same), where arith.maximumf / minimumf, which
/// also order -0 below +0, cost a compare and a blend more each.
Value bounded(OpBuilder &b, Location loc, Value x, float bound, bool below) {
  Value c = constantF32(b, loc, bound);
  Value beyond = arith::CmpFOp::create(
      b, loc, below ? arith::CmpFPredicate::OLT : arith::CmpFPredicate::OGT, x,
      c);
  return arith::SelectOp::create(b, loc, beyond, c, x);
}

Value clamp(OpBuilder &b, Location loc, Value x, float lo, float hi) {
  return bounded(b, loc, bounded(b, loc, x, lo, /*below=*/true), hi,
                 /*below=*/false);
}

/// The scalar formula of each activation.
template <typename OpTy> Value activation(OpBuilder &, Location, Value, OpTy);

template <> Value activation(OpBuilder &b, Location l, Value x, cnn::ReluOp) {
  return bounded(b, l, x, 0.0f, /*below=*/true);
}
template <> Value activation(OpBuilder &b, Location l, Value x, cnn::Relu6Op) {
  return clamp(b, l, x, 0.0f, 6.0f);
}
template <>
Value activation(OpBuilder &b, Location l, Value x, cnn::SigmoidOp) {
  return sigmoidOf(b, l, x);
}
template <> Value activation(OpBuilder &b, Location l, Value x, cnn::TanhOp) {
  return math::TanhOp::create(b, l, x);
}
template <> Value activation(OpBuilder &b, Location l, Value x, cnn::SiluOp) {
  return arith::MulFOp::create(b, l, x, sigmoidOf(b, l, x));
}
template <>
Value activation(OpBuilder &b, Location l, Value x, cnn::HardswishOp) {
  // x * relu6(x + 3) / 6
  Value r = clamp(b, l, arith::AddFOp::create(b, l, x, constantF32(b, l, 3.0f)),
                  0.0f, 6.0f);
  return arith::MulFOp::create(
      b, l, x, arith::MulFOp::create(b, l, r, constantF32(b, l, 1.0f / 6.0f)));
}
template <>
Value activation(OpBuilder &b, Location l, Value x, cnn::LeakyReluOp op) {
  Value zero = constantF32(b, l, 0.0f);
  Value pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, zero);
  Value neg = arith::MulFOp::create(
      b, l, x,
      constantF32(b, l,
                  static_cast<float>(op.getNegativeSlope().convertToDouble())));
  return arith::SelectOp::create(b, l, pos, x, neg);
}

template <> Value activation(OpBuilder &b, Location l, Value x, cnn::SqrtOp) {
  return math::SqrtOp::create(b, l, x);
}
template <> Value activation(OpBuilder &b, Location l, Value x, cnn::AbsOp) {
  return math::AbsFOp::create(b, l, x);
}

template <typename OpTy> struct ActivationLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    b.replaceOp(op, elementwise(b, op.getLoc(),
                                cast<RankedTensorType>(op.getType()),
                                adaptor.getInput(),
                                [&](OpBuilder &nb, Location nl, ValueRange a) {
                                  return activation(nb, nl, a[0], op);
                                }));
    return success();
  }
};

/// An element-wise binary op; an operand that is a splat constant (a number
/// in the model, `mul(x, 0.5)`) becomes a scalar in the loop body instead of
/// a tensor in memory.
template <typename OpTy, typename ArithOp>
struct BinaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Value operands[] = {adaptor.getLhs(), adaptor.getRhs()};
    std::optional<float> splat[2];
    SmallVector<Value> inputs;
    for (int i = 0; i < 2; ++i) {
      DenseElementsAttr attr;
      if (matchPattern(operands[i], m_Constant(&attr)) && attr.isSplat())
        splat[i] = attr.getSplatValue<float>();
      else
        inputs.push_back(operands[i]);
    }
    b.replaceOp(
        op,
        elementwise(b, op.getLoc(), cast<RankedTensorType>(op.getType()),
                    inputs, [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value v[2];
                      for (int i = 0, next = 0; i < 2; ++i)
                        v[i] = splat[i] ? constantF32(nb, nl, *splat[i])
                                        : a[next++];
                      return ArithOp::create(nb, nl, v[0], v[1]).getResult();
                    }));
    return success();
  }
};

/// y = x * scale[c] + shift[c], with scale = weight / sqrt(var + eps) and
/// shift = bias - mean * scale computed once per channel.
struct BatchNormLowering : OpConversionPattern<cnn::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto chanType = cast<RankedTensorType>(adaptor.getWeight().getType());
    float eps = static_cast<float>(op.getEpsilon().convertToDouble());
    Value scale = elementwise(
        b, loc, chanType, {adaptor.getWeight(), adaptor.getRunningVar()},
        [eps](OpBuilder &nb, Location nl, ValueRange a) {
          Value v =
              arith::AddFOp::create(nb, nl, a[1], constantF32(nb, nl, eps));
          return arith::MulFOp::create(nb, nl, a[0],
                                       math::RsqrtOp::create(nb, nl, v))
              .getResult();
        });
    Value shift = elementwise(
        b, loc, chanType, {adaptor.getBias(), adaptor.getRunningMean(), scale},
        [](OpBuilder &nb, Location nl, ValueRange a) {
          return arith::SubFOp::create(
                     nb, nl, a[0], arith::MulFOp::create(nb, nl, a[1], a[2]))
              .getResult();
        });
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                   dimMap(ctx, rank, 1), dimMap(ctx, rank, 1)};
    b.replaceOp(op, elementwise(
                        b, loc, type, {adaptor.getInput(), scale, shift},
                        [](OpBuilder &nb, Location nl, ValueRange a) {
                          return arith::AddFOp::create(
                                     nb, nl,
                                     arith::MulFOp::create(nb, nl, a[0], a[1]),
                                     a[2])
                              .getResult();
                        },
                        maps));
    return success();
  }
};

/// max, then exp(x - max) and its sum, then the quotient; each a generic.
struct SoftmaxLowering : OpConversionPattern<cnn::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    unsigned rank = type.getRank(), dim = op.getDim();
    MLIRContext *ctx = b.getContext();
    SmallVector<int64_t> redShape;
    SmallVector<AffineExpr> redExprs;
    for (unsigned d = 0; d < rank; ++d)
      if (d != dim) {
        redShape.push_back(type.getDimSize(d));
        redExprs.push_back(getAffineDimExpr(d, ctx));
      }
    auto redType = tensorOf(redShape, type.getElementType());
    AffineMap id = b.getMultiDimIdentityMap(rank);
    AffineMap red = AffineMap::get(rank, 0, redExprs, ctx);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters[dim] = utils::IteratorType::reduction;
    auto reduce = [&](Value in, float init, auto combine) {
      return linalg::GenericOp::create(
                 b, loc, redType, in, filled(b, loc, redType, init),
                 ArrayRef<AffineMap>{id, red}, iters,
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   linalg::YieldOp::create(nb, nl, combine(nb, nl, a[0], a[1]));
                 })
          .getResult(0);
    };
    Value x = adaptor.getInput();
    Value max =
        reduce(x, -std::numeric_limits<float>::infinity(),
               [](OpBuilder &nb, Location nl, Value v, Value acc) {
                 return arith::MaximumFOp::create(nb, nl, acc, v).getResult();
               });
    Value e = elementwise(
        b, loc, type, {x, max},
        [](OpBuilder &nb, Location nl, ValueRange a) {
          return math::ExpOp::create(nb, nl,
                                     arith::SubFOp::create(nb, nl, a[0], a[1]))
              .getResult();
        },
        {id, red});
    Value sum =
        reduce(e, 0.0f, [](OpBuilder &nb, Location nl, Value v, Value acc) {
          return arith::AddFOp::create(nb, nl, acc, v).getResult();
        });
    b.replaceOp(
        op, elementwise(
                b, loc, type, {e, sum},
                [](OpBuilder &nb, Location nl, ValueRange a) {
                  return arith::DivFOp::create(nb, nl, a[0], a[1]).getResult();
                },
                {id, red}));
    return success();
  }
};

} // namespace

void convc::detail::populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<
      ActivationLowering<cnn::ReluOp>, ActivationLowering<cnn::Relu6Op>,
      ActivationLowering<cnn::SigmoidOp>, ActivationLowering<cnn::TanhOp>,
      ActivationLowering<cnn::SiluOp>, ActivationLowering<cnn::HardswishOp>,
      ActivationLowering<cnn::SqrtOp>, ActivationLowering<cnn::AbsOp>,
      ActivationLowering<cnn::LeakyReluOp>,
      BinaryLowering<cnn::AddOp, arith::AddFOp>,
      BinaryLowering<cnn::MulOp, arith::MulFOp>,
      BinaryLowering<cnn::SubOp, arith::SubFOp>, BatchNormLowering,
      SoftmaxLowering>(patterns.getContext());
}
