//===- ImplicitGemm.cpp - 2-D convolutions as sums over kernel taps -------===//
//
// A convolution of a padded input x with a KH x KW kernel is a sum over the
// kernel's taps t = (kh, kw):
//
//   out[n, f, oh, ow] += sum_t sum_c w[f, c, kh, kw] * x_t[n, c, oh, ow]
//   x_t = x[:, :, kh*dh : ... : sh, kw*dw : ... : sw]   (a strided view)
//
// Each tap is a GEMM over c with the view x_t read in place, so the
// rewritten op is one linalg.generic whose operands are the taps' views of
// the input and slices of the kernel. Every indexing map is a projected
// permutation: the op tiles along any dimension and vectorizes with the
// output's W dimension in the vector lanes, and no im2col buffer is ever
// written. Depthwise convolutions are the same sum without the reduction
// over c, and pooling windows (max or sum pooling) the same reduction over
// the taps without weights.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ConvSchedule.h"
#include "compiler/Transforms/Passes.h"
#include "dialect/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace convc {
#define GEN_PASS_DEF_IMPLICITGEMMPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;
using namespace convc;

namespace {

/// The slice of `source` at `offsets` with `sizes` and `strides`, typed
/// `resultShape` (which may drop unit dims of `sizes`).
Value slice(OpBuilder &b, Location loc, Value source, ArrayRef<int64_t> offsets,
            ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides,
            ArrayRef<int64_t> resultShape) {
  auto type = cast<RankedTensorType>(source.getType());
  auto resultType = RankedTensorType::get(resultShape, type.getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, resultType, source, ValueRange{}, ValueRange{}, ValueRange{},
      b.getDenseI64ArrayAttr(offsets), b.getDenseI64ArrayAttr(sizes),
      b.getDenseI64ArrayAttr(strides));
}

/// out + sum_i in[2i] * in[2i+1], with `contract` so that LLVM forms FMAs.
void tapSumBody(OpBuilder &b, Location loc, ValueRange args) {
  auto fm = arith::FastMathFlagsAttr::get(b.getContext(),
                                          arith::FastMathFlags::contract);
  Value sum;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    Value m = arith::MulFOp::create(b, loc, args[i], args[i + 1], fm);
    sum = sum ? arith::AddFOp::create(b, loc, sum, m, fm).getResult() : m;
  }
  linalg::YieldOp::create(
      b, loc, arith::AddFOp::create(b, loc, args.back(), sum, fm).getResult());
}

/// combine(out, in[0], in[1], ...): the reduction of a pooling window, as a
/// tree over the taps and then onto the accumulator. A max window's order of
/// -0 and +0 is free (`nsz`; a NaN still propagates): on x86 each max is
/// then a vmaxps and a NaN check (a compare and a blend), without the two
/// more that order the zeros (ResNet-18's 3x3 stride-2 max pool, 64 x 112
/// x 112: 0.18 -> 0.10 ms).
template <typename CombineOp>
void tapWindowBody(OpBuilder &b, Location loc, ValueRange args) {
  auto flags = arith::FastMathFlagsAttr::get(
      b.getContext(), std::is_same_v<CombineOp, arith::MaximumFOp>
                          ? arith::FastMathFlags::nsz
                          : arith::FastMathFlags::none);
  SmallVector<Value> level(args.drop_back());
  while (level.size() > 1) {
    SmallVector<Value> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(CombineOp::create(b, loc, level[i], level[i + 1], flags));
    if (level.size() % 2)
      next.push_back(level.back());
    level = std::move(next);
  }
  linalg::YieldOp::create(
      b, loc,
      CombineOp::create(b, loc, args.back(), level[0], flags).getResult());
}

