//===- FoldBatchNorm.cpp - fold inference batch norm into convolutions ----===//

#include "compiler/Transforms/Passes.h"
#include "dialect/CnnOps.h"
#include "dialect/ConstantData.h"

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

/// The elements of a constant operand (cnn.weight or cnn.constant): a view
/// of its data, or of `storage`.
std::optional<ArrayRef<float>> constantValues(Value v,
                                              std::vector<float> &storage) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return cnn::f32Elements(attr, storage);
}

/// A constant with the key of `like` (a cnn.weight keeps its key: the
/// folded tensor stands for that parameter).
Value makeConstant(PatternRewriter &rewriter, Location loc, Value like,
                   RankedTensorType type, std::vector<float> data) {
  auto w = like ? like.getDefiningOp<cnn::WeightOp>() : cnn::WeightOp();
  ElementsAttr attr =
      cnn::makeF32Constant(type, std::move(data), w ? w.getName() : "folded");
  if (w)
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
    std::vector<float> storage[6];
    auto w = constantValues(conv.getWeight(), storage[0]);
    auto gamma = constantValues(bn.getWeight(), storage[1]);
    auto beta = constantValues(bn.getBias(), storage[2]);
    auto mean = constantValues(bn.getRunningMean(), storage[3]);
    auto var = constantValues(bn.getRunningVar(), storage[4]);
    std::optional<ArrayRef<float>> b;
    if (conv.getBias())
      b = constantValues(conv.getBias(), storage[5]);
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
                     conv.getWeight().getType(), std::move(newW));
    // The bias keeps the conv's key, or takes the batch norm's bias key.
    Value biasLike = conv.getBias() ? conv.getBias() : bn.getBias();
    Value bias = makeConstant(
        rewriter, biasLike.getLoc(), biasLike,
        RankedTensorType::get({static_cast<int64_t>(f)}, rewriter.getF32Type()),
        std::move(newB));
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
