//===- FoldBatchNorm.cpp - fold inference batch norm into convolutions ----===//

#include "compiler/Transforms/Passes.h"
#include "dialect/CnnOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include <cmath>

namespace convc {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;
namespace cnn = convc::cnn;

namespace {

/// The values of a constant operand (cnn.weight or cnn.constant), in f64.
std::optional<std::vector<double>> constantValues(Value v) {
  DenseElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  std::vector<double> out;
  out.reserve(attr.getNumElements());
  for (float f : attr.getValues<float>())
    out.push_back(f);
  return out;
}

/// A constant with the key of `like` (a cnn.weight keeps its key: the
/// folded tensor stands for that parameter).
Value makeConstant(PatternRewriter &rewriter, Location loc, Value like,
                   RankedTensorType type, ArrayRef<float> data) {
  auto attr = DenseElementsAttr::get(type, data);
  if (auto w = like ? like.getDefiningOp<cnn::WeightOp>() : cnn::WeightOp())
    return cnn::WeightOp::create(rewriter, loc, w.getNameAttr(), attr);
  return cnn::ConstantOp::create(rewriter, loc, attr);
}

struct FoldIntoConv : OpRewritePattern<cnn::BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(cnn::BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<cnn::ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a conv used once");
    auto w = constantValues(conv.getWeight());
    auto gamma = constantValues(bn.getWeight());
    auto beta = constantValues(bn.getBias());
    auto mean = constantValues(bn.getRunningMean());
    auto var = constantValues(bn.getRunningVar());
    std::optional<std::vector<double>> b;
    if (conv.getBias())
      b = constantValues(conv.getBias());
    if (!w || !gamma || !beta || !mean || !var || (conv.getBias() && !b))
      return rewriter.notifyMatchFailure(bn, "parameters are not constants");

    size_t f = gamma->size(), perChannel = w->size() / f;
    double eps = bn.getEpsilon().convertToDouble();
    std::vector<float> newW(w->size()), newB(f);
    for (size_t c = 0; c < f; ++c) {
      double s = (*gamma)[c] / std::sqrt((*var)[c] + eps);
      for (size_t i = 0; i < perChannel; ++i)
        newW[c * perChannel + i] =
            static_cast<float>((*w)[c * perChannel + i] * s);
      double bias = b ? (*b)[c] : 0.0;
      newB[c] = static_cast<float>((bias - (*mean)[c]) * s + (*beta)[c]);
    }
    Location loc = conv.getLoc();
    rewriter.setInsertionPoint(conv);
    Value weight =
        makeConstant(rewriter, conv.getWeight().getLoc(), conv.getWeight(),
                     conv.getWeight().getType(), newW);
    // The bias keeps the conv's key, or takes the batch norm's bias key.
    Value biasLike = conv.getBias() ? conv.getBias() : bn.getBias();
    Value bias = makeConstant(
        rewriter, biasLike.getLoc(), biasLike,
        RankedTensorType::get({static_cast<int64_t>(f)}, rewriter.getF32Type()),
        newB);
    auto folded = cnn::ConvOp::create(
        rewriter, FusedLoc::get(getContext(), {loc, bn.getLoc()}),
        conv.getType(), conv.getInput(), weight, bias, conv.getStrides(),
        conv.getDilations(), conv.getPad(), conv.getGroups(),
        conv.getPaddingMode(), conv.getFlip());
    rewriter.replaceOp(bn, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct FoldBatchNormPass
    : convc::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