/// Rewrites a pooling op (linalg.pooling_nchw_max or _sum) as a tap-window
/// generic over (n, c, oh, ow) whose operands are the taps' strided views
/// of the (padded) input.
template <typename CombineOp>
LogicalResult rewriteAsTapWindow(RewriterBase &rewriter, linalg::LinalgOp pool,
                                 ArrayRef<int64_t> strides,
                                 ArrayRef<int64_t> dilations) {
  Location loc = pool.getLoc();
  Value x = pool.getDpsInputs()[0], window = pool.getDpsInputs()[1];
  Value init = pool.getDpsInits()[0];
  auto outType = cast<RankedTensorType>(init.getType());
  auto windowType = cast<RankedTensorType>(window.getType());
  if (!outType.hasStaticShape() || !windowType.hasStaticShape() ||
      !cast<RankedTensorType>(x.getType()).hasStaticShape())
    return failure();
  ArrayRef<int64_t> os = outType.getShape();
  int64_t n = os[0], c = os[1], oh = os[2], ow = os[3];
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(pool);
  SmallVector<Value> operands;
  for (int64_t i = 0; i < windowType.getDimSize(0); ++i)
    for (int64_t j = 0; j < windowType.getDimSize(1); ++j)
      operands.push_back(slice(
          rewriter, loc, x, {0, 0, i * dilations[0], j * dilations[1]},
          {n, c, oh, ow}, {1, 1, strides[0], strides[1]}, {n, c, oh, ow}));
  SmallVector<AffineMap> maps(
      operands.size() + 1,
      AffineMap::getMultiDimIdentityMap(4, rewriter.getContext()));
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{outType}, operands, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [](OpBuilder &b, Location l, ValueRange args) {
        tapWindowBody<CombineOp>(b, l, args);
      });
  setConvKind(generic, ConvKind::Pool);
  rewriter.replaceOp(pool, generic.getResults());
  return success();
}

/// The dense kernel [F, C, KH, KW] packed as [C, KH, KW, F], or, of `groups`
/// groups of F' = F / groups filters, as [groups, C, KH, KW, F']: at each
/// input channel the micro-kernel reads, for every tap, the weights of a
/// block of consecutive output channels, and they are then contiguous.
/// Constant kernels (the usual case) are packed at compile time.
Value packDenseKernel(OpBuilder &b, Location loc, Value w, int64_t groups) {
  auto type = cast<RankedTensorType>(w.getType());
  ArrayRef<int64_t> s = type.getShape();
  int64_t f = s[0] / groups, c = s[1], kh = s[2], kw = s[3];
  SmallVector<int64_t> packedShape = {c, kh, kw, f};
  if (groups > 1)
    packedShape.insert(packedShape.begin(), groups);
  auto packedType = RankedTensorType::get(packedShape, type.getElementType());
  Attribute attr;
  std::vector<float> storage;
  std::optional<ArrayRef<float>> in;
  if (matchPattern(w, m_Constant(&attr)) &&
      (in = cnn::f32Elements(attr, storage))) {
    std::vector<float> out(in->size());
    int64_t groupSize = f * c * kh * kw;
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t fi = 0; fi < f; ++fi)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t k = 0; k < kh * kw; ++k)
            out[g * groupSize + (ci * kh * kw + k) * f + fi] =
                (*in)[g * groupSize + (fi * c + ci) * kh * kw + k];
    return arith::ConstantOp::create(
        b, loc,
        cnn::makeF32Constant(packedType, std::move(out), cnn::blobKey(attr)));
  }
  Value init =
      tensor::EmptyOp::create(b, loc, packedShape, type.getElementType());
  if (groups == 1)
    return linalg::TransposeOp::create(b, loc, w, init,
                                       ArrayRef<int64_t>{1, 2, 3, 0})
        .getResult()[0];
  Value w5 = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get({groups, f, c, kh, kw}, type.getElementType()), w,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
  return linalg::TransposeOp::create(b, loc, w5, init,
                                     ArrayRef<int64_t>{0, 2, 3, 4, 1})
      .getResult()[0];
}

/// The most images of a grouped convolution rewritten, one tap-sum each:
/// each is scheduled and compiled on its own. (A 3-D convolution's batch
/// is its output depth planes times its images.) More keep linalg's
/// grouped op, run as plain loops.
constexpr int64_t kMaxGroupedImages = 8;

