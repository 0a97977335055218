//===- MergeBorderFills.cpp - blocks fill the border they wrote next to ---===//
//
// After bufferization:
//
//   scf.forall (%i) = (0) to (56) step (14) {     scf.forall (%i) = ... {
//     ... writes the interior rows of block %i      ... writes block %i
//   }                                         ->    linalg.fill (the border
//   memref.dealloc %input                             next to block %i)
//   scf.forall (%i) = (0) to (56) step (14) {     }
//     linalg.fill {convc.block_border} ...        memref.dealloc %input
//   }
//
// The fills write only the padded tensor's border and the producer only
// its interior, so each block may fill its part as soon as it has written
// its own.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace convc {
#define GEN_PASS_DEF_MERGEBORDERFILLSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

bool isBorderFill(Operation *op) {
  return isa<linalg::FillOp>(op) && op->hasAttr(convc::kBlockBorderAttr);
}

/// A bufferized loop whose only writes are border fills.
bool fillsBorder(scf::ForallOp loop) {
  if (loop.getNumResults() || loop.getMapping())
    return false;
  bool any = false;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (isBorderFill(&op))
      any = true;
    else if (!isMemoryEffectFree(&op))
      return false;
  }
  return any;
}

bool sameBlocks(scf::ForallOp a, scf::ForallOp b) {
  auto same = [](ArrayRef<OpFoldResult> x, ArrayRef<OpFoldResult> y) {
    if (x.size() != y.size())
      return false;
    for (auto [u, v] : llvm::zip(x, y)) {
      std::optional<int64_t> cu = getConstantIntValue(u),
                             cv = getConstantIntValue(v);
      if (!cu || cu != cv)
        return false;
    }
    return true;
  };
  return same(a.getMixedLowerBound(), b.getMixedLowerBound()) &&
         same(a.getMixedUpperBound(), b.getMixedUpperBound()) &&
         same(a.getMixedStep(), b.getMixedStep());
}

/// Runs `fill`'s blocks in the loop just before it over the same blocks,
/// if any (see the file comment).
void mergeIntoProducer(RewriterBase &rewriter, scf::ForallOp fill) {
  SmallVector<Operation *> between;
  Operation *op = fill->getPrevNode();
  for (; op && !isa<scf::ForallOp>(op); op = op->getPrevNode()) {
    if (!isa<memref::DeallocOp>(op) && !isMemoryEffectFree(op))
      return;
    between.push_back(op);
  }
  auto producer = dyn_cast_or_null<scf::ForallOp>(op);
  if (!producer || producer.getNumResults() || producer.getMapping() ||
      !sameBlocks(producer, fill))
    return;
  // Deallocations after the merged loop, the rest (what the fills may
  // read: constants, views) before it.
  for (Operation *op : between)
    if (isa<memref::DeallocOp>(op))
      rewriter.moveOpAfter(op, fill);
  for (Operation *op : llvm::reverse(between))
    if (!isa<memref::DeallocOp>(op))
      rewriter.moveOpBefore(op, producer);
  // The fill loop's ops after the producer's, in the producer's loop.
  rewriter.eraseOp(fill.getTerminator());
  rewriter.inlineBlockBefore(fill.getBody(), producer.getTerminator(),
                             producer.getInductionVars());
  rewriter.eraseOp(fill);
}

struct MergeBorderFillsPass
    : convc::impl::MergeBorderFillsPassBase<MergeBorderFillsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForallOp> loops;
    getOperation().walk([&](scf::ForallOp loop) {
      if (fillsBorder(loop))
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForallOp loop : loops)
      mergeIntoProducer(rewriter, loop);
    getOperation().walk(
        [](linalg::FillOp fill) { fill->removeAttr(convc::kBlockBorderAttr); });
  }
};

} // namespace
