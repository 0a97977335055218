//===- GpuLaunchToLoops.cpp - run GPU launches as loops on the host -------===//
//
// The check of the GPU schedule on a machine without a GPU: every
// gpu.launch becomes loops over the grid's blocks, and inside a block, each
// stretch of the kernel between two barriers becomes loops over the
// block's threads, gpu.block_id / gpu.thread_id / gpu.grid_dim /
// gpu.block_dim replaced by the loop indices and the launch sizes. Running
// every thread through one stretch before any starts the next is what a
// barrier guarantees, so the kernel's index arithmetic, guards and
// barriers run, and are tested, on the CPU.
//
// A barrier may sit at the top of the kernel or in loops whose bounds are
// the same for every thread (scf.for without results); a value computed
// before a barrier and used after it must be free of side effects (index
// arithmetic), and is recomputed in each stretch. Workgroup buffers
// become buffers the blocks use in turn.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace convc {
#define GEN_PASS_DEF_GPULAUNCHTOLOOPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

bool containsBarrier(Operation *op) {
  return op->walk([](gpu::BarrierOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// Emits one gpu.launch's body as loops.
class Emulator {
public:
  Emulator(gpu::LaunchOp launch) : launch(launch) {}

  LogicalResult run();

private:
  /// Emits `ops` (a stretch of a kernel region) at `b`'s insertion point.
  LogicalResult emitOps(OpBuilder &b, iterator_range<Block::iterator> ops);
  /// Emits `ops`, which contain no barrier, inside loops over the threads.
  LogicalResult emitStretch(OpBuilder &b, ArrayRef<Operation *> ops);
  /// `v` in a stretch whose values are in `map`: a value from before the
  /// stretch is recomputed in it, if it has no side effects.
  FailureOr<Value> lookup(OpBuilder &b, Value v, IRMapping &map);

  gpu::LaunchOp launch;
  /// Values the same for every thread of a block: block ids, sizes, the
  /// indices of loops around barriers.
  IRMapping uniform;
  Value threadSizes[3];
};

FailureOr<Value> Emulator::lookup(OpBuilder &b, Value v, IRMapping &map) {
  if (Value m = map.lookupOrNull(v))
    return m;
  if (Value u = uniform.lookupOrNull(v))
    return u;
  Operation *def = v.getDefiningOp();
  Operation *where =
      def ? def : cast<BlockArgument>(v).getOwner()->getParentOp();
  if (!launch->isAncestor(where))
    return v; // from outside the kernel
  if (!def) {
    // A thread id outside a stretch: the bounds of a loop around barriers.
    launch.emitError("convc: cannot emulate a barrier in a loop whose "
                     "bounds differ between threads");
    return failure();
  }
  if (def->getNumRegions() || !isMemoryEffectFree(def)) {
    def->emitError("convc: cannot emulate a kernel whose value crosses a "
                   "barrier");
    return failure();
  }
  for (Value operand : def->getOperands()) {
    FailureOr<Value> value = lookup(b, operand, map);
    if (failed(value))
      return failure();
    map.map(operand, *value);
  }
  Operation *clone = b.clone(*def, map);
  return clone->getResult(cast<OpResult>(v).getResultNumber());
}

LogicalResult Emulator::emitStretch(OpBuilder &b, ArrayRef<Operation *> ops) {
  if (ops.empty())
    return success();
  Location loc = launch.getLoc();
  OpBuilder::InsertionGuard guard(b);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  IRMapping map;
  gpu::KernelDim3 ids = launch.getThreadIds();
  Value idArgs[3] = {ids.x, ids.y, ids.z};
  for (int i = 2; i >= 0; --i) {
    auto loop = scf::ForOp::create(b, loc, zero, threadSizes[i], one);
    map.map(idArgs[i], loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  for (Operation *op : ops) {
    // The generic view of a workgroup buffer is the block's buffer.
    if (auto cast = dyn_cast<memref::MemorySpaceCastOp>(op)) {
      Value source = uniform.lookupOrNull(cast.getSource());
      if (source && source.getType() == cast.getType()) {
        map.map(cast.getResult(), source);
        continue;
      }
    }
    // Values from before the stretch that the op (or its regions) use.
    WalkResult r = op->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands()) {
        Operation *def = operand.getDefiningOp();
        bool local =
            def ? op->isAncestor(def)
                : op->isAncestor(
                      cast<BlockArgument>(operand).getOwner()->getParentOp());
        if (local)
          continue;
        FailureOr<Value> value = lookup(b, operand, map);
        if (failed(value))
          return WalkResult::interrupt();
        map.map(operand, *value);
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      return failure();
    b.clone(*op, map);
  }
  return success();
}

LogicalResult Emulator::emitOps(OpBuilder &b,
                                iterator_range<Block::iterator> ops) {
  SmallVector<Operation *> stretch;
  for (Operation &op : ops) {
    if (isa<gpu::TerminatorOp, scf::YieldOp>(op))
      continue;
    if (isa<gpu::BarrierOp>(op)) {
      if (failed(emitStretch(b, stretch)))
        return failure();
      stretch.clear();
      continue;
    }
    if (!containsBarrier(&op)) {
      stretch.push_back(&op);
      continue;
    }
    // A loop around barriers: every thread runs the same iterations.
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop || loop.getNumResults())
      return op.emitError("convc: cannot emulate a barrier inside this op");
    if (failed(emitStretch(b, stretch)))
      return failure();
    stretch.clear();
    IRMapping none;
    SmallVector<Value> bounds;
    for (Value v :
         {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()}) {
      FailureOr<Value> u = lookup(b, v, none);
      if (failed(u))
        return failure();
      bounds.push_back(*u);
    }
    // Values computed for the bounds belong to the block.
    for (auto [from, to] : none.getValueMap())
      uniform.map(from, to);
    auto copy =
        scf::ForOp::create(b, loop.getLoc(), bounds[0], bounds[1], bounds[2]);
    uniform.map(loop.getInductionVar(), copy.getInductionVar());
    OpBuilder inner(copy.getBody()->getTerminator());
    if (failed(emitOps(inner, loop.getBody()->getOperations())))
      return failure();
  }
  return emitStretch(b, stretch);
}

/// The launch's argument that an id or size op in its body reads.
Value launchArgument(gpu::LaunchOp launch, Operation *op) {
  auto pick = [](gpu::KernelDim3 dims, gpu::Dimension d) {
    return d == gpu::Dimension::x   ? dims.x
           : d == gpu::Dimension::y ? dims.y
                                    : dims.z;
  };
  if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
    return pick(launch.getThreadIds(), id.getDimension());
  if (auto id = dyn_cast<gpu::BlockIdOp>(op))
    return pick(launch.getBlockIds(), id.getDimension());
  if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
    return pick(launch.getBlockSize(), dim.getDimension());
  if (auto dim = dyn_cast<gpu::GridDimOp>(op))
    return pick(launch.getGridSize(), dim.getDimension());
  return {};
}

LogicalResult Emulator::run() {
  Region &body = launch.getBody();
  if (!body.hasOneBlock())
    return launch.emitError("convc: cannot emulate a multi-block kernel");
  // Ids and sizes read by ops are the launch's arguments.
  body.walk([&](Operation *op) {
    if (Value arg = launchArgument(launch, op)) {
      op->getResult(0).replaceAllUsesWith(arg);
      op->erase();
    }
  });
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::KernelDim3 blockIds = launch.getBlockIds(),
                  gridSizes = launch.getGridSize(),
                  blockSizes = launch.getBlockSize();
  Value grid[3] = {launch.getGridSizeX(), launch.getGridSizeY(),
                   launch.getGridSizeZ()};
  Value threads[3] = {launch.getBlockSizeX(), launch.getBlockSizeY(),
                      launch.getBlockSizeZ()};
  Value ids[3] = {blockIds.x, blockIds.y, blockIds.z};
  Value gridArgs[3] = {gridSizes.x, gridSizes.y, gridSizes.z};
  Value blockArgs[3] = {blockSizes.x, blockSizes.y, blockSizes.z};
  for (int i = 0; i < 3; ++i) {
    uniform.map(gridArgs[i], grid[i]);
    uniform.map(blockArgs[i], threads[i]);
    threadSizes[i] = threads[i];
  }
  // The workgroup buffers, which the blocks use one after the other (an
  // alloca in the loop would take new stack for every block).
  for (BlockArgument buffer : launch.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(buffer.getType());
    auto hostType = MemRefType::get(type.getShape(), type.getElementType(),
                                    type.getLayout());
    uniform.map(buffer, memref::AllocaOp::create(b, loc, hostType));
  }
  for (int i = 2; i >= 0; --i) {
    auto loop = scf::ForOp::create(b, loc, zero, grid[i], one);
    uniform.map(ids[i], loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  if (!launch.getPrivateAttributions().empty())
    return launch.emitError(
        "convc: cannot emulate a kernel with private buffers");
  if (failed(emitOps(b, body.front().getOperations())))
    return failure();
  launch.erase();
  return success();
}

struct GpuLaunchToLoopsPass
    : convc::impl::GpuLaunchToLoopsPassBase<GpuLaunchToLoopsPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation()->walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(Emulator(launch).run()))
        return signalPassFailure();
  }
};

} // namespace
