//===- TileAndVectorize.cpp - cache and register tiles, then vectors ------===//
//
// The schedule of the tap-sum convolutions (convc-implicit-gemm). On a CPU:
//
//   scf.forall  over cache blocks of (n, ch, oh, ow)      [ConvTiles::block]
//     scf.for   over register tiles of (n, ch, oh, ow)    [ConvTiles::reg]
//       scf.for over the input channels c (dense only), one at a time
//         the tile of the convolution as vector FMAs
//       the epilogue on the same register tile
//
// On a GPU the same nest with the two outer levels mapped to the machine:
// an scf.forall over thread blocks (#gpu.block) and, inside, one over the
// block's threads (#gpu.thread), each thread computing a register tile;
// `convc-gpu-map-foralls` turns them into kernels after bufferization. A
// dense convolution's block is an implicit GEMM with shared-memory tiles:
//
//   scf.forall  over thread blocks                  #gpu.block
//     scf.forall over threads: the bias             #gpu.thread
//     scf.for   over chunks of input channels
//       scf.forall: copy the taps' input window to shared memory
//       scf.forall: copy the chunk's weights to shared memory
//       scf.forall: each thread's register tile from them
//     scf.forall: the epilogue, in place
//
// (a barrier follows each thread loop on the GPU).
//
// The micro-kernel keeps in the vector lanes either a row of output pixels
// (the weights are broadcast) or, when the cost model says so, a block of
// output channels (the loops are interchanged so that the channels come
// last; each input pixel is broadcast and the tile is transposed once, on
// its way out). Each tap is one FMA into the accumulators, which stay in
// registers across the reduction loop.
//
// A grouped convolution's tap-sum runs over a batch of the groups of one
// image, each with its own weights: a cache block is one group's, and
// there the convolution becomes a dense one (ungroupBlock).
//
// The epilogue is the convolution's bias (the broadcast it accumulates
// onto) and the chain of element-wise ops that consume only its result
// (activations, a residual add): they are fused into both tile levels, so
// the output is written once, after the activation. Tile sizes come from
// the cost model in ConvSchedule.cpp.
//
// A depthwise convolution whose only consumer is a pointwise one (a
// depthwise-separable pair) is fused into the pointwise cache blocks: each
// block computes the band of depthwise output it reads, which stays in
// cache, then consumes it; each part keeps its own micro-kernel (on a CPU
// the pointwise one over the band's pixels flattened). The depthwise part
// reads its padded input itself, the padding folded into its vector reads
// (RowReads.h); an inverted residual's expansion too large for cache is
// computed band by band, padded, by the block. Linear layers get a
// register tile of vectors of partial sums (scheduleLinear). Rows that a
// stride takes every s-th element of are read whole and shuffled; a
// depthwise convolution or pooling window of a padded tensor reads its
// source, the padding folded into the vector reads (RowReads.h). On a CPU
// a 1x1 convolution (with its bias and epilogue) runs over its pixels
// flattened into one row, so that rows are whole vectors, and an
// elementwise op that no convolution took as its epilogue gets blocks of
// whole planes and rows of vectors of its own (scheduleElementwise); a
// global pooling window, one vector reduction per plane flattened
// (scheduleGlobalPool).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ConvSchedule.h"
#include "compiler/Transforms/LoopValues.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RowReads.h"
#include "dialect/ConstantData.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace convc {
#define GEN_PASS_DEF_TILEANDVECTORIZEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;
using namespace convc;

namespace {

/// Bands of a block loop whose rows are enumerated, at most; versions of
/// a band's copy (one per band that reaches into the padding), at most.
constexpr int64_t kMaxBands = 4096;
constexpr int64_t kMaxBandVersions = 4;

/// An element-wise generic over the same 4-D space as `producer`'s result
/// that reads it through an identity map.
bool isEpilogueOf(linalg::GenericOp op, Value producer) {
  if (op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      op->getResult(0).getType() != producer.getType())
    return false;
  for (OpOperand &operand : op->getOpOperands())
    if ((operand.get() == producer || op.isDpsInit(&operand)) &&
        !op.getMatchingIndexingMap(&operand).isIdentity())
      return false;
  return true;
}

/// The tap-sum generic `conv` accumulates onto, if it is one of a chain
/// (a large kernel split into one generic per kernel row).
linalg::GenericOp previousInChain(linalg::GenericOp conv) {
  auto prev = conv.getDpsInits()[0].getDefiningOp<linalg::GenericOp>();
  if (!prev || getConvKind(prev) != getConvKind(conv) || !prev->hasOneUse())
    return {};
  return prev;
}

/// Whether another tap-sum generic of a chain accumulates onto `conv`.
bool continuesInChain(linalg::GenericOp conv) {
  if (!conv->hasOneUse())
    return false;
  auto next = dyn_cast<linalg::GenericOp>(*conv->user_begin());
  return next && previousInChain(next) == conv;
}

/// The shape the cost model sees (of the whole chain that ends in `conv`).
ConvShape convShape(linalg::GenericOp conv, ConvKind kind) {
  // A grouped convolution is a dense one over a batch of groups.
  if (kind == ConvKind::Grouped)
    kind = ConvKind::Dense;
  SmallVector<int64_t> r = conv.getStaticLoopRanges();
  // Dense (n, c, f, oh, ow) or depthwise (n, c, oh, ow).
  ConvShape s = kind == ConvKind::Dense
                    ? ConvShape{kind, r[0], r[2], r[3], r[4], r[1], 0, 0, r[4]}
                    : ConvShape{kind, r[0], r[1], r[2], r[3], 1, 0, 0, r[3]};
  llvm::SmallDenseSet<int64_t> rowOffsets;
  for (linalg::GenericOp op = conv; op; op = previousInChain(op)) {
    s.taps += kind == ConvKind::Pool ? op.getNumDpsInputs()
                                     : op.getNumDpsInputs() / 2;
    for (Value in : op.getDpsInputs()) {
      // The input's views are 4-D; the kernel's slices have lower rank.
      auto view = in.getDefiningOp<tensor::ExtractSliceOp>();
      if (!view || view.getType().getRank() != 4)
        continue;
      rowOffsets.insert(view.getStaticOffsets()[2]);
      s.inputHeight = view.getSourceType().getDimSize(2);
      s.inputWidth = view.getSourceType().getDimSize(3);
      s.strideW = view.getStaticStrides()[3];
      s.strideH = view.getStaticStrides()[2];
    }
  }
  s.kernelRows = std::max<int64_t>(1, rowOffsets.size());
  return s;
}

SmallVector<OpFoldResult> foldResults(OpBuilder &b, ArrayRef<int64_t> v) {
  return llvm::to_vector(llvm::map_range(
      v, [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); }));
}

/// Tile sizes over (n, ch, oh, ow) as sizes over `root`'s loops: a dense
/// or grouped convolution has its reduction loop second.
SmallVector<int64_t> loopTileSizes(Operation *root, ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> loops(sizes);
  std::optional<ConvKind> kind = getConvKind(root);
  if (kind == ConvKind::Dense || kind == ConvKind::Grouped)
    loops.insert(loops.begin() + 1, 0);
  return loops;
}

/// Where the schedule runs: a CPU's cache blocks and register loops, or a
/// GPU's thread blocks and threads.
struct Machine {
  CpuDesc cpu;
  std::optional<GpuDesc> gpu;

  ConvTiles tiles(const ConvShape &shape) const {
    return gpu ? chooseGpuConvTiles(shape, *gpu) : chooseConvTiles(shape, cpu);
  }
};

/// The loops of a tile level: cache blocks (an scf.forall; on a GPU, thread
/// blocks), register tiles (scf.for; on a GPU, an scf.forall over threads)
/// or a sequential loop.
enum class Level { Block, Register, Sequential };

/// Tiles `root` and fuses into the tile the producers in `fusable`; returns
/// the tiled ops (the tiled root first) or failure. A GPU's loops carry
/// their mapping: linear ids, the innermost loop fastest. `interchange`
/// (over `root`'s loops, if given) orders the tile loops.
FailureOr<SmallVector<Operation *>>
tileAndFuse(RewriterBase &rewriter, Operation *root,
            const llvm::SmallPtrSetImpl<Operation *> &fusable,
            ArrayRef<int64_t> sizes, Level level, const Machine &machine,
            ArrayRef<int64_t> interchange = {}) {
  SmallVector<int64_t> loopSizes = loopTileSizes(root, sizes);
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(foldResults(rewriter, loopSizes));
  tiling.setInterchange(interchange);
  bool forall = level == Level::Block ||
                (level == Level::Register && machine.gpu.has_value());
  tiling.setLoopType(forall ? scf::SCFTilingOptions::LoopType::ForallOp
                            : scf::SCFTilingOptions::LoopType::ForOp);
  if (forall && machine.gpu) {
    MLIRContext *ctx = rewriter.getContext();
    int64_t loops = llvm::count_if(loopSizes, [](int64_t t) { return t; });
    SmallVector<Attribute> mapping;
    for (int64_t i = 0; i < loops; ++i) {
      auto id = static_cast<gpu::MappingId>(
          static_cast<uint64_t>(gpu::MappingId::LinearDim0) + loops - 1 - i);
      mapping.push_back(level == Level::Block
                            ? Attribute(gpu::GPUBlockMappingAttr::get(ctx, id))
                            : gpu::GPUThreadMappingAttr::get(ctx, id));
    }
    tiling.setMapping(mapping);
  }
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer,
          bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (fusable.contains(producer.getOwner()))
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        return std::nullopt;
      });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(root), options);
  if (failed(result))
    return failure();
  for (OpResult r : root->getResults())
    rewriter.replaceAllUsesWith(r, result->replacements.lookup(r));
  return SmallVector<Operation *>(result->tiledAndFusedOps.begin(),
                                  result->tiledAndFusedOps.end());
}

/// transpose(broadcast(x)) -> broadcast(shape_cast(x)) when the transpose
/// keeps the dims x provides in their order. This is how the vectorizer
/// broadcasts a column (a weight per output channel) across the lanes; as
/// a transpose it would be lowered element by element, as a broadcast it
/// is one splat per row.
struct BroadcastThenTranspose : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto bcast = op.getVector().getDefiningOp<vector::BroadcastOp>();
    VectorType type = op.getResultVectorType();
    if (!bcast || type.isScalable())
      return failure();
    auto srcType = dyn_cast<VectorType>(bcast.getSourceType());
    if (!srcType) {
      rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, type,
                                                       bcast.getSource());
      return success();
    }
    VectorType mid = bcast.getResultVectorType();
    int64_t lead = mid.getRank() - srcType.getRank();
    // The dims of the broadcast's result that carry x's data.
    SmallVector<bool> fromSource(mid.getRank(), false);
    for (int64_t i = 0; i < srcType.getRank(); ++i)
      fromSource[lead + i] = srcType.getDimSize(i) != 1;
    SmallVector<int64_t> shape;
    int64_t last = -1;
    for (int64_t d : op.getPermutation()) {
      if (fromSource[d]) {
        if (d < last)
          return failure();
        last = d;
      }
      shape.push_back(fromSource[d] ? mid.getDimSize(d) : 1);
    }
    Value cast = vector::ShapeCastOp::create(
        rewriter, op.getLoc(), VectorType::get(shape, type.getElementType()),
        bcast.getSource());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, type, cast);
    return success();
  }
};

