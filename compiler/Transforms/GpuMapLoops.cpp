//===- GpuMapLoops.cpp - parallel loops to blocks and threads -------------===//
//
// convc's GPU schedule for the parallel loops that linalg ops become: each
// outermost scf.parallel is tiled, the tile loop is mapped to blocks and the
// loop inside a tile to threads, innermost dimension first so that
// neighbouring threads touch neighbouring addresses (the output's W for
// NCHW tensors). Dimensions beyond three stay sequential loops in the
// kernel. `convert-parallel-loops-to-gpu` then creates the launches.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace convc {
#define GEN_PASS_DEF_GPUMAPLOOPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

/// Maps dims innermost-first to `first`, `first + 1`, `first + 2` (x, y, z
/// of blocks or threads); the others are sequential.
LogicalResult mapLoop(scf::ParallelOp loop, gpu::Processor first) {
  MLIRContext *ctx = loop.getContext();
  unsigned rank = loop.getNumLoops();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (unsigned d = 0; d < rank; ++d) {
    unsigned fromInner = rank - 1 - d;
    auto processor =
        fromInner < 3 ? static_cast<gpu::Processor>(
                            static_cast<uint64_t>(first) + fromInner)
                      : gpu::Processor::Sequential;
    mapping.push_back(
        gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id));
  }
  return gpu::setMappingAttr(loop, mapping);
}

struct GpuMapLoopsPass : convc::impl::GpuMapLoopsPassBase<GpuMapLoopsPass> {
  using GpuMapLoopsPassBase::GpuMapLoopsPassBase;

  LogicalResult initialize(MLIRContext *ctx) override {
    RewritePatternSet patterns(ctx);
    affine::AffineMinOp::getCanonicalizationPatterns(patterns, ctx);
    arith::MulIOp::getCanonicalizationPatterns(patterns, ctx);
    boundPatterns = std::move(patterns);
    return success();
  }

  FrozenRewritePatternSet boundPatterns;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> roots;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        roots.push_back(loop);
    });
    SmallVector<std::pair<scf::ParallelOp, scf::ParallelOp>> tiled;
    SmallVector<scf::ParallelOp> nested;
    for (scf::ParallelOp loop : roots) {
      // Nested parallel loops (none come from linalg today) run
      // sequentially inside a thread.
      loop.getBody()->walk([&](scf::ParallelOp n) { nested.push_back(n); });
      unsigned rank = loop.getNumLoops();
      SmallVector<int64_t> tiles(rank, 1);
      tiles[rank - 1] = threadsX;
      if (rank > 1)
        tiles[rank - 2] = threadsY;
      tiled.push_back(
          scf::tileParallelLoop(loop, tiles, /*noMinMaxBounds=*/false));
    }
    // Fold the tile steps to constants and the tiles' bounds to
    // min(ub - iv, tile): the launch sizes are read off these. (A full
    // canonicalization would also fold unit dims of the loops and
    // invalidate their mappings.)
    SmallVector<Operation *> bounds;
    getOperation()->walk([&](Operation *op) {
      if (isa<arith::MulIOp, affine::AffineMinOp>(op))
        bounds.push_back(op);
    });
    (void)applyOpPatternsGreedily(bounds, boundPatterns);

    for (auto [outer, inner] : tiled)
      if (failed(mapLoop(outer, gpu::Processor::BlockX)) ||
          failed(mapLoop(inner, gpu::Processor::ThreadX)))
        return signalPassFailure();
    MLIRContext *ctx = &getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
    for (scf::ParallelOp n : nested) {
      SmallVector<gpu::ParallelLoopDimMappingAttr> seq(
          n.getNumLoops(), gpu::ParallelLoopDimMappingAttr::get(
                               ctx, gpu::Processor::Sequential, id, id));
      if (failed(gpu::setMappingAttr(n, seq)))
        return signalPassFailure();
    }
  }
};

} // namespace
