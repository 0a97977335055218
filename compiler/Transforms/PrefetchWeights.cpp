//===- PrefetchWeights.cpp - the next block's weights, while this one runs
//-===//
//
// A cache block of a dense convolution reads its filters' packed weights
// (one block of the constant [blocks, C, KH, KW, f]) once per pass of its
// register tiles over the input channels. The first pass finds them in
// DRAM when the model's weights do not fit in the last-level cache
// (ResNet-18: 45 MB): it runs at the memory's bandwidth while the others
// run at the FMAs' (a 512-channel 3x3 layer on 7x7 pixels: 0.98 ms with
// its weights in DRAM, 0.74 ms in cache). This pass spreads the fetch of
// the next block's weights over the second half of this block's passes:
// each step of a micro-kernel loop (an scf.for that carries vector
// accumulators and reads such a block at its induction variable's channel)
// prefetches its share of the next block into L2, so that the next block
// starts with its weights in cache. Not over all of the passes: L2 holds
// about one such block besides the input (ResNet-18's layer4: 576 KiB of
// weights per block of 32 filters, 1 MiB of L2), the current block's lines
// are read again on every pass, and the lines prefetched first become the
// least recently used and are evicted before the next block reads them.
// In a model of six such layers at 1 thread, each layer after the first
// took 1.16-1.22 ms prefetching over all 7 passes and 1.10-1.14 over the
// last 4, though the first layer went from 1.03 to 1.12 ms (not
// understood); the model 6.86-6.90 -> 6.67-6.75 ms. ResNet-18: 18.2-18.3 ->
// 18.0-18.1 ms at 1 thread, within noise at 2; on a busy machine (DRAM shared
// with other tenants) 19.4-20.3 -> 18.8-19.3 ms and 11.1-11.2 -> 10.7-10.9.
// Only when the model's weights are larger than the last-level cache:
// otherwise they stay there from one inference to the next, and the
// prefetches would only crowd L2 (the same layer alone: 3 % slower with
// them).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace convc {
#define GEN_PASS_DEF_PREFETCHWEIGHTSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

/// Floats per cache line, and the most lines one step prefetches.
constexpr int64_t kLineFloats = 16;
constexpr int64_t kMaxLinesPerStep = 8;

std::optional<int64_t> tripCount(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *step <= 0 || *ub <= *lb)
    return std::nullopt;
  return (*ub - *lb + *step - 1) / *step;
}

/// The block of packed weights `loop` reads at its induction variable's
/// channel: a read of a constant global [blocks, C, ...] at [b, iv, ...]
/// with b invariant in the loop.
vector::TransferReadOp blockedWeightRead(scf::ForOp loop) {
  for (Operation &op : loop.getBody()->without_terminator()) {
    auto read = dyn_cast<vector::TransferReadOp>(op);
    if (!read || read.getIndices().size() < 2)
      continue;
    auto global = read.getBase().getDefiningOp<memref::GetGlobalOp>();
    auto type = dyn_cast<MemRefType>(read.getBase().getType());
    if (global && type && type.hasStaticShape() &&
        type.getLayout().isIdentity() && type.getDimSize(0) > 1 &&
        read.getIndices()[1] == loop.getInductionVar() &&
        loop.isDefinedOutsideOfLoop(read.getIndices()[0]))
      return read;
  }
  return {};
}