/// A transpose of a register tile of p pixels x (a multiple of) 16 lanes
/// (a channels-in-lanes tile on its way out to NCHW) -> per 16 lanes, a
/// transpose of a 16x16 square whose first p rows are the tile's, of which
/// the first p columns are kept. LLVM lowers a 16x16 transpose as 64
/// two-register shuffles (`shuffle_16x16`); any other shape element by
/// element (a 7x32 tile: 585 instructions, a quarter of a 64-channel 1x1
/// layer's time).
struct TransposeTileAsSquares : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  static constexpr int64_t kSquare = 16;

  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    VectorType srcType = op.getSourceVectorType();
    // A transpose back (the bias a tile starts from) folds away instead.
    if (srcType.isScalable() || !srcType.getElementType().isF32() ||
        llvm::any_of(op->getUsers(), llvm::IsaPred<vector::TransposeOp>))
      return failure();
    // The two dims that are not 1, in the source's order.
    SmallVector<int64_t> dims;
    for (auto [d, size] : llvm::enumerate(srcType.getShape()))
      if (size != 1)
        dims.push_back(d);
    if (dims.size() != 2)
      return failure();
    int64_t pixels = srcType.getDimSize(dims[0]);
    int64_t lanes = srcType.getDimSize(dims[1]);
    ArrayRef<int64_t> perm = op.getPermutation();
    auto at = [&](int64_t d) { return llvm::find(perm, d) - perm.begin(); };
    if (pixels >= kSquare || lanes % kSquare || at(dims[0]) < at(dims[1]))
      return failure();
    Location loc = op.getLoc();
    Type f32 = srcType.getElementType();
    auto squareType = VectorType::get({kSquare, kSquare}, f32);
    Value tile = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({pixels, lanes}, f32), op.getVector());
    Value zeroSquare = arith::ConstantOp::create(
        rewriter, loc, squareType, rewriter.getZeroAttr(squareType));
    auto outType = VectorType::get({lanes, pixels}, f32);
    Value out = arith::ConstantOp::create(rewriter, loc, outType,
                                          rewriter.getZeroAttr(outType));
    for (int64_t g = 0; g < lanes; g += kSquare) {
      Value piece = vector::ExtractStridedSliceOp::create(
          rewriter, loc, tile, ArrayRef<int64_t>{0, g},
          ArrayRef<int64_t>{pixels, kSquare}, ArrayRef<int64_t>{1, 1});
      Value square = vector::InsertStridedSliceOp::create(
          rewriter, loc, piece, zeroSquare, ArrayRef<int64_t>{0, 0},
          ArrayRef<int64_t>{1, 1});
      Value turned = vector::TransposeOp::create(rewriter, loc, square,
                                                 ArrayRef<int64_t>{1, 0});
      Value kept = vector::ExtractStridedSliceOp::create(
          rewriter, loc, turned, ArrayRef<int64_t>{0, 0},
          ArrayRef<int64_t>{kSquare, pixels}, ArrayRef<int64_t>{1, 1});
      out = vector::InsertStridedSliceOp::create(rewriter, loc, kept, out,
                                                 ArrayRef<int64_t>{g, 0},
                                                 ArrayRef<int64_t>{1, 1});
    }
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(
        op, op.getResultVectorType(), out);
    return success();
  }
};

/// acc + (((m1 + m2) + m3) + ... + mk) -> (((acc + m1) + m2) + ... + mk)
/// for the tap sums (adds that allow contraction; the vectorizer puts a
/// shape_cast between the sum and the accumulator): a chain of FMAs into
/// the accumulator that needs no registers for partial sums. (The tap-sum
/// generic adds the output's value last because the vectorizer recognises
/// a reduction only in that form.)
struct AccumulateTapByTap : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp op,
                                PatternRewriter &rewriter) const override {
    Value rhs = op.getRhs();
    auto cast = rhs.getDefiningOp<vector::ShapeCastOp>();
    if (cast) {
      if (!cast->hasOneUse())
        return failure();
      rhs = cast.getSource();
    }
    auto isSumNode = [](Value v) -> arith::AddFOp {
      auto add = v.getDefiningOp<arith::AddFOp>();
      if (!add || !add->hasOneUse() ||
          !bitEnumContainsAll(add.getFastmath(),
                              arith::FastMathFlags::contract))
        return nullptr;
      return add;
    };
    arith::AddFOp sum = isSumNode(rhs);
    if (!sum) {
      // A single tap: acc + m1 contracts like the products it sums.
      auto product = rhs.getDefiningOp<arith::MulFOp>();
      if (!product ||
          !bitEnumContainsAll(product.getFastmath(),
                              arith::FastMathFlags::contract) ||
          bitEnumContainsAll(op.getFastmath(), arith::FastMathFlags::contract))
        return failure();
      rewriter.modifyOpInPlace(
          op, [&] { op.setFastmathAttr(product.getFastmathAttr()); });
      return success();
    }
    arith::FastMathFlagsAttr flags = sum.getFastmathAttr();
    // The terms m1 ... mk, last first.
    SmallVector<Value> terms;
    for (arith::AddFOp node = sum; node; node = isSumNode(node.getLhs())) {
      terms.push_back(node.getRhs());
      if (!isSumNode(node.getLhs()))
        terms.push_back(node.getLhs());
    }
    Location loc = op.getLoc();
    Value acc = op.getLhs();
    for (Value term : llvm::reverse(terms)) {
      if (cast)
        term = vector::ShapeCastOp::create(rewriter, loc, op.getType(), term);
      acc = arith::AddFOp::create(rewriter, loc, acc, term, flags);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// Adds `op` and its epilogue to `fusable`: the generics of its chain, the
/// accumulator's initial value (a bias broadcast or fill) and the chain of
/// element-wise consumers.
/// Returns the last op of the chain, the root of tiling.
Operation *withEpilogue(linalg::GenericOp op,
                        llvm::SmallPtrSetImpl<Operation *> &fusable) {
  fusable.insert(op);
  linalg::GenericOp first = op;
  for (linalg::GenericOp prev = previousInChain(op); prev;
       prev = previousInChain(prev)) {
    fusable.insert(prev);
    first = prev;
  }
  if (Operation *init = first.getDpsInits()[0].getDefiningOp())
    if (isa<linalg::BroadcastOp, linalg::FillOp>(init))
      fusable.insert(init);
  Operation *root = op;
  while (root->hasOneUse()) {
    auto user = dyn_cast<linalg::GenericOp>(*root->user_begin());
    if (!user || !isEpilogueOf(user, root->getResult(0)))
      break;
    fusable.insert(user);
    root = user;
  }
  return root;
}

/// Reorders the loops of a register tile's ops so that the output channels
/// come last and become the vectors' lanes: dense (n, c, f, oh, ow) ->
/// (n, c, oh, ow, f), the epilogue (n, f, oh, ow) -> (n, oh, ow, f). Named
/// ops of the epilogue (the bias broadcast or fill) become generics first.
LogicalResult putChannelsInLanes(RewriterBase &rewriter,
                                 SmallVector<Operation *> &ops) {
  for (Operation *&op : ops) {
    rewriter.setInsertionPoint(op);
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic) {
      auto named = dyn_cast<linalg::LinalgOp>(op);
      if (!named)
        return failure();
      FailureOr<linalg::GenericOp> g =
          linalg::generalizeNamedOp(rewriter, named);
      if (failed(g))
        return failure();
      generic = *g;
    }
    SmallVector<unsigned> order =
        getConvKind(generic) ? SmallVector<unsigned>{0, 1, 3, 4, 2}
                             : SmallVector<unsigned>{0, 2, 3, 1};
    if (generic.getNumLoops() != order.size())
      return failure();
    FailureOr<linalg::GenericOp> swapped =
        linalg::interchangeGenericOp(rewriter, generic, order);
    if (failed(swapped))
      return failure();
    op = *swapped;
  }
  return success();
}

/// A 1x1 stride-1 convolution, its bias and its epilogue over (h, w)
/// rewritten over (1, h * w): the micro-kernel's rows of pixels are then
/// whole vectors (a 56-pixel row fills 87.5 % of 16 lanes) and as long as
/// the registers allow. Each op keeps its indexing maps; its 4-D operands
/// are reshaped. Not when the result is padded for the next layer. Returns
/// the flattened convolution, or `conv` unchanged; `flatOps` (if given)
/// receives the flattened ops in program order.
linalg::GenericOp
flattenPointwise(RewriterBase &rewriter, linalg::GenericOp conv,
                 SmallVectorImpl<Operation *> *flatOps = nullptr) {
  if (getConvKind(conv) != ConvKind::Dense || conv.getNumDpsInputs() != 2 ||
      previousInChain(conv))
    return conv;
  Value x = conv.getDpsInputs()[0];
  auto xType = cast<RankedTensorType>(x.getType());
  auto outType = cast<RankedTensorType>(conv->getResult(0).getType());
  // The one tap reads the whole input, pixel for pixel.
  if (auto view = x.getDefiningOp<tensor::ExtractSliceOp>())
    if (!llvm::all_of(view.getStaticStrides(),
                      [](int64_t s) { return s == 1; }))
      return conv;
  if (xType.getDimSize(2) != outType.getDimSize(2) ||
      xType.getDimSize(3) != outType.getDimSize(3) ||
      outType.getDimSize(2) == 1 || !outType.hasStaticShape())
    return conv;
  llvm::SmallPtrSet<Operation *, 8> chain;
  Operation *root = withEpilogue(conv, chain);
  // A padded consumer (the next convolution) has the convolution write into
  // the interior of its padded buffer (convc-pad-in-place); a reshaped
  // result would be copied there instead.
  if (llvm::any_of(root->getUsers(),
                   [](Operation *user) { return isa<tensor::PadOp>(user); }))
    return conv;
  // In program order: the bias, the convolution, the epilogue.
  SmallVector<Operation *> ops(chain.begin(), chain.end());
  if (llvm::any_of(ops, [&](Operation *op) {
        return op->getBlock() != conv->getBlock();
      }))
    return conv;
  llvm::sort(ops,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });

  Location loc = conv.getLoc();
  SmallVector<ReassociationIndices> pixels = {{0}, {1}, {2, 3}};
  // [a, b, h, w] <-> [a, b, 1, h * w].
  auto reshape = [&](Value v, RankedTensorType to) -> Value {
    Value flat = tensor::CollapseShapeOp::create(rewriter, loc, v, pixels);
    return tensor::ExpandShapeOp::create(rewriter, loc, to, flat, pixels);
  };
  auto flatType = [](RankedTensorType t) {
    ArrayRef<int64_t> s = t.getShape();
    return RankedTensorType::get({s[0], s[1], 1, s[2] * s[3]},
                                 t.getElementType());
  };
  auto isImage = [&](Value v) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    return t && t.getRank() == 4 && t.getDimSize(2) == outType.getDimSize(2) &&
           t.getDimSize(3) == outType.getDimSize(3);
  };
  linalg::GenericOp result;
  for (Operation *op : ops) {
    rewriter.setInsertionPoint(op);
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(
          isImage(v) ? reshape(v, flatType(cast<RankedTensorType>(v.getType())))
                     : v);
    SmallVector<Type> types;
    for (Type t : op->getResultTypes())
      types.push_back(flatType(cast<RankedTensorType>(t)));
    Operation *flat = clone(rewriter, op, types, operands);
    if (op == conv.getOperation())
      result = cast<linalg::GenericOp>(flat);
    if (flatOps)
      flatOps->push_back(flat);
    SmallVector<Value> back;
    for (auto [from, to] : llvm::zip(op->getResults(), flat->getResults()))
      back.push_back(reshape(to, cast<RankedTensorType>(from.getType())));
    rewriter.replaceOp(op, back);
  }
  return result;
}

/// Folds the pairs of reshapes that flattenPointwise leaves between the
/// flattened ops of a chain (and around them) in `scope`.
void foldReshapes(Operation *scope) {
  SmallVector<Operation *> reshapes;
  scope->walk([&](Operation *op) {
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op))
      reshapes.push_back(op);
  });
  MLIRContext *ctx = scope->getContext();
  RewritePatternSet patterns(ctx);
  tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
  tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
  (void)applyOpPatternsGreedily(reshapes, std::move(patterns));
}

