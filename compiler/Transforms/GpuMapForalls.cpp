//===- GpuMapForalls.cpp - scheduled loop nests to GPU kernels ------------===//
//
// After bufferization, every scf.forall that convc-tile-and-vectorize mapped
// to thread blocks becomes a gpu.launch with one block per iteration (the
// block id delinearized over the loop's dims, linear_dim_0 fastest) and as
// many threads as its largest nested #gpu.thread forall has iterations.
// Upstream's thread mapping then gives each nested forall's iterations to
// the threads (guarded where it has fewer, a barrier after each). Buffers
// a block allocates in workgroup memory (a fused depthwise-separable
// band) become the kernel's shared memory. Linalg ops still inside a
// kernel (copies) become loops each thread runs.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/TransformOps/GPUTransformOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace convc {
#define GEN_PASS_DEF_GPUMAPFORALLSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

constexpr int64_t kMaxThreadsPerBlock = 1024;

/// The iteration counts of `forall`'s dims, if static.
std::optional<SmallVector<int64_t>> tripCounts(scf::ForallOp forall) {
  std::optional<SmallVector<int64_t>> lbs =
      getConstantIntValues(forall.getMixedLowerBound());
  std::optional<SmallVector<int64_t>> ubs =
      getConstantIntValues(forall.getMixedUpperBound());
  std::optional<SmallVector<int64_t>> steps =
      getConstantIntValues(forall.getMixedStep());
  if (!lbs || !ubs || !steps)
    return std::nullopt;
  SmallVector<int64_t> trips;
  for (auto [lb, ub, step] : llvm::zip(*lbs, *ubs, *steps))
    trips.push_back(step > 0 ? llvm::divideCeil(ub - lb, step) : 0);
  return trips;
}

/// Whether `forall`'s mapping is to `Mapping` attributes (blocks or threads).
template <typename Mapping> bool isMappedTo(scf::ForallOp forall) {
  std::optional<ArrayAttr> mapping = forall.getMapping();
  return mapping && !mapping->empty() &&
         llvm::all_of(*mapping, [](Attribute a) { return isa<Mapping>(a); });
}

/// The position of a mapping id among the linear dims (0 is fastest).
int64_t linearDim(Attribute attr) {
  auto mapping = cast<DeviceMappingAttrInterface>(attr);
  return mapping.getMappingId() -
         static_cast<int64_t>(gpu::MappingId::LinearDim0);
}

MemRefType withoutMemorySpace(MemRefType type) {
  return MemRefType::get(type.getShape(), type.getElementType(),
                         type.getLayout());
}