/// Rewrites `conv` (dense: linalg.conv_2d_nchw_fchw; depthwise:
/// linalg.depthwise_conv_2d_nchw_chw; grouped: linalg.conv_2d_ngchw_gfchw,
/// of each of at most kMaxGroupedImages images apart, its groups taking the
/// place of the images) as a tap-sum generic, or, for a dense or grouped
/// kernel of more than `maxTaps` taps, a chain of them, one per kernel row,
/// each accumulating onto the one before.
LogicalResult rewriteAsTapSum(RewriterBase &rewriter, linalg::LinalgOp conv,
                              ConvKind kind, ArrayRef<int64_t> strides,
                              ArrayRef<int64_t> dilations, int64_t maxTaps) {
  Location loc = conv.getLoc();
  Value x = conv.getDpsInputs()[0], w = conv.getDpsInputs()[1];
  Value init = conv.getDpsInits()[0];
  auto outType = cast<RankedTensorType>(init.getType());
  if (!outType.hasStaticShape() ||
      !cast<RankedTensorType>(x.getType()).hasStaticShape() ||
      !cast<RankedTensorType>(w.getType()).hasStaticShape())
    return failure();
  MLIRContext *ctx = rewriter.getContext();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(conv);
  bool grouped = kind == ConvKind::Grouped;
  int64_t groups = 1;
  if (grouped && outType.getDimSize(0) > kMaxGroupedImages)
    return failure();
  if (grouped && outType.getDimSize(0) > 1) {
    // One grouped convolution per image (each then rewritten as below).
    Value out = init;
    auto conv5 = cast<linalg::Conv2DNgchwGfchwOp>(conv.getOperation());
    for (int64_t image = 0; image < outType.getDimSize(0); ++image) {
      auto imageOf = [&](Value v) {
        auto type = cast<RankedTensorType>(v.getType());
        SmallVector<int64_t> offsets(type.getRank(), 0), sizes(type.getShape());
        offsets[0] = image;
        sizes[0] = 1;
        return slice(rewriter, loc, v, offsets, sizes,
                     SmallVector<int64_t>(type.getRank(), 1), sizes);
      };
      Value one = imageOf(init);
      Value result = linalg::Conv2DNgchwGfchwOp::create(
                         rewriter, loc, TypeRange{one.getType()},
                         ValueRange{imageOf(x), w}, ValueRange{one},
                         conv5.getStrides(), conv5.getDilations())
                         .getResult(0);
      SmallVector<int64_t> offsets(5, 0), sizes(outType.getShape());
      offsets[0] = image;
      sizes[0] = 1;
      out = tensor::InsertSliceOp::create(
          rewriter, loc, result, out, ValueRange{}, ValueRange{}, ValueRange{},
          rewriter.getDenseI64ArrayAttr(offsets),
          rewriter.getDenseI64ArrayAttr(sizes),
          rewriter.getDenseI64ArrayAttr(SmallVector<int64_t>(5, 1)));
    }
    rewriter.replaceOp(conv, out);
    return success();
  }
  if (grouped) {
    // [1, G, C', H, W] -> [G, C', H, W]; [G, F', C', KH, KW] -> [G F', C',
    // KH, KW]; [1, G, F', OH, OW] -> [G, F', OH, OW].
    groups = outType.getDimSize(1);
    SmallVector<ReassociationIndices> first = {{0, 1}, {2}, {3}, {4}};
    x = tensor::CollapseShapeOp::create(rewriter, loc, x, first);
    init = tensor::CollapseShapeOp::create(rewriter, loc, init, first);
    // (The kernel is usually an expansion of a [G F', ...] constant.)
    auto expanded = w.getDefiningOp<tensor::ExpandShapeOp>();
    w = expanded && expanded.getReassociationIndices() == first
            ? expanded.getSrc()
            : tensor::CollapseShapeOp::create(rewriter, loc, w, first)
                  .getResult();
    outType = cast<RankedTensorType>(init.getType());
  }
  ArrayRef<int64_t> os = outType.getShape();
  ArrayRef<int64_t> ws = cast<RankedTensorType>(w.getType()).getShape();
  int64_t n = os[0], f = os[1], oh = os[2], ow = os[3];
  bool dense = kind != ConvKind::Depthwise;
  int64_t c = dense ? ws[1] : f, kh = ws[dense ? 2 : 1], kw = ws[dense ? 3 : 2];
  // Dense dims (n, c, f, oh, ow); depthwise dims (n, c, oh, ow). The
  // output's W comes last so that it is the vectors' lane dimension.
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap xMap, wMap, outMap;
  if (dense) {
    xMap = AffineMap::get(5, 0, {d(0), d(1), d(3), d(4)}, ctx);
    wMap = grouped ? AffineMap::get(5, 0, {d(0), d(1), d(2)}, ctx)
                   : AffineMap::get(5, 0, {d(1), d(2)}, ctx);
    outMap = AffineMap::get(5, 0, {d(0), d(2), d(3), d(4)}, ctx);
  } else {
    xMap = AffineMap::getMultiDimIdentityMap(4, ctx);
    wMap = AffineMap::get(4, 0, {d(1)}, ctx);
    outMap = xMap;
  }

  if (dense)
    w = packDenseKernel(rewriter, loc, w, groups);
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  if (dense)
    iters.insert(iters.begin() + 1, utils::IteratorType::reduction);
  // Kernel rows [first, last) as one generic accumulating onto `acc`.
  auto rows = [&](int64_t first, int64_t last, Value acc) {
    SmallVector<Value> operands;
    SmallVector<AffineMap> maps;
    for (int64_t i = first; i < last; ++i) {
      for (int64_t j = 0; j < kw; ++j) {
        operands.push_back(slice(
            rewriter, loc, x, {0, 0, i * dilations[0], j * dilations[1]},
            {n, c, oh, ow}, {1, 1, strides[0], strides[1]}, {n, c, oh, ow}));
        if (grouped)
          operands.push_back(slice(rewriter, loc, w, {0, 0, i, j, 0},
                                   {n, c, 1, 1, f}, {1, 1, 1, 1, 1},
                                   {n, c, f}));
        else if (dense)
          operands.push_back(slice(rewriter, loc, w, {0, i, j, 0}, {c, 1, 1, f},
                                   {1, 1, 1, 1}, {c, f}));
        else
          operands.push_back(
              slice(rewriter, loc, w, {0, i, j}, {c, 1, 1}, {1, 1, 1}, {c}));
        maps.push_back(xMap);
        maps.push_back(wMap);
      }
    }
    maps.push_back(outMap);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, operands, ValueRange{acc}, maps,
        iters, [](OpBuilder &b, Location l, ValueRange args) {
          tapSumBody(b, l, args);
        });
    setConvKind(generic, kind);
    return generic->getResult(0);
  };
  Value result;
  if (dense && maxTaps > 0 && kh * kw > maxTaps) {
    result = init;
    for (int64_t i = 0; i < kh; ++i)
      result = rows(i, i + 1, result);
  } else {
    result = rows(0, kh, init);
  }
  if (grouped)
    result = tensor::ExpandShapeOp::create(
        rewriter, loc, conv->getResult(0).getType(), result,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
  rewriter.replaceOp(conv, result);
  return success();
}