/// Tiles a cache block's convolution and epilogue (`blockOps`, the root of
/// tiling first) for registers; returns the ops of the innermost tile, to
/// be vectorized.
FailureOr<SmallVector<Operation *>>
tileRegisters(RewriterBase &rewriter, ArrayRef<Operation *> blockOps,
              const ConvTiles &tiles, ConvKind kind, const Machine &machine) {
  llvm::SmallPtrSet<Operation *, 8> fusable(blockOps.begin(), blockOps.end());
  FailureOr<SmallVector<Operation *>> reg = tileAndFuse(
      rewriter, blockOps.front(), fusable, tiles.reg, Level::Register, machine);
  if (failed(reg))
    return failure();
  SmallVector<Operation *> inner = *reg;
  if (kind != ConvKind::Dense)
    return inner;
  if (tiles.lanes == ConvLanes::Channels &&
      failed(putChannelsInLanes(rewriter, inner)))
    return failure();

  // The reduction over input channels, one channel per step (a loop per
  // generic of a chain): the register tile of accumulators stays live
  // across the loops.
  bool any = false;
  for (Operation *&op : inner) {
    if (!getConvKind(op))
      continue;
    any = true;
    auto tiledConv = cast<TilingInterface>(op);
    scf::SCFTilingOptions reduction;
    reduction.setTileSizes(foldResults(rewriter, {0, 1}));
    reduction.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
    rewriter.setInsertionPoint(tiledConv);
    FailureOr<scf::SCFTilingResult> r =
        scf::tileUsingSCF(rewriter, tiledConv, reduction);
    if (failed(r))
      return failure();
    rewriter.replaceOp(tiledConv, r->replacements);
    op = r->tiledOps.back();
  }
  if (!any)
    return failure();
  return inner;
}

/// The operands of a convolution that are slices of one tensor (the taps'
/// windows of the input, or the taps' weights), as slices of their
/// bounding box: the box's offsets in the tensor and shape, and each
/// slice's offsets within it.
struct TapWindow {
  Value source;
  SmallVector<OpOperand *> operands;
  SmallVector<OpFoldResult> offsets;
  SmallVector<int64_t> shape;
  SmallVector<SmallVector<int64_t>> within;
};

/// The windows of the inputs of `convs` (one generic, or the generics of a
/// chain, first to last), after the slices of slices that tiling left are
/// merged; failure unless every input is a static slice whose distance to
/// the others of its tensor is constant.
FailureOr<SmallVector<TapWindow, 2>>
tapWindows(RewriterBase &rewriter, ArrayRef<linalg::GenericOp> convs) {
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<Operation *> chains;
  for (linalg::GenericOp conv : convs)
    for (Value in : conv.getDpsInputs())
      for (auto s = in.getDefiningOp<tensor::ExtractSliceOp>(); s;
           s = s.getSource().getDefiningOp<tensor::ExtractSliceOp>())
        chains.push_back(s);
  RewritePatternSet patterns(ctx);
  tensor::populateMergeConsecutiveInsertExtractSlicePatterns(patterns);
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  (void)applyOpPatternsGreedily(chains, std::move(patterns), config);

  SmallVector<TapWindow, 2> windows;
  // Symbols, so that composition sees a loop index in both as one value.
  AffineExpr a, b;
  bindSymbols(ctx, a, b);
  AffineMap difference = AffineMap::get(0, 2, a - b);
  linalg::GenericOp front = convs.front();
  Location loc = front.getLoc();
  rewriter.setInsertionPoint(front);
  SmallVector<OpOperand *> inputs;
  for (linalg::GenericOp conv : convs)
    llvm::append_range(inputs, conv.getDpsInputOperands());
  for (OpOperand *in : inputs) {
    auto slice = in->get().getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || ShapedType::isDynamicShape(slice.getStaticSizes()) ||
        ShapedType::isDynamicShape(slice.getStaticStrides()))
      return failure();
    auto *it = llvm::find_if(windows, [&](const TapWindow &w) {
      return w.source == slice.getSource();
    });
    if (it == windows.end()) {
      windows.push_back(
          {slice.getSource(), {}, slice.getMixedOffsets(), {}, {}});
      it = std::prev(windows.end());
    }
    auto first =
        it->operands.empty()
            ? slice
            : it->operands[0]->get().getDefiningOp<tensor::ExtractSliceOp>();
    if (slice.getStaticSizes() != first.getStaticSizes() ||
        slice.getStaticStrides() != first.getStaticStrides() ||
        slice.getType() != first.getType())
      return failure();
    SmallVector<int64_t> delta;
    for (auto [offset, base] :
         llvm::zip(slice.getMixedOffsets(), it->offsets)) {
      std::optional<int64_t> d =
          getConstantIntValue(affine::makeComposedFoldedAffineApply(
              rewriter, loc, difference, {offset, base}));
      if (!d)
        return failure();
      delta.push_back(*d);
    }
    it->operands.push_back(in);
    it->within.push_back(delta);
  }
  // The box: from the smallest offset to the furthest element read.
  for (TapWindow &w : windows) {
    auto first = w.operands[0]->get().getDefiningOp<tensor::ExtractSliceOp>();
    ArrayRef<int64_t> sizes = first.getStaticSizes(),
                      strides = first.getStaticStrides();
    int64_t rank = sizes.size();
    SmallVector<int64_t> lo(rank, INT64_MAX), hi(rank, INT64_MIN);
    for (ArrayRef<int64_t> d : w.within)
      for (int64_t i = 0; i < rank; ++i) {
        lo[i] = std::min(lo[i], d[i]);
        hi[i] = std::max(hi[i], d[i] + (sizes[i] - 1) * strides[i]);
      }
    for (int64_t i = 0; i < rank; ++i) {
      w.shape.push_back(hi[i] - lo[i] + 1);
      w.offsets[i] = affine::makeComposedFoldedAffineApply(
          rewriter, loc, AffineMap::get(0, 1, a + lo[i]), {w.offsets[i]});
      for (SmallVector<int64_t> &d : w.within)
        d[i] -= lo[i];
    }
  }
  return windows;
}

/// Makes `conv`'s operands of window `w` the same slices of `box`, a copy
/// of the window (of its shape, the taps at their offsets within it).
void readTapsFrom(RewriterBase &rewriter, linalg::GenericOp conv,
                  const TapWindow &w, Value box) {
  for (auto [operand, within] : llvm::zip(w.operands, w.within)) {
    auto slice = operand->get().getDefiningOp<tensor::ExtractSliceOp>();
    Value tap = tensor::ExtractSliceOp::create(
        rewriter, conv.getLoc(), slice.getType(), box,
        foldResults(rewriter, within), slice.getMixedSizes(),
        slice.getMixedStrides());
    OpOperand *target = operand;
    rewriter.modifyOpInPlace(conv, [&] { target->set(tap); });
  }
}