LogicalResult mapBlocks(RewriterBase &rewriter, scf::ForallOp forall) {
  Location loc = forall.getLoc();
  std::optional<SmallVector<int64_t>> trips = tripCounts(forall);
  if (!trips)
    return forall.emitError("convc: a thread-block loop has dynamic bounds");
  int64_t blocks = 1, threads = 1;
  for (int64_t t : *trips)
    blocks *= t;
  LogicalResult inner = success();
  forall.getBody()->walk([&](scf::ForallOp nested) {
    std::optional<SmallVector<int64_t>> t = tripCounts(nested);
    if (!isMappedTo<gpu::GPUThreadMappingAttr>(nested) || !t) {
      inner = nested.emitError(
          "convc: a loop inside a thread block is not mapped to threads");
      return;
    }
    int64_t n = 1;
    for (int64_t v : *t)
      n *= v;
    threads = std::max(threads, n);
  });
  if (failed(inner))
    return failure();
  if (threads > kMaxThreadsPerBlock)
    return forall.emitError("convc: a thread block of ")
           << threads << " threads (at most " << kMaxThreadsPerBlock << ")";

  rewriter.setInsertionPoint(forall);
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  Value one = constant(1);
  auto launch = gpu::LaunchOp::create(rewriter, loc, constant(blocks), one, one,
                                      constant(threads), one, one);
  Block &body = launch.getBody().front();
  rewriter.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(rewriter, loc);

  // The block id, delinearized: linear_dim_0 varies fastest.
  rewriter.setInsertionPoint(terminator);
  ArrayAttr mapping = *forall.getMapping();
  SmallVector<int64_t> order(trips->size(), -1);
  for (auto [dim, attr] : llvm::enumerate(mapping)) {
    int64_t linear = linearDim(attr);
    if (linear < 0 || linear >= static_cast<int64_t>(order.size()) ||
        order[linear] != -1) {
      rewriter.eraseOp(launch);
      return forall.emitError(
          "convc: a thread-block loop must use distinct linear block ids");
    }
    order[linear] = dim;
  }
  SmallVector<Value> ivs(trips->size());
  Value rest = launch.getBlockIds().x;
  SmallVector<OpFoldResult> lbs = forall.getMixedLowerBound(),
                            steps = forall.getMixedStep();
  for (int64_t dim : order) {
    Value trip = constant((*trips)[dim]);
    Value index = arith::RemUIOp::create(rewriter, loc, rest, trip);
    rest = arith::DivUIOp::create(rewriter, loc, rest, trip);
    Value scaled = arith::MulIOp::create(
        rewriter, loc, index,
        getValueOrCreateConstantIndexOp(rewriter, loc, steps[dim]));
    ivs[dim] = arith::AddIOp::create(
        rewriter, loc, scaled,
        getValueOrCreateConstantIndexOp(rewriter, loc, lbs[dim]));
  }
  Block *forallBody = forall.getBody();
  rewriter.eraseOp(forallBody->getTerminator());
  rewriter.inlineBlockBefore(forallBody, terminator, ivs);
  rewriter.eraseOp(forall);

  // The block's shared buffers are the kernel's workgroup memory, read
  // through generic pointers (LLVM's NVPTX back end infers the shared
  // address space back): the kernel's other memrefs lose the workgroup
  // memory space, which the LLVM lowering of vector ops cannot map.
  bool shared = false;
  SmallVector<memref::AllocOp> allocs;
  body.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
  for (memref::AllocOp alloc : allocs) {
    auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(
        alloc.getType().getMemorySpace());
    if (!space || space.getValue() != gpu::AddressSpace::Workgroup)
      continue;
    if (!alloc.getType().hasStaticShape())
      return alloc.emitError("convc: a shared buffer of dynamic size");
    BlockArgument buffer =
        launch.addWorkgroupAttribution(alloc.getType(), alloc.getLoc());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        rewriter.eraseOp(user);
    rewriter.setInsertionPoint(alloc);
    rewriter.replaceOpWithNewOp<memref::MemorySpaceCastOp>(
        alloc, withoutMemorySpace(alloc.getType()), buffer);
    shared = true;
  }
  if (shared)
    launch.getBody().walk([&](Operation *op) {
      if (isa<memref::MemorySpaceCastOp>(op))
        return;
      for (Value v : op->getResults())
        if (auto type = dyn_cast<MemRefType>(v.getType()))
          v.setType(withoutMemorySpace(type));
    });

  // Upstream maps loops from 0 by 1.
  SmallVector<scf::ForallOp> threadLoops;
  body.walk([&](scf::ForallOp nested) { threadLoops.push_back(nested); });
  for (scf::ForallOp nested : threadLoops)
    if (failed(normalizeForallOp(rewriter, nested)))
      return nested.emitError("convc: cannot normalize a thread loop");
  rewriter.setInsertionPointToStart(&body);
  DiagnosedSilenceableFailure mapped =
      transform::gpu::mapNestedForallToThreadsImpl(
          rewriter, std::nullopt, launch, {threads, 1, 1},
          /*warpSize=*/32, /*syncAfterDistribute=*/true);
  if (!mapped.succeeded()) {
    (void)mapped.silence();
    return launch.emitError("convc: cannot map a thread block's loops to "
                            "threads");
  }

  SmallVector<linalg::LinalgOp> leftover;
  launch.getBody().walk([&](linalg::LinalgOp op) { leftover.push_back(op); });
  for (linalg::LinalgOp op : leftover) {
    rewriter.setInsertionPoint(op);
    if (failed(linalg::linalgOpToLoops(rewriter, op)))
      return op.emitError("convc: cannot lower this op inside a kernel");
    rewriter.eraseOp(op);
  }
  return success();
}

struct GpuMapForallsPass
    : convc::impl::GpuMapForallsPassBase<GpuMapForallsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForallOp> roots;
    getOperation()->walk([&](scf::ForallOp forall) {
      if (isMappedTo<gpu::GPUBlockMappingAttr>(forall))
        roots.push_back(forall);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForallOp forall : roots)
      if (failed(mapBlocks(rewriter, forall)))
        return signalPassFailure();
  }
};

} // namespace