SmallVector<int64_t> attrValues(DenseIntElementsAttr attr) {
  return llvm::to_vector(llvm::map_range(
      attr.getValues<APInt>(), [](const APInt &v) { return v.getSExtValue(); }));
}

template <typename ConvOp, ConvKind kind>
struct TapSum : OpRewritePattern<ConvOp> {
  TapSum(MLIRContext *ctx, int64_t maxTaps)
      : OpRewritePattern<ConvOp>(ctx), maxTaps(maxTaps) {}
  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteAsTapSum(rewriter, op, kind, attrValues(op.getStrides()),
                           attrValues(op.getDilations()), maxTaps);
  }
  int64_t maxTaps;
};

template <typename PoolOp, typename CombineOp>
struct TapWindow : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(PoolOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteAsTapWindow<CombineOp>(rewriter, op,
                                         attrValues(op.getStrides()),
                                         attrValues(op.getDilations()));
  }
};

struct ImplicitGemmPass
    : convc::impl::ImplicitGemmPassBase<ImplicitGemmPass> {
  using ImplicitGemmPassBase::ImplicitGemmPassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<TapSum<linalg::Conv2DNchwFchwOp, ConvKind::Dense>,
                 TapSum<linalg::Conv2DNgchwGfchwOp, ConvKind::Grouped>,
                 TapSum<linalg::DepthwiseConv2DNchwChwOp, ConvKind::Depthwise>>(
        &getContext(), maxTapsPerOp);
    patterns.add<TapWindow<linalg::PoolingNchwMaxOp, arith::MaximumFOp>,
                 TapWindow<linalg::PoolingNchwSumOp, arith::AddFOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