/// A tensor in the shared memory of a GPU block (bufferized in the
/// workgroup memory space; convc-gpu-map-foralls makes it the kernel's).
Value sharedBuffer(OpBuilder &b, Location loc, RankedTensorType type) {
  return bufferization::AllocTensorOp::create(
      b, loc, type, ValueRange{}, Value(), Value(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
}

/// Copies each window into a buffer of the block's shared memory and makes
/// its operands slices of the copy; returns the copies.
SmallVector<Operation *> stageWindows(RewriterBase &rewriter,
                                      linalg::GenericOp conv,
                                      ArrayRef<TapWindow> windows) {
  Location loc = conv.getLoc();
  SmallVector<Operation *> copies;
  rewriter.setInsertionPoint(conv);
  for (const TapWindow &w : windows) {
    Type element = getElementTypeOrSelf(w.source.getType());
    SmallVector<OpFoldResult> ones(w.shape.size(), rewriter.getIndexAttr(1));
    Value box =
        tensor::ExtractSliceOp::create(rewriter, loc, w.source, w.offsets,
                                       foldResults(rewriter, w.shape), ones);
    Value buffer =
        sharedBuffer(rewriter, loc, RankedTensorType::get(w.shape, element));
    auto copy = linalg::CopyOp::create(rewriter, loc, box, buffer);
    copies.push_back(copy);
    readTapsFrom(rewriter, conv, w, copy.getResult(0));
  }
  return copies;
}

/// Tile sizes that spread a copy of `shape` over `threads` threads: a whole
/// row each, then more rows each while there are more rows than threads.
SmallVector<int64_t> copyTiles(ArrayRef<int64_t> shape, int64_t threads) {
  int64_t rank = shape.size();
  SmallVector<int64_t> tiles(rank, 1);
  tiles[rank - 1] = shape[rank - 1];
  auto pieces = [&] {
    int64_t n = 1;
    for (int64_t i = 0; i + 1 < rank; ++i)
      n *= shape[i] / tiles[i];
    return n;
  };
  for (int64_t d = rank - 2; d >= 0 && pieces() > threads; --d)
    while (pieces() > threads && tiles[d] < shape[d]) {
      int64_t next = tiles[d] + 1;
      while (shape[d] % next)
        ++next;
      tiles[d] = next;
    }
  return tiles;
}

/// Spreads each copy into shared memory over the block's `threads`;
/// returns the copies' thread tiles.
FailureOr<SmallVector<Operation *>>
distributeCopies(RewriterBase &rewriter, ArrayRef<Operation *> copies,
                 int64_t threads, const Machine &machine) {
  SmallVector<Operation *> tiles;
  for (Operation *copy : copies) {
    ArrayRef<int64_t> shape =
        cast<RankedTensorType>(copy->getResult(0).getType()).getShape();
    llvm::SmallPtrSet<Operation *, 1> alone = {copy};
    FailureOr<SmallVector<Operation *>> tiled =
        tileAndFuse(rewriter, copy, alone, copyTiles(shape, threads),
                    Level::Register, machine);
    if (failed(tiled))
      return failure();
    llvm::append_range(tiles, *tiled);
  }
  return tiles;
}

/// `op` (element-wise) reading `value` through its output instead of an
/// input, so that it overwrites `value` in place: a tile of it then reads
/// the value through the tile loop's output, which bufferizes without a
/// copy.
linalg::GenericOp readThroughOutput(RewriterBase &rewriter,
                                    linalg::GenericOp op, Value value) {
  OpOperand *input = nullptr;
  for (OpOperand *in : op.getDpsInputOperands())
    if (in->get() == value && !input)
      input = in;
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  for (OpOperand *in : op.getDpsInputOperands()) {
    if (in == input)
      continue;
    ins.push_back(in->get());
    maps.push_back(op.getMatchingIndexingMap(in));
  }
  maps.push_back(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
  rewriter.setInsertionPoint(op);
  auto inPlace =
      linalg::GenericOp::create(rewriter, op.getLoc(), op->getResultTypes(),
                                ins, value, maps, op.getIteratorTypesArray());
  rewriter.inlineRegionBefore(op.getRegion(), inPlace.getRegion(),
                              inPlace.getRegion().begin());
  Block &body = inPlace.getRegion().front();
  unsigned index = input->getOperandNumber();
  rewriter.replaceAllUsesWith(body.getArgument(index),
                              body.getArguments().back());
  body.eraseArgument(index);
  rewriter.replaceOp(op, inPlace->getResults());
  return inPlace;
}

/// The GPU schedule of a convolution's block (`blockOps`, the root of
/// tiling first) with shared-memory tiles: the block's threads copy the
/// taps' input window (and weights) into shared memory, then each computes
/// its register tile from them. When the windows of all the block's input
/// channels fit, once, with the epilogue in the threads' tiles; otherwise
/// (dense convolutions) a chunk of input channels at a time, each thread
/// accumulating into the block's output tile, with the bias before the
/// chunks and the epilogue after them running over the threads too.
/// Returns the ops of the threads' tiles, or none if the windows cannot be
/// staged (the block is then left as it is).
FailureOr<SmallVector<Operation *>>
stageBlock(RewriterBase &rewriter, ArrayRef<Operation *> blockOps,
           const ConvTiles &tiles, ConvKind kind, const Machine &machine) {
  auto *convIt = llvm::find_if(
      blockOps, [](Operation *op) { return getConvKind(op).has_value(); });
  if (convIt == blockOps.end())
    return SmallVector<Operation *>{};
  auto conv = cast<linalg::GenericOp>(*convIt);
  FailureOr<SmallVector<TapWindow, 2>> windows = tapWindows(rewriter, conv);
  if (failed(windows))
    return SmallVector<Operation *>{};
  int64_t channels = conv.getStaticLoopRanges()[1], elements = 0;
  for (const TapWindow &w : *windows)
    elements += ShapedType::getNumElements(w.shape);
  int64_t chunk =
      chooseGpuChannelChunk(channels, elements / channels * 4, *machine.gpu);
  if (!chunk || (kind != ConvKind::Dense && chunk != channels))
    return SmallVector<Operation *>{};
  int64_t threads = 1;
  for (auto [block, reg] : llvm::zip(tiles.block, tiles.reg))
    threads *= block / reg;
  if (chunk == channels) {
    FailureOr<SmallVector<Operation *>> inner = distributeCopies(
        rewriter, stageWindows(rewriter, conv, *windows), threads, machine);
    FailureOr<SmallVector<Operation *>> reg =
        tileRegisters(rewriter, blockOps, tiles, kind, machine);
    if (failed(inner) || failed(reg))
      return failure();
    llvm::append_range(*inner, *reg);
    return inner;
  }

  // The bias (or zero) the output starts from, and the epilogue.
  Operation *init = conv.getDpsInits()[0].getDefiningOp();
  if (init && !llvm::is_contained(blockOps, init))
    init = nullptr;
  llvm::SmallPtrSet<Operation *, 8> epilogue;
  for (Operation *op : blockOps)
    if (op != conv && op != init)
      epilogue.insert(op);
  Operation *root = blockOps.front();

  // One buffer for the whole chain: the bias starts in the block's output
  // tile, the chunks accumulate there, and each op of the epilogue (read
  // element by element) overwrites it.
  if (init && !epilogue.empty()) {
    Value out = cast<DestinationStyleOpInterface>(blockOps.front())
                    .getDpsInitOperand(0)
                    ->get();
    // The output tile (a slice of the block loop's output) moves before
    // the bias when its offsets allow.
    Operation *def = out.getDefiningOp();
    auto availableAtInit = [&](Value v) {
      Operation *d = v.getDefiningOp();
      return !d || d->getBlock() != init->getBlock() ||
             d->isBeforeInBlock(init);
    };
    if (def && def->getBlock() == init->getBlock() &&
        !def->isBeforeInBlock(init) &&
        llvm::all_of(def->getOperands(), availableAtInit))
      rewriter.moveOpBefore(def, init);
    if (def && def->getBlock() == init->getBlock() &&
        def->isBeforeInBlock(init)) {
      rewriter.modifyOpInPlace(init, [&] {
        cast<DestinationStyleOpInterface>(init).getDpsInitOperand(0)->set(out);
      });
      Value chain = conv->getResult(0);
      while (true) {
        auto it = llvm::find_if(chain.getUsers(), [&](Operation *user) {
          return epilogue.contains(user);
        });
        if (it == chain.getUsers().end())
          break;
        Operation *next = *it;
        linalg::GenericOp inPlace =
            readThroughOutput(rewriter, cast<linalg::GenericOp>(next), chain);
        epilogue.erase(next);
        epilogue.insert(inPlace);
        if (next == blockOps.front())
          root = inPlace;
        chain = inPlace->getResult(0);
      }
    }
  }

  // The chunks.
  scf::SCFTilingOptions reduction;
  reduction.setTileSizes(foldResults(rewriter, {0, chunk}));
  reduction.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  rewriter.setInsertionPoint(conv);
  FailureOr<scf::SCFTilingResult> chunks = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(conv.getOperation()), reduction);
  if (failed(chunks))
    return failure();
  rewriter.replaceOp(conv, chunks->replacements);
  auto chunkConv = cast<linalg::GenericOp>(chunks->tiledOps.back());
  FailureOr<SmallVector<TapWindow, 2>> chunkWindows =
      tapWindows(rewriter, chunkConv);
  if (failed(chunkWindows))
    return failure();

  FailureOr<SmallVector<Operation *>> copies = distributeCopies(
      rewriter, stageWindows(rewriter, chunkConv, *chunkWindows), threads,
      machine);
  if (failed(copies))
    return failure();
  SmallVector<Operation *> inner = *copies;
  FailureOr<SmallVector<Operation *>> convTile =
      tileRegisters(rewriter, {chunkConv}, tiles, ConvKind::Dense, machine);
  if (failed(convTile))
    return failure();
  llvm::append_range(inner, *convTile);
  if (init) {
    llvm::SmallPtrSet<Operation *, 1> alone = {init};
    FailureOr<SmallVector<Operation *>> initTile =
        tileAndFuse(rewriter, init, alone, tiles.reg, Level::Register, machine);
    if (failed(initTile))
      return failure();
    llvm::append_range(inner, *initTile);
  }
  if (!epilogue.empty()) {
    FailureOr<SmallVector<Operation *>> epilogueTile = tileAndFuse(
        rewriter, root, epilogue, tiles.reg, Level::Register, machine);
    if (failed(epilogueTile))
      return failure();
    llvm::append_range(inner, *epilogueTile);
  }
  return inner;
}

/// The pad `v` is, if it pads a model input (a block argument).
tensor::PadOp padOfModelInput(Value v) {
  auto pad = v.getDefiningOp<tensor::PadOp>();
  return pad && isa<BlockArgument>(pad.getSource()) ? pad : tensor::PadOp();
}

/// Computes `slice` of a tensor that the ops of `producer` compute, with
/// those ops' tiles (each op's slice of the tensors it reads from the
/// others fused in turn); returns the tiled ops, the one that computes
/// `slice` first, or failure (the IR may then be partly fused, but valid).
FailureOr<SmallVector<Operation *>>
fuseProducers(RewriterBase &rewriter, tensor::ExtractSliceOp slice,
              const llvm::SmallPtrSetImpl<Operation *> &producer) {
  OpBuilder::InsertionGuard guard(rewriter);
  SmallVector<Operation *> tiled;
  SmallVector<tensor::ExtractSliceOp> worklist = {slice};
  while (!worklist.empty()) {
    tensor::ExtractSliceOp next = worklist.pop_back_val();
    auto result = dyn_cast<OpResult>(next.getSource());
    if (!result || !producer.contains(result.getOwner()))
      continue;
    rewriter.setInsertionPoint(next);
    FailureOr<TilingResult> t =
        tensor::replaceExtractSliceWithTiledProducer(rewriter, next, result);
    if (failed(t) || t->tiledValues.size() != 1 ||
        t->tiledValues[0].getType() != next.getType())
      return failure();
    rewriter.replaceOp(next, t->tiledValues[0]);
    llvm::append_range(tiled, t->tiledOps);
    for (Operation *generated : t->generatedSlices)
      if (auto s = dyn_cast<tensor::ExtractSliceOp>(generated))
        worklist.push_back(s);
  }
  return tiled;
}

/// Whether `w` reads whole rows (from column 0) of one image of `pad`, a
/// static constant padding of the rows and columns alone: what
/// readTapsFromBand copies.
bool readsPaddedRows(const TapWindow &w, tensor::PadOp pad) {
  if (w.source != pad.getResult() || pad.getResultType().getRank() != 4 ||
      !pad.getConstantPaddingValue() ||
      ShapedType::isDynamicShape(pad.getStaticLow()) ||
      ShapedType::isDynamicShape(pad.getStaticHigh()) ||
      pad.getStaticLow()[0] || pad.getStaticLow()[1] ||
      pad.getStaticHigh()[0] || pad.getStaticHigh()[1])
    return false;
  ArrayRef<int64_t> padded = pad.getResultType().getShape();
  return isConstantIntValue(w.offsets[3], 0) && w.shape[0] == 1 &&
         w.shape[2] <= padded[2] && w.shape[3] <= padded[3];
}

/// Reads the taps of a window over a padded tensor from a padded copy of
/// the band of rows it reads, which the block makes: a copy of rows that
/// stays in cache, where the padded tensor would go through memory. The
/// window is whole rows, from a row that depends on the block: a band that
/// reaches into the padding rows gets a copy of its own, in an scf.if on
/// the window's first row, so that every copy has static padding. The
/// window may span several channels (a separable block's band, a dense
/// convolution's) and the generics of a chain (`conv` the first). With
/// `producer` (the ops that compute the padded tensor's source: an inverted
/// residual's expansion), each version computes its band's rows of the
/// source itself, and `fusedBands` receives the fused ops of each version
/// (root first); the source never goes to memory. False (nothing changed)
/// for a degenerate window or one whose rows cannot be enumerated.
bool readTapsFromBand(
    RewriterBase &rewriter, linalg::GenericOp conv, const TapWindow &w,
    tensor::PadOp pad,
    const llvm::SmallPtrSetImpl<Operation *> *producer = nullptr,
    SmallVectorImpl<SmallVector<Operation *>> *fusedBands = nullptr) {
  int64_t padL = pad.getStaticLow()[3], padT = pad.getStaticLow()[2];
  auto sourceType = cast<RankedTensorType>(pad.getSource().getType());
  int64_t width = sourceType.getDimSize(3), height = sourceType.getDimSize(2);
  int64_t channels = w.shape[1], rows = w.shape[2], bandWidth = w.shape[3];
  // Band column q is padded column q: the source's columns are [padL, end).
  int64_t end = std::min(bandWidth, width + padL);
  if (end <= padL)
    return false;
  // The window's first rows (padded rows) over the blocks; those whose
  // band reaches into the padding rows, each with its rows of padding.
  std::optional<SmallVector<int64_t>> starts =
      indexValues(w.offsets[2], kMaxBands);
  if (!starts)
    return false;
  auto rowPadding = [&](int64_t r) {
    return std::make_pair(std::max<int64_t>(0, padT - r),
                          std::max<int64_t>(0, r + rows - padT - height));
  };
  SmallVector<int64_t> borders;
  bool interior = false;
  for (int64_t r : *starts) {
    auto [top, bottom] = rowPadding(r);
    if (top + bottom >= rows)
      return false;
    if (top || bottom)
      borders.push_back(r);
    else
      interior = true;
  }
  if ((int64_t)borders.size() > kMaxBandVersions)
    return false;
  Location loc = pad.getLoc();
  // The band is copied into one buffer of the block, whichever version
  // copies it (a version's own buffer would leave bufferization a buffer
  // of unknown layout to read).
  rewriter.setInsertionPoint(conv);
  Value buffer = bufferization::AllocTensorOp::create(
      rewriter, loc,
      RankedTensorType::get({1, channels, rows, bandWidth},
                            sourceType.getElementType()),
      ValueRange{});
  // The band whose first source row is `sourceRow`, with `top` and
  // `bottom` rows of padding.
  auto copyBand = [&](OpFoldResult sourceRow, int64_t top, int64_t bottom) {
    // The band's rows of the source, computed here if it has a producer.
    Value band = tensor::ExtractSliceOp::create(
        rewriter, loc, pad.getSource(),
        {w.offsets[0], w.offsets[1], sourceRow, rewriter.getIndexAttr(0)},
        foldResults(rewriter, {1, channels, rows - top - bottom, width}),
        foldResults(rewriter, {1, 1, 1, 1}));
    if (producer) {
      FailureOr<SmallVector<Operation *>> fused = fuseProducers(
          rewriter, band.getDefiningOp<tensor::ExtractSliceOp>(), *producer);
      // If fusion fails, the band reads the source (still computed whole).
      if (succeeded(fused) && !fused->empty()) {
        band = fused->front()->getResult(0);
        fusedBands->push_back(std::move(*fused));
      }
    }
    if (end - padL < width)
      band = tensor::ExtractSliceOp::create(
          rewriter, loc, band, foldResults(rewriter, {0, 0, 0, 0}),
          foldResults(rewriter, {1, channels, rows - top - bottom, end - padL}),
          foldResults(rewriter, {1, 1, 1, 1}));
    if (top || bottom || padL || end < bandWidth) {
      SmallVector<OpFoldResult> low = pad.getMixedLowPad(),
                                high = pad.getMixedHighPad();
      low[2] = rewriter.getIndexAttr(top);
      high[2] = rewriter.getIndexAttr(bottom);
      high[3] = rewriter.getIndexAttr(bandWidth - end);
      band = tensor::PadOp::create(rewriter, loc, buffer.getType(), band, low,
                                   high, pad.getConstantPaddingValue(),
                                   /*nofold=*/true);
    }
    return bufferization::MaterializeInDestinationOp::create(rewriter, loc,
                                                             band, buffer)
        .getResult();
  };
  auto borderBand = [&](int64_t r) {
    auto [top, bottom] = rowPadding(r);
    return copyBand(rewriter.getIndexAttr(r + top - padT), top, bottom);
  };
  auto interiorBand = [&] {
    AffineExpr r;
    bindSymbols(rewriter.getContext(), r);
    return copyBand(
        affine::makeComposedFoldedAffineApply(
            rewriter, loc, AffineMap::get(0, 1, r - padT), {w.offsets[2]}),
        0, 0);
  };
  // if (row == border 0) ... else if (row == border 1) ... else interior.
  std::function<Value(size_t)> chain = [&](size_t i) -> Value {
    if (i == borders.size())
      return interiorBand();
    if (i + 1 == borders.size() && !interior)
      return borderBand(borders[i]);
    Value row = getValueOrCreateConstantIndexOp(rewriter, loc, w.offsets[2]);
    Value cond = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, row,
        arith::ConstantIndexOp::create(rewriter, loc, borders[i]));
    auto branch = scf::IfOp::create(rewriter, loc, buffer.getType(), cond,
                                    /*addThenBlock=*/true,
                                    /*addElseBlock=*/true);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(branch.thenBlock());
    scf::YieldOp::create(rewriter, loc, borderBand(borders[i]));
    rewriter.setInsertionPointToStart(branch.elseBlock());
    scf::YieldOp::create(rewriter, loc, chain(i + 1));
    return branch.getResult(0);
  };
  Value band = chain(0);
  for (auto [operand, within] : llvm::zip(w.operands, w.within)) {
    auto slice = operand->get().getDefiningOp<tensor::ExtractSliceOp>();
    Value tap = tensor::ExtractSliceOp::create(
        rewriter, conv.getLoc(), slice.getType(), band,
        foldResults(rewriter, within), slice.getMixedSizes(),
        slice.getMixedStrides());
    OpOperand *target = operand;
    rewriter.modifyOpInPlace(target->getOwner(), [&] { target->set(tap); });
  }
  return true;
}

/// A CPU block of a depthwise convolution or pooling window covers whole
/// channel planes. Its taps read the tensor a padded input pads (a model
/// input or a computed tensor, at any stride), the padding folded into
/// their vector reads (see RowReads.h): the padded tensor would go through
/// memory, and even a copy of each block's own planes, in cache, costs more
/// (M1, 144 planes of 56 x 56 at unit stride: 0.090 ms padding each plane,
/// 0.082 reading in place; at stride 2, M2: 0.11 ms copying the band's
/// rows as column phases, 0.073 in place; a pad of a computed tensor alone:
/// 0.013 ms, and the window 0.081 -> 0.069).
void readPaddingInPlace(RewriterBase &rewriter,
                        ArrayRef<Operation *> blockOps) {
  auto *convIt = llvm::find_if(
      blockOps, [](Operation *op) { return getConvKind(op).has_value(); });
  if (convIt == blockOps.end())
    return;
  auto conv = cast<linalg::GenericOp>(*convIt);
  FailureOr<SmallVector<TapWindow, 2>> windows = tapWindows(rewriter, conv);
  if (failed(windows))
    return;
  for (const TapWindow &w : *windows) {
    // One channel's plane per block.
    auto pad = w.source.getDefiningOp<tensor::PadOp>();
    if (pad && readsPaddedRows(w, pad) && w.shape[1] == 1)
      markPaddingInReads(pad);
  }
}

/// A CPU block of a dense convolution that computes all its output channels
/// over a band of rows (or one image of a batch) of a padded model input
/// pads its own band, as one copy whose rows the taps read strided (see
/// readTapsFromBand), rather than reading a padded copy of the whole
/// input: that copy's forall shares the input among the threads otherwise
/// than the blocks do, so that at 2 threads half of what a block read was
/// written by the other core (ResNet-18's 7x7 first layer: 0.04 ms of
/// padding and a 15 % slower convolution, against 0.016 ms at one thread).
/// Blocks over output channels read the whole input each, and a copy that
/// other convolutions read too (a transposed convolution's phases) is
/// made once: those keep the shared copy (of which convc-copy-per-thread
/// gives each thread its own where every block reads it whole).
void padBandInBlock(RewriterBase &rewriter, ArrayRef<Operation *> blockOps) {
  SmallVector<linalg::GenericOp> chain;
  for (Operation *op : blockOps)
    if (getConvKind(op) == ConvKind::Dense)
      chain.push_back(cast<linalg::GenericOp>(op));
  if (chain.empty())
    return;
  // The block's ops are in program order, the chain's first generic first.
  llvm::sort(chain, [](linalg::GenericOp a, linalg::GenericOp b) {
    return a->isBeforeInBlock(b);
  });
  FailureOr<SmallVector<TapWindow, 2>> windows = tapWindows(rewriter, chain);
  if (failed(windows))
    return;
  for (const TapWindow &w : *windows) {
    tensor::PadOp pad = padOfModelInput(w.source);
    if (pad && readsPaddedRows(w, pad))
      readTapsFromBand(rewriter, chain.front(), w, pad);
  }
}

/// Whether the ops of `ops` alone read `v` (through slices of it).
bool readAlone(Value v, const llvm::SmallPtrSetImpl<Operation *> &ops) {
  return llvm::all_of(v.getUsers(), [&](Operation *user) {
    auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
    return slice ? readAlone(slice.getResult(), ops) : ops.contains(user);
  });
}

/// Whether the ops of `ops` alone read each padded model input they read
/// (through slices of it).
bool readPaddedInputsAlone(const llvm::SmallPtrSetImpl<Operation *> &ops) {
  for (Operation *op : ops)
    for (Value in : op->getOperands()) {
      while (auto slice = in.getDefiningOp<tensor::ExtractSliceOp>())
        in = slice.getSource();
      if (padOfModelInput(in) && !readAlone(in, ops))
        return false;
    }
  return true;
}

/// A CPU block of a dense convolution computes `fb` of the F output
/// channels, and its micro-kernels read, for each input channel and tap,
/// a piece of those fb: in the kernel packed as [C, KH, KW, F] that is a
/// short piece of each F-long row, a stride apart that defeats the
/// hardware prefetchers (on a new 4 KiB page every access or two for a
/// large layer), so weights that are not in the caches came from memory at
/// its latency: five 512-channel 3x3 convolutions on 7x7 in a row (47 MB
/// of weights, more than L3) took 2.1 ms each, one alone 1.4 ms. A constant
/// kernel is therefore packed once more, at compile time, as
/// [F / fb, C, KH, KW, fb]: the block reads its weights as one contiguous
/// stream (the five then took 1.15 ms each). The taps' operands are the
/// same [C, fb] slices, of the blocked constant.
void packWeightsForBlock(RewriterBase &rewriter,
                         ArrayRef<Operation *> blockOps) {
  // Per kernel (the generics of a chain share it).
  llvm::DenseMap<Operation *, Value> blockedKernels;
  for (Operation *op : blockOps) {
    auto conv = dyn_cast<linalg::GenericOp>(op);
    if (!conv || getConvKind(conv) != ConvKind::Dense)
      continue;
    FailureOr<SmallVector<TapWindow, 2>> windows = tapWindows(rewriter, conv);
    if (failed(windows))
      continue;
    for (const TapWindow &w : *windows) {
      auto tapType = cast<RankedTensorType>(w.operands[0]->get().getType());
      auto kernel = w.source.getDefiningOp<arith::ConstantOp>();
      auto type = cast<RankedTensorType>(w.source.getType());
      if (!kernel || tapType.getRank() != 2 || type.getRank() != 4 ||
          !type.getElementType().isF32())
        continue;
      ArrayRef<int64_t> k = type.getShape(); // [C, KH, KW, F]
      int64_t fb = w.shape[3];
      if (w.shape[0] != k[0] || fb == k[3] || k[3] % fb ||
          !isConstantIntValue(w.offsets[0], 0))
        continue;
      // The blocked constant, next to the packed one (once per kernel).
      auto blockedType = RankedTensorType::get(
          {k[3] / fb, k[0], k[1], k[2], fb}, type.getElementType());
      Value &blocked = blockedKernels[kernel];
      if (!blocked) {
        std::vector<float> storage;
        std::optional<ArrayRef<float>> in =
            cnn::f32Elements(kernel.getValue(), storage);
        if (!in)
          continue;
        std::vector<float> out(in->size());
        int64_t taps = k[0] * k[1] * k[2], f = k[3];
        for (int64_t t = 0; t < taps; ++t)
          for (int64_t fi = 0; fi < f; ++fi)
            out[((fi / fb) * taps + t) * fb + fi % fb] = (*in)[t * f + fi];
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointAfter(kernel);
        blocked = arith::ConstantOp::create(
            rewriter, kernel.getLoc(),
            cnn::makeF32Constant(blockedType, std::move(out),
                                 cnn::blobKey(kernel.getValue())));
      }
      rewriter.setInsertionPoint(conv);
      AffineExpr f0;
      bindSymbols(rewriter.getContext(), f0);
      OpFoldResult block = affine::makeComposedFoldedAffineApply(
          rewriter, conv.getLoc(), AffineMap::get(0, 1, f0.floorDiv(fb)),
          {w.offsets[3]});
      for (auto [operand, within] : llvm::zip(w.operands, w.within)) {
        if (within[0] || within[3])
          continue;
        SmallVector<OpFoldResult> offsets = {
            block, rewriter.getIndexAttr(0),
            affine::makeComposedFoldedAffineApply(
                rewriter, conv.getLoc(), AffineMap::get(0, 1, f0 + within[1]),
                {w.offsets[1]}),
            affine::makeComposedFoldedAffineApply(
                rewriter, conv.getLoc(), AffineMap::get(0, 1, f0 + within[2]),
                {w.offsets[2]}),
            rewriter.getIndexAttr(0)};
        Value tap = tensor::ExtractSliceOp::create(
            rewriter, conv.getLoc(), tapType, blocked, offsets,
            foldResults(rewriter, {1, k[0], 1, 1, fb}),
            foldResults(rewriter, {1, 1, 1, 1, 1}));
        OpOperand *target = operand;
        rewriter.modifyOpInPlace(conv, [&] { target->set(tap); });
      }
    }
  }
}

/// Makes the grouped convolutions among a cache block's ops (one group
/// each) dense: each tap's weights [1, c, f] of the block's group become
/// [c, f], read through (c, f).
void ungroupBlock(RewriterBase &rewriter, ArrayRef<Operation *> blockOps) {
  for (Operation *op : blockOps) {
    auto conv = dyn_cast<linalg::GenericOp>(op);
    if (!conv || getConvKind(conv) != ConvKind::Grouped)
      continue;
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = conv.getIndexingMapsArray();
    rewriter.setInsertionPoint(conv);
    for (OpOperand *in : conv.getDpsInputOperands()) {
      AffineMap &map = maps[in->getOperandNumber()];
      auto slice = in->get().getDefiningOp<tensor::ExtractSliceOp>();
      if (map.getNumResults() != 3 || !slice)
        continue;
      auto type = cast<RankedTensorType>(slice.getType());
      assert(type.getDimSize(0) == 1 && "a block holds one group");
      Value weights = tensor::ExtractSliceOp::create(
          rewriter, conv.getLoc(),
          RankedTensorType::get(type.getShape().drop_front(),
                                type.getElementType()),
          slice.getSource(), slice.getMixedOffsets(), slice.getMixedSizes(),
          slice.getMixedStrides());
      rewriter.modifyOpInPlace(conv, [&] { in->set(weights); });
      map = AffineMap::get(
          5, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx);
    }
    rewriter.modifyOpInPlace(conv, [&] {
      conv.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
      setConvKind(conv, ConvKind::Dense);
    });
  }
}

/// Schedules one tap-sum convolution and its epilogue; returns the ops of
/// the innermost tile, to be vectorized.
FailureOr<SmallVector<Operation *>> scheduleConv(RewriterBase &rewriter,
                                                 linalg::GenericOp conv,
                                                 const Machine &machine,
                                                 bool inputInBands) {
  ConvKind kind = *getConvKind(conv);
  ConvShape shape = convShape(conv, kind);
  shape.inputInBands = inputInBands;
  ConvTiles tiles = machine.tiles(shape);
  llvm::SmallPtrSet<Operation *, 8> fusable;
  Operation *root = withEpilogue(conv, fusable);
  // Blocks over rows or images (all the output channels in each).
  int64_t blocks = 1;
  SmallVector<int64_t, 4> dims = {shape.n, shape.ch, shape.oh, shape.ow};
  for (auto [dim, tile] : llvm::zip(dims, tiles.block))
    blocks *= tile ? dim / tile : 1;
  bool bandPerBlock = !machine.gpu && kind == ConvKind::Dense && blocks > 1 &&
                      (!tiles.block[1] || tiles.block[1] == shape.ch) &&
                      readPaddedInputsAlone(fusable);
  // Bands first: (n, oh, c, ow).
  SmallVector<int64_t> order;
  if (blocksFollowBands(shape, tiles))
    order = {0, 2, 1, 3};
  FailureOr<SmallVector<Operation *>> block = tileAndFuse(
      rewriter, root, fusable, tiles.block, Level::Block, machine, order);
  if (failed(block))
    return failure();
  // The untiled ops are dead now; the final clean-up erases them.
  if (kind == ConvKind::Grouped) {
    ungroupBlock(rewriter, *block);
    kind = ConvKind::Dense;
  }
  if (machine.gpu) {
    FailureOr<SmallVector<Operation *>> staged =
        stageBlock(rewriter, *block, tiles, kind, machine);
    if (failed(staged) || !staged->empty())
      return staged;
  }
  if (!machine.gpu && kind != ConvKind::Dense)
    readPaddingInPlace(rewriter, *block);
  if (bandPerBlock)
    padBandInBlock(rewriter, *block);
  if (!machine.gpu && kind == ConvKind::Dense)
    packWeightsForBlock(rewriter, *block);
  return tileRegisters(rewriter, *block, tiles, kind, machine);
}

/// The dense convolution (the last generic of its chain) whose result `v`
/// is a view of, through its epilogue, padding and reshapes; null if none.
linalg::GenericOp producingConv(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      std::optional<ConvKind> kind = getConvKind(generic);
      if (kind || !generic.getNumDpsInputs())
        return kind == ConvKind::Dense ? generic : linalg::GenericOp();
      v = generic.getDpsInputs()[0];
    } else if (isa<tensor::ExtractSliceOp, tensor::PadOp, tensor::ExpandShapeOp,
                   tensor::CollapseShapeOp>(op)) {
      v = op->getOperand(0);
    } else {
      return {};
    }
  }
  return {};
}

