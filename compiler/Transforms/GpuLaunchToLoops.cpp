//===- GpuLaunchToLoops.cpp - run GPU launches as loops on the host -------===//
//
// The check of the GPU schedule on a machine without a GPU: every
// gpu.launch becomes six nested loops over the grid's blocks and the
// block's threads, the body inlined with gpu.block_id / gpu.thread_id /
// gpu.grid_dim / gpu.block_dim replaced by the loop indices and the launch
// sizes. The index arithmetic, bounds and guards that the GPU mapping
// created then run on the CPU, where a test compares the results with a
// reference. Valid for kernels without barriers or shared memory, which
// is what convc's mapping creates (the pass rejects the others).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace convc {
#define GEN_PASS_DEF_GPULAUNCHTOLOOPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

LogicalResult launchToLoops(gpu::LaunchOp launch) {
  Region &body = launch.getBody();
  if (!body.hasOneBlock())
    return launch.emitError("convc: cannot emulate a multi-block kernel");
  WalkResult bad = body.walk([](Operation *op) {
    return isa<gpu::BarrierOp>(op) ? WalkResult::interrupt()
                                   : WalkResult::advance();
  });
  if (bad.wasInterrupted() || !launch.getWorkgroupAttributions().empty())
    return launch.emitError(
        "convc: cannot emulate a kernel with barriers or shared memory");

  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value sizes[6] = {launch.getGridSizeX(),  launch.getGridSizeY(),
                    launch.getGridSizeZ(),  launch.getBlockSizeX(),
                    launch.getBlockSizeY(), launch.getBlockSizeZ()};
  SmallVector<Value> ivs;
  for (Value size : sizes) {
    auto loop = scf::ForOp::create(b, loc, zero, size, one);
    ivs.push_back(loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  gpu::KernelDim3 blockIds = launch.getBlockIds(),
                  threadIds = launch.getThreadIds(),
                  gridSizes = launch.getGridSize(),
                  blockSizes = launch.getBlockSize();
  IRMapping map;
  Value argsFrom[12] = {blockIds.x,   blockIds.y,   blockIds.z,
                        threadIds.x,  threadIds.y,  threadIds.z,
                        gridSizes.x,  gridSizes.y,  gridSizes.z,
                        blockSizes.x, blockSizes.y, blockSizes.z};
  for (int i = 0; i < 6; ++i) {
    map.map(argsFrom[i], ivs[i]);
    map.map(argsFrom[6 + i], sizes[i]);
  }
  for (Operation &op : body.front().without_terminator())
    b.clone(op, map);
  launch.erase();
  return success();
}

struct GpuLaunchToLoopsPass
    : convc::impl::GpuLaunchToLoopsPassBase<GpuLaunchToLoopsPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation()->walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(launchToLoops(launch)))
        return signalPassFailure();
  }
};

} // namespace