/// Adds the prefetches to `loop`; false if its shape is not known.
bool prefetchNextBlock(RewriterBase &rewriter, scf::ForOp loop) {
  vector::TransferReadOp read = blockedWeightRead(loop);
  std::optional<int64_t> channels = tripCount(loop);
  if (!read || !channels)
    return false;
  // The passes over the block: the loops around this one, up to the
  // block's (an scf.forall), in order.
  SmallVector<scf::ForOp> outer;
  for (Operation *p = loop->getParentOp(); p && !isa<scf::ForallOp>(p);
       p = p->getParentOp()) {
    if (auto f = dyn_cast<scf::ForOp>(p))
      outer.push_back(f);
    else if (!isa<scf::IfOp>(p))
      return false;
  }
  int64_t passes = 1;
  for (scf::ForOp f : outer) {
    std::optional<int64_t> trips = tripCount(f);
    if (!trips)
      return false;
    passes *= *trips;
  }
  auto type = cast<MemRefType>(read.getBase().getType());
  int64_t blocks = type.getDimSize(0);
  int64_t blockFloats = type.getNumElements() / blocks;
  // The steps of the first half of the passes prefetch nothing new.
  int64_t idle = passes / 2 * *channels;
  int64_t steps = passes * *channels - idle;
  int64_t share = llvm::alignTo((blockFloats + steps - 1) / steps, kLineFloats);
  int64_t lines = std::min(share / kLineFloats, kMaxLinesPerStep);

  Location loc = loop.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(loop);
  SmallVector<ReassociationIndices> flat = {{0}};
  flat.push_back(llvm::to_vector(llvm::seq<int64_t>(1, type.getRank())));
  Value weights =
      memref::CollapseShapeOp::create(rewriter, loc, read.getBase(), flat);
  AffineExpr b;
  bindSymbols(ctx, b);
  Value next = affine::makeComposedAffineMin(
      rewriter, loc,
      AffineMap::get(0, 1, {b + 1, rewriter.getAffineConstantExpr(blocks - 1)},
                     ctx),
      {OpFoldResult(read.getIndices()[0])});
  // The step's position among all of the block's steps: the outer loops'
  // iteration numbers (the innermost fastest), then this loop's.
  AffineExpr position = rewriter.getAffineConstantExpr(0);
  SmallVector<OpFoldResult> ivs;
  int64_t stride = *channels;
  auto iteration = [&](scf::ForOp f, AffineExpr iv) {
    int64_t lb = *getConstantIntValue(f.getLowerBound());
    int64_t step = *getConstantIntValue(f.getStep());
    return (iv - lb).floorDiv(step);
  };
  for (scf::ForOp f : outer) {
    position =
        position + iteration(f, getAffineSymbolExpr(ivs.size(), ctx)) * stride;
    ivs.push_back(f.getInductionVar());
    stride *= *tripCount(f);
  }
  rewriter.setInsertionPointToStart(loop.getBody());
  position = position + iteration(loop, getAffineSymbolExpr(ivs.size(), ctx));
  ivs.push_back(loop.getInductionVar());
  // The step's place among those that prefetch (0 for the idle ones, which
  // repeat the first step's prefetches).
  OpFoldResult busy = affine::makeComposedFoldedAffineMax(
      rewriter, loc,
      AffineMap::get(0, ivs.size(),
                     {position - idle, rewriter.getAffineConstantExpr(0)}, ctx),
      ivs);
  AffineExpr step = getAffineSymbolExpr(0, ctx);
  for (int64_t line = 0; line < lines; ++line) {
    AffineMap offset =
        AffineMap::get(0, 1,
                       {step * share + line * kLineFloats,
                        rewriter.getAffineConstantExpr(blockFloats - 1)},
                       ctx);
    Value at = affine::makeComposedAffineMin(rewriter, loc, offset, {busy});
    memref::PrefetchOp::create(rewriter, loc, weights, ValueRange{next, at},
                               /*isWrite=*/false, /*localityHint=*/2,
                               /*isDataCache=*/true);
  }
  return true;
}

struct PrefetchWeightsPass
    : convc::impl::PrefetchWeightsPassBase<PrefetchWeightsPass> {
  using PrefetchWeightsPassBase::PrefetchWeightsPassBase;

  void runOnOperation() override {
    int64_t weightBytes = 0;
    getOperation()->walk([&](memref::GlobalOp global) {
      if (global.getConstant() && global.getType().hasStaticShape())
        weightBytes += global.getType().getNumElements() *
                       global.getType().getElementTypeBitWidth() / 8;
    });
    if (weightBytes <= cacheKiB * 1024)
      return;
    IRRewriter rewriter(&getContext());
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (llvm::any_of(loop.getResultTypes(),
                       [](Type t) { return isa<VectorType>(t); }))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      prefetchNextBlock(rewriter, loop);
  }
};

} // namespace