/// The convolutions of `convs` (in program order) whose input the CPU
/// threads share as bands of rows: the dense convolution that writes it,
/// scheduled on its own (not in `fused`), shares its blocks so.
llvm::SmallPtrSet<Operation *, 8>
inputsInBands(ArrayRef<linalg::GenericOp> convs,
              const llvm::SmallPtrSetImpl<Operation *> &fused,
              const Machine &machine) {
  llvm::SmallPtrSet<Operation *, 8> inBands;
  if (machine.gpu)
    return inBands;
  for (linalg::GenericOp conv : convs) {
    linalg::GenericOp producer = producingConv(conv.getDpsInputs()[0]);
    if (!producer || fused.contains(producer))
      continue;
    ConvShape shape = convShape(producer, ConvKind::Dense);
    shape.inputInBands = inBands.contains(producer);
    if (sharesAreBands(shape, machine.tiles(shape), machine.cpu))
      inBands.insert(conv);
  }
  return inBands;
}

/// The pointwise convolution that consumes only `depthwise`'s epilogue,
/// if any: the pair of a depthwise-separable convolution.
linalg::GenericOp separablePartner(linalg::GenericOp depthwise) {
  llvm::SmallPtrSet<Operation *, 8> ops;
  Operation *root = withEpilogue(depthwise, ops);
  if (!root->hasOneUse())
    return {};
  Operation *user = *root->user_begin();
  // The pointwise convolution (1x1, stride 1) reads the depthwise output
  // itself as its one tap.
  auto pointwise = dyn_cast<linalg::GenericOp>(user);
  if (!pointwise || getConvKind(pointwise) != ConvKind::Dense ||
      pointwise.getNumDpsInputs() != 2 ||
      pointwise.getDpsInputs()[0] != root->getResult(0))
    return {};
  return pointwise;
}

/// The expansion of an inverted residual: a 1x1 convolution (with its
/// initial value and epilogue, `ops`) whose result, padded (`pad`), only
/// `depthwise` reads.
struct Expansion {
  tensor::PadOp pad;
  llvm::SmallPtrSet<Operation *, 8> ops;
};

std::optional<Expansion> expansionOf(linalg::GenericOp depthwise) {
  auto tap =
      depthwise.getDpsInputs()[0].getDefiningOp<tensor::ExtractSliceOp>();
  auto pad =
      tap ? tap.getSource().getDefiningOp<tensor::PadOp>() : tensor::PadOp();
  if (!pad || !pad.getConstantPaddingValue() || !pad.getSource().hasOneUse() ||
      llvm::any_of(pad->getUsers(), [&](Operation *user) {
        return !isa<tensor::ExtractSliceOp>(user) ||
               llvm::any_of(user->getUsers(),
                            [&](Operation *u) { return u != depthwise; });
      }))
    return std::nullopt;
  // Back from the padded value through its epilogue to the convolution.
  Operation *op = pad.getSource().getDefiningOp();
  for (int i = 0; i < 8 && op && !getConvKind(op); ++i) {
    auto g = dyn_cast<linalg::GenericOp>(op);
    op = g && g.getNumDpsInputs() ? g.getDpsInputs()[0].getDefiningOp()
                                  : nullptr;
  }
  auto conv = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!conv || getConvKind(conv) != ConvKind::Dense || previousInChain(conv) ||
      conv.getNumDpsInputs() != 2 ||
      conv.getDpsInputs()[0].getDefiningOp<tensor::ExtractSliceOp>())
    return std::nullopt;
  ConvShape shape = convShape(conv, ConvKind::Dense);
  if (shape.taps != 1)
    return std::nullopt;
  Expansion e{pad, {}};
  if (withEpilogue(conv, e.ops) != pad.getSource().getDefiningOp())
    return std::nullopt;
  return e;
}

/// The tiles of a depthwise-separable pair, if `machine` fuses it. On a CPU
/// the depthwise register tile (left empty) is chosen for the band.
std::optional<SeparableTiles> separableTiles(linalg::GenericOp depthwise,
                                             linalg::GenericOp pointwise,
                                             const Machine &machine) {
  ConvShape pwShape = convShape(pointwise, ConvKind::Dense);
  if (machine.gpu)
    return chooseGpuSeparableTiles(convShape(depthwise, ConvKind::Depthwise),
                                   pwShape, *machine.gpu);
  SeparableTiles t;
  t.pointwise = chooseConvTiles(pwShape, machine.cpu);
  // Every output channel in the block: a block of fewer would recompute
  // the depthwise band for each.
  t.pointwise.block[1] = 0;
  t.pointwise.block[2] =
      chooseSeparableBandRows(pwShape, t.pointwise.block[2], machine.cpu);
  if (!t.pointwise.block[2])
    return std::nullopt;
  // An expansion whose result does not stay in cache: each block computes
  // its band's rows of it.
  if (std::optional<Expansion> e = expansionOf(depthwise)) {
    ArrayRef<int64_t> source = e->pad.getSourceType().getShape();
    if (int64_t rows = chooseInputBandRows(
            convShape(depthwise, ConvKind::Depthwise), source[1], source[2],
            t.pointwise.reg[2], machine.cpu)) {
      t.pointwise.block[2] = rows;
      t.computeInput = true;
    }
  }
  return t;
}

/// Makes the band of depthwise output that a GPU block computes a buffer
/// of the block's shared memory: the destination the chain `dwRoot` ends
/// in (through the ops of `dwSet` that accumulate onto one another).
void bandInSharedMemory(RewriterBase &rewriter, Operation *dwRoot,
                        const llvm::SmallPtrSetImpl<Operation *> &dwSet) {
  OpOperand *init =
      cast<DestinationStyleOpInterface>(dwRoot).getDpsInitOperand(0);
  while (Operation *def = init->get().getDefiningOp()) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(def);
    if (!dps || !dwSet.contains(def))
      break;
    init = dps.getDpsInitOperand(0);
  }
  rewriter.setInsertionPoint(init->getOwner());
  Value band = sharedBuffer(rewriter, init->getOwner()->getLoc(),
                            cast<RankedTensorType>(init->get().getType()));
  rewriter.modifyOpInPlace(init->getOwner(), [&] { init->set(band); });
}

/// Schedules a depthwise convolution and the pointwise one that consumes it
/// as one loop nest: each cache block of the pointwise convolution (all its
/// output channels, a band of rows) first computes the band of the
/// depthwise output it reads, with the depthwise epilogue, into a buffer
/// that stays in cache, then consumes it. Each part is then tiled for
/// registers with its own micro-kernel. On a GPU the band is in the block's
/// shared memory, each part a loop over the block's threads. With
/// `tiles.computeInput`, each CPU block first computes the rows of the
/// expansion that its depthwise band reads, into a padded buffer of the
/// block (see readTapsFromBand; a version per band that reaches into the
/// padding, each with its own register tiles); the expansion's ops are then
/// erased and added to `erased`. Any other padded input (a model input, an
/// expansion computed alone) the depthwise part reads itself, the padding
/// folded into its vector reads: a copy of each band took DS1 0.05 of 0.22
/// ms, and the padded copy of an expansion MobileNetV2 0.3 of 4.6 ms (its
/// 14 pads, and the pairs' reads of them). Returns the innermost tiles'
/// ops.
FailureOr<SmallVector<Operation *>>
scheduleSeparable(RewriterBase &rewriter, linalg::GenericOp depthwise,
                  linalg::GenericOp pointwise, const SeparableTiles &tiles,
                  const Machine &machine,
                  llvm::SmallPtrSetImpl<Operation *> &erased) {
  std::optional<Expansion> expansion;
  if (tiles.computeInput)
    expansion = expansionOf(depthwise);
  llvm::SmallPtrSet<Operation *, 8> fusable;
  withEpilogue(depthwise, fusable);
  Operation *root = withEpilogue(pointwise, fusable);
  FailureOr<SmallVector<Operation *>> block = tileAndFuse(
      rewriter, root, fusable, tiles.pointwise.block, Level::Block, machine);
  if (failed(block))
    return failure();
  // The block's ops: the pointwise root first; the depthwise part is the
  // depthwise convolution, its initial value and its epilogue chain.
  auto *dwIt = llvm::find_if(*block, [](Operation *op) {
    return getConvKind(op) == ConvKind::Depthwise;
  });
  if (dwIt == block->end())
    return failure();
  llvm::SmallPtrSet<Operation *, 8> dwSet;
  Operation *dwRoot = withEpilogue(cast<linalg::GenericOp>(*dwIt), dwSet);
  SmallVector<Operation *> dwOps = {dwRoot}, pwOps;
  for (Operation *op : *block) {
    if (op == dwRoot)
      continue;
    (dwSet.contains(op) ? dwOps : pwOps).push_back(op);
  }
  if (machine.gpu)
    bandInSharedMemory(rewriter, dwRoot, dwSet);
  ConvTiles dwTiles;
  if (tiles.depthwiseReg.empty())
    dwTiles = machine.tiles(
        convShape(cast<linalg::GenericOp>(*dwIt), ConvKind::Depthwise));
  else
    dwTiles.reg = tiles.depthwiseReg;
  SmallVector<SmallVector<Operation *>> bands;
  if (!machine.gpu) {
    auto dwConv = cast<linalg::GenericOp>(*dwIt);
    FailureOr<SmallVector<TapWindow, 2>> windows = tapWindows(rewriter, dwConv);
    if (succeeded(windows))
      for (const TapWindow &w : *windows) {
        tensor::PadOp pad = expansion ? expansion->pad
                                      : w.source.getDefiningOp<tensor::PadOp>();
        if (!pad || !readsPaddedRows(w, pad))
          continue;
        if (expansion)
          readTapsFromBand(rewriter, dwConv, w, pad, &expansion->ops, &bands);
        else
          markPaddingInReads(pad);
      }
  }
  // On a CPU the pointwise part runs over the band's pixels flattened, as
  // a 1x1 convolution alone does: the band covers whole rows.
  ConvTiles pwTiles = tiles.pointwise;
  auto *pwConv = llvm::find_if(
      pwOps, [](Operation *op) { return getConvKind(op).has_value(); });
  if (!machine.gpu && pwConv != pwOps.end()) {
    auto conv = cast<linalg::GenericOp>(*pwConv);
    llvm::SmallPtrSet<Operation *, 8> chain;
    withEpilogue(conv, chain);
    SmallVector<Operation *> flat;
    linalg::GenericOp flatConv = flattenPointwise(rewriter, conv, &flat);
    if (flatConv != conv) {
      // The root (the chain's last op) first, then the rest of the block.
      std::rotate(flat.begin(), flat.end() - 1, flat.end());
      for (Operation *op : pwOps)
        if (!chain.contains(op))
          flat.push_back(op);
      pwOps = std::move(flat);
      pwTiles = machine.tiles(convShape(flatConv, ConvKind::Dense));
      foldReshapes(flatConv->getParentOp());
    }
  }
  FailureOr<SmallVector<Operation *>> pwInner =
      tileRegisters(rewriter, pwOps, pwTiles, ConvKind::Dense, machine);
  if (failed(pwInner))
    return failure();
  FailureOr<SmallVector<Operation *>> dwInner =
      tileRegisters(rewriter, dwOps, dwTiles, ConvKind::Depthwise, machine);
  if (failed(dwInner))
    return failure();
  SmallVector<Operation *> inner = *dwInner;
  llvm::append_range(inner, *pwInner);
  // Each version's rows of the expansion, with the expansion's own
  // register tiles for the band's shape.
  for (ArrayRef<Operation *> band : bands) {
    auto *conv = llvm::find_if(
        band, [](Operation *op) { return getConvKind(op).has_value(); });
    if (conv == band.end())
      return failure();
    FailureOr<SmallVector<Operation *>> bandInner =
        tileRegisters(rewriter, band,
                      machine.tiles(convShape(cast<linalg::GenericOp>(*conv),
                                              ConvKind::Dense)),
                      ConvKind::Dense, machine);
    if (failed(bandInner))
      return failure();
    llvm::append_range(inner, *bandInner);
  }
  // The whole expansion, now read by no one (unless a version could not
  // compute its rows).
  if (expansion) {
    SmallVector<Operation *> candidates = {expansion->pad};
    llvm::append_range(candidates, expansion->ops);
    for (bool changed = true; changed;) {
      changed = false;
      for (Operation *op : candidates)
        if (!erased.contains(op) && op->use_empty()) {
          erased.insert(op);
          rewriter.eraseOp(op);
          changed = true;
        }
    }
  }
  return inner;
}

/// Tiles the reduction loops of `op` (a register tile's op) by `sizes` in
/// a sequential loop that carries the partial result, and sets `op` to the
/// tiled op.
LogicalResult tileReduction(RewriterBase &rewriter, Operation *&op,
                            ArrayRef<int64_t> sizes) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(foldResults(rewriter, sizes));
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> r =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), tiling);
  if (failed(r))
    return failure();
  rewriter.replaceOp(op, r->replacements);
  op = r->tiledOps.back();
  return success();
}

/// Whether `op` is a linear layer: out[n, m] += x[n, k] * w[m, k].
bool isLinearLayer(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 3 || !linalg::isaContractionOpInterface(op))
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr n, m, k;
  bindDims(ctx, n, m, k);
  return op.getIndexingMapsArray() ==
         SmallVector<AffineMap>{AffineMap::get(3, 0, {n, k}, ctx),
                                AffineMap::get(3, 0, {m, k}, ctx),
                                AffineMap::get(3, 0, {n, m}, ctx)};
}

/// A generic `out = body(ins..., out)` that adds or multiply-adds.
linalg::GenericOp sumOp(OpBuilder &b, Location loc, Type type, ValueRange ins,
                        Value init, ArrayRef<AffineMap> maps,
                        ArrayRef<utils::IteratorType> iters) {
  return linalg::GenericOp::create(
      b, loc, type, ins, init, maps, iters,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Value term = args.size() == 3
                         ? arith::MulFOp::create(nb, nl, args[0], args[1])
                         : args[0];
        linalg::YieldOp::create(
            nb, nl,
            arith::AddFOp::create(nb, nl, args.back(), term).getResult());
      });
}

/// Schedules a linear layer and its epilogue; returns the ops of the
/// innermost tile (none if the layer stays as it is). The reduction over k
/// is split in two: partial[n, m, l] = sum_ko x[n, ko, l] * w[m, ko, l],
/// a vector of `lanes` partial sums per output that stays in a register
/// across the ko loop, then out[n, m] = init + sum_l partial[n, m, l], one
/// horizontal sum per output; both in the same register tile of outputs.
FailureOr<SmallVector<Operation *>> scheduleLinear(RewriterBase &rewriter,
                                                   linalg::GenericOp op,
                                                   const Machine &machine) {
  const CpuDesc &cpu = machine.cpu;
  SmallVector<int64_t> range = op.getStaticLoopRanges();
  int64_t n = range[0], m = range[1], k = range[2];
  LinearTiles tiles = chooseLinearTiles(m, k, cpu);
  if (!tiles.lanes)
    return SmallVector<Operation *>{};
  int64_t lanes = tiles.lanes, steps = k / lanes;
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  Type f = getElementTypeOrSelf(op->getResult(0).getType());
  auto parallel = utils::IteratorType::parallel;
  auto reduction = utils::IteratorType::reduction;
  rewriter.setInsertionPoint(op);
  auto split = [&](Value v, int64_t rows) -> Value {
    return tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({rows, steps, lanes}, f), v,
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
  };
  auto partialType = RankedTensorType::get({n, m, lanes}, f);
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(f));
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, partialType.getShape(), f);
  auto fill = linalg::FillOp::create(rewriter, loc, zero, empty);
  AffineExpr dn, dm, dl, dk;
  bindDims(ctx, dn, dm, dl, dk);
  linalg::GenericOp partial =
      sumOp(rewriter, loc, partialType,
            {split(op.getDpsInputs()[0], n), split(op.getDpsInputs()[1], m)},
            fill.getResult(0),
            {AffineMap::get(4, 0, {dn, dk, dl}, ctx),
             AffineMap::get(4, 0, {dm, dk, dl}, ctx),
             AffineMap::get(4, 0, {dn, dm, dl}, ctx)},
            {parallel, parallel, parallel, reduction});
  linalg::GenericOp combine = sumOp(rewriter, loc, op->getResult(0).getType(),
                                    partial->getResults(), op.getDpsInits()[0],
                                    {AffineMap::get(3, 0, {dn, dm, dl}, ctx),
                                     AffineMap::get(3, 0, {dn, dm}, ctx)},
                                    {parallel, parallel, reduction});
  rewriter.replaceOp(op, combine->getResults());

  llvm::SmallPtrSet<Operation *, 8> fusable = {fill, partial};
  Operation *root = withEpilogue(combine, fusable);
  FailureOr<SmallVector<Operation *>> block = tileAndFuse(
      rewriter, root, fusable, {1, tiles.blockRows}, Level::Block, machine);
  if (failed(block))
    return failure();
  fusable.clear();
  fusable.insert(block->begin(), block->end());
  FailureOr<SmallVector<Operation *>> reg =
      tileAndFuse(rewriter, block->front(), fusable, {1, tiles.rows},
                  Level::Sequential, machine);
  if (failed(reg))
    return failure();
  // The ko loop: the register tile of partial sums is loop-carried.
  SmallVector<Operation *> inner = *reg;
  auto *it = llvm::find_if(inner, [](Operation *op) {
    auto g = dyn_cast<linalg::GenericOp>(op);
    return g && g.getNumLoops() == 4;
  });
  if (it == inner.end())
    return failure();
  if (failed(tileReduction(rewriter, *it, {0, 0, 0, 1})))
    return failure();
  return inner;
}

/// Whether `op` is a global pooling window: out[n, c] = reduce over (h, w)
/// of in[n, c, h, w], by a sum or a max (a combiner the vectorizer knows).
bool isGlobalPool(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 4 || getConvKind(op))
    return false;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!linalg::isParallelIterator(iterators[0]) ||
      !linalg::isParallelIterator(iterators[1]) ||
      !linalg::isReductionIterator(iterators[2]) ||
      !linalg::isReductionIterator(iterators[3]))
    return false;
  Block *body = op.getBody();
  Operation *combiner = body->getTerminator()->getOperand(0).getDefiningOp();
  if (!isa_and_nonnull<arith::AddFOp, arith::MaximumFOp, arith::MaxNumFOp>(
          combiner) ||
      combiner->getBlock() != body || body->getOperations().size() != 2)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr n, c, h, w;
  bindDims(ctx, n, c, h, w);
  return op.getIndexingMapsArray() ==
         SmallVector<AffineMap>{AffineMap::get(4, 0, {n, c, h, w}, ctx),
                                AffineMap::get(4, 0, {n, c}, ctx)};
}

/// The most values of a plane that one vector reduction of a global
/// pooling window reads (64 registers of 16 lanes).
constexpr int64_t kMaxPoolChunk = 1024;

/// Schedules a global pooling window over its planes flattened, a plane
/// (or a chunk of one) per register tile, one vector reduction, in blocks of
/// channels on every thread (see chooseElementwiseTiles). Left alone, it was a
/// scalar loop on one thread: MobileNetV2's pool of 1280 x 7 x 7, written by
/// both threads, took 0.020 ms at 1 thread and 0.057 at 2.
FailureOr<SmallVector<Operation *>> scheduleGlobalPool(RewriterBase &rewriter,
                                                       linalg::GenericOp op,
                                                       const Machine &machine) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  Value input = op.getDpsInputs()[0];
  ArrayRef<int64_t> shape = cast<RankedTensorType>(input.getType()).getShape();
  rewriter.setInsertionPoint(op);
  Value flat = tensor::CollapseShapeOp::create(
      rewriter, loc, input,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  AffineExpr n, c, p;
  bindDims(ctx, n, c, p);
  auto pool = linalg::GenericOp::create(
      rewriter, loc, op->getResultTypes(), flat, op.getDpsInits(),
      {AffineMap::get(3, 0, {n, c, p}, ctx), AffineMap::get(3, 0, {n, c}, ctx)},
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction});
  rewriter.cloneRegionBefore(op.getRegion(), pool.getRegion(),
                             pool.getRegion().end());
  rewriter.replaceOp(op, pool->getResults());

  llvm::SmallPtrSet<Operation *, 8> fusable = {pool};
  if (auto fill = pool.getDpsInits()[0].getDefiningOp<linalg::FillOp>())
    fusable.insert(fill);
  ConvTiles tiles = chooseElementwiseTiles(shape, machine.cpu);
  SmallVector<Operation *> ops = {pool};
  if (tiles.block[1]) {
    FailureOr<SmallVector<Operation *>> block = tileAndFuse(
        rewriter, pool, fusable, {1, tiles.block[1], 0}, Level::Block, machine);
    if (failed(block))
      return failure();
    ops = *block;
    fusable.clear();
    fusable.insert(ops.begin(), ops.end());
  }
  FailureOr<SmallVector<Operation *>> reg = tileAndFuse(
      rewriter, ops.front(), fusable, {1, 1, 0}, Level::Register, machine);
  // A plane of more than kMaxPoolChunk values: a loop of chunks that divide
  // it, inside the channel's tile (its initial value, fused there, set
  // once), the partial result loop-carried.
  int64_t plane = shape[2] * shape[3];
  int64_t chunk = std::min(plane, kMaxPoolChunk);
  while (plane % chunk)
    --chunk;
  if (failed(reg) || chunk == plane)
    return reg;
  SmallVector<Operation *> inner = *reg;
  if (failed(tileReduction(rewriter, inner.front(), {0, 0, chunk})))
    return failure();
  return inner;
}

/// Whether `op` is an elementwise op over (n, c, h, w) that the vectorizer
/// reads and writes a row at a time: every loop parallel, one result, each
/// operand indexed by the loops in their order (some left out: a
/// broadcast), and no index of its own in the body.
bool isElementwise4d(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 4 ||
      op.getNumParallelLoops() != 4 || getConvKind(op) ||
      !op.getIndexingMapsArray().back().isIdentity())
    return false;
  for (AffineMap map : op.getIndexingMapsArray()) {
    int64_t last = -1;
    for (AffineExpr e : map.getResults()) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || (int64_t)dim.getPosition() <= last)
        return false;
      last = dim.getPosition();
    }
  }
  return !op.getBody()
              ->walk([](Operation *inner) {
                return isa<linalg::IndexOp, tensor::ExtractOp>(inner)
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted();
}

/// Schedules an elementwise op that no convolution took as its epilogue
/// (an activation of a model input, the sum of two such), with the chain
/// of elementwise ops before it that only it reads: cache blocks and rows
/// from chooseElementwiseTiles; returns the row tiles' ops. Left alone, it
/// would be a scalar loop on one thread, and at two threads each run would
/// take back from the other core the lines of the planes the convolution
/// after it read there (a ReLU of 144 x 56 x 56 before a depthwise
/// convolution: 0.15 ms at 2 threads, 0.04 at one).
FailureOr<SmallVector<Operation *>>
scheduleElementwise(RewriterBase &rewriter, linalg::GenericOp op,
                    const Machine &machine) {
  llvm::SmallPtrSet<Operation *, 8> chain = {op};
  SmallVector<Operation *> worklist = {op};
  while (!worklist.empty()) {
    Operation *user = worklist.pop_back_val();
    for (Value in : user->getOperands()) {
      auto producer = in.getDefiningOp<linalg::GenericOp>();
      if (producer && isElementwise4d(producer) && producer->hasOneUse() &&
          chain.insert(producer).second)
        worklist.push_back(producer);
    }
  }
  ConvTiles tiles =
      chooseElementwiseTiles(op.getStaticLoopRanges(), machine.cpu);
  SmallVector<Operation *> ops = {op};
  if (llvm::any_of(tiles.block, [](int64_t t) { return t != 0; })) {
    FailureOr<SmallVector<Operation *>> block =
        tileAndFuse(rewriter, op, chain, tiles.block, Level::Block, machine);
    if (failed(block))
      return failure();
    ops = *block;
  }
  llvm::SmallPtrSet<Operation *, 8> inBlock(ops.begin(), ops.end());
  if (ops.size() == 1)
    inBlock = chain;
  return tileAndFuse(rewriter, ops.front(), inBlock, tiles.reg, Level::Register,
                     machine);
}

struct TileAndVectorizePass
    : convc::impl::TileAndVectorizePassBase<TileAndVectorizePass> {
  using TileAndVectorizePassBase::TileAndVectorizePassBase;

  void runOnOperation() override {
    Machine machine;
    CpuDesc &cpu = machine.cpu;
    cpu.vectorBits = vectorBits;
    cpu.vectorRegisters = vectorRegisters;
    cpu.l1Bytes = l1KiB * 1024;
    cpu.l2Bytes = l2KiB * 1024;
    cpu.threads = threads;
    if (!gpuArch.empty())
      machine.gpu = describeGpu(gpuArch);
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);

    SmallVector<linalg::GenericOp> convs, linears, pools;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (!op.hasPureTensorSemantics() || op.hasDynamicShape())
        return;
      if (getConvKind(op)) {
        // A chain is scheduled from its last generic.
        if (!continuesInChain(op))
          convs.push_back(op);
      } else if (!machine.gpu && isLinearLayer(op)) {
        linears.push_back(op);
      } else if (!machine.gpu && isGlobalPool(op)) {
        pools.push_back(op);
      }
    });
    SmallVector<Operation *> toVectorize;
    // Keeps a schedule's innermost tiles; false (after an error on `op`)
    // if the schedule failed.
    auto scheduled = [&](Operation *op,
                         FailureOr<SmallVector<Operation *>> inner,
                         StringRef what) {
      if (failed(inner)) {
        op->emitError("convc: cannot tile this ") << what;
        return false;
      }
      llvm::append_range(toVectorize, *inner);
      return true;
    };
    // Depthwise-separable pairs first: their pointwise halves are then no
    // longer in the function.
    llvm::SmallPtrSet<Operation *, 8> fused;
    for (linalg::GenericOp conv : convs) {
      // (An expansion computed by a pair's blocks is erased.)
      if (fused.contains(conv) || getConvKind(conv) != ConvKind::Depthwise)
        continue;
      linalg::GenericOp pointwise = separablePartner(conv);
      if (!pointwise)
        continue;
      std::optional<SeparableTiles> tiles =
          separableTiles(conv, pointwise, machine);
      if (!tiles)
        continue;
      if (!scheduled(conv,
                     scheduleSeparable(rewriter, conv, pointwise, *tiles,
                                       machine, fused),
                     "depthwise-separable pair"))
        return signalPassFailure();
      fused.insert(conv);
      fused.insert(pointwise);
    }
    // On a CPU, 1x1 convolutions run over flattened pixels (the reshapes
    // between the flattened ops of a chain cancel out).
    if (!machine.gpu) {
      for (linalg::GenericOp &conv : convs)
        if (!fused.contains(conv))
          conv = flattenPointwise(rewriter, conv);
      foldReshapes(getOperation());
    }
    // Whose input is shared as bands, decided while the producers are
    // still whole.
    llvm::SmallPtrSet<Operation *, 8> inBands =
        inputsInBands(convs, fused, machine);
    for (linalg::GenericOp conv : convs)
      if (!fused.contains(conv) &&
          !scheduled(
              conv,
              scheduleConv(rewriter, conv, machine, inBands.contains(conv)),
              "convolution"))
        return signalPassFailure();
    for (linalg::GenericOp linear : linears)
      if (!scheduled(linear, scheduleLinear(rewriter, linear, machine),
                     "linear layer"))
        return signalPassFailure();
    for (linalg::GenericOp pool : pools)
      if (!scheduled(pool, scheduleGlobalPool(rewriter, pool, machine),
                     "global pooling window"))
        return signalPassFailure();
    // The elementwise ops no schedule took into its tiles, the last first
    // (with the ops before it that only it reads). Those a schedule took,
    // and the untiled ops, are dead: erased first, the last of a chain
    // first.
    if (!machine.gpu) {
      Block &body = getOperation().getBody().front();
      // Each schedule takes at least one of them out of the body.
      int64_t left =
          llvm::count_if(body.getOps<linalg::GenericOp>(), isElementwise4d);
      while (true) {
        for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
          if (isOpTriviallyDead(&op))
            rewriter.eraseOp(&op);
        linalg::GenericOp last;
        for (Operation &op : llvm::reverse(body)) {
          auto generic = dyn_cast<linalg::GenericOp>(op);
          if (generic && isElementwise4d(generic)) {
            last = generic;
            break;
          }
        }
        if (!last)
          break;
        if (left-- == 0) {
          last.emitError("convc: cannot tile this elementwise op");
          return signalPassFailure();
        }
        if (!scheduled(last, scheduleElementwise(rewriter, last, machine),
                       "elementwise op"))
          return signalPassFailure();
      }
    }

    for (Operation *op : toVectorize) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (!linalgOp || linalgOp.hasDynamicShape())
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> v =
          linalg::vectorize(rewriter, op);
      if (failed(v)) {
        op->emitError("convc: cannot vectorize this tile");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, v->replacements);
    }

    // Keep each register tile's accumulators in registers across the
    // reduction loop: its read/write pair of the loop-carried tile moves
    // out of the loop (before the transfers' permutations are lowered, so
    // that a channels-in-lanes tile is transposed once, not per step).
    getOperation()->walk([&](scf::ForOp loop) {
      moveLoopInvariantCode(loop);
      hoistLoopInvariantSubsets(rewriter, loop);
    });

    peelBorderTiles(rewriter, getOperation());
    RewritePatternSet patterns(ctx);
    patterns.add<BroadcastThenTranspose, AccumulateTapByTap,
                 TransposeTileAsSquares>(ctx);
    populateRowReadPatterns(patterns, vectorBits);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateSinkVectorOpsPatterns(patterns);
    vector::MultiDimReductionOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    tensor::populateMergeConsecutiveInsertExtractSlicePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError(
          "convc: the vector clean-up of the convolution tiles did not "
          "converge");
      return signalPassFailure();
    }
    // What reductions remain (a linear layer's horizontal sums) become
    // one reduction per row, which LLVM lowers.
    RewritePatternSet reductions(ctx);
    vector::populateVectorMultiReductionLoweringPatterns(
        reductions, vector::VectorMultiReductionLowering::InnerReduction);
    if (failed(applyPatternsGreedily(getOperation(), std::move(reductions)))) {
      getOperation().emitError("convc: cannot lower the vector reductions");
      return signalPassFailure();
    }
  }
};

} // namespace
