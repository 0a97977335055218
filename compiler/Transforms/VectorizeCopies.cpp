//===- VectorizeCopies.cpp - buffer copies and fills as vector loops -----===//

#include "compiler/Transforms/ConvSchedule.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace convc {
#define GEN_PASS_DEF_VECTORIZECOPIESPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

/// The longest piece of a row copied as one vector.
constexpr int64_t kMaxPiece = 64;
/// Copies and fills of at least this many rows run in parallel too (as do
/// those of kParallelBytes).
constexpr int64_t kParallelRows = 4096;

/// A copy or fill tiled into pieces of rows (all dims but the last one at a
/// time, the last in pieces of at most kMaxPiece elements), each piece one
/// vector write (and read).
LogicalResult vectorizeCopy(RewriterBase &rewriter, linalg::LinalgOp copy) {
  auto type = cast<MemRefType>(copy.getDpsInits()[0].getType());
  SmallVector<OpFoldResult> sizes(type.getRank() - 1, rewriter.getIndexAttr(1));
  int64_t width = type.getShape().back(), piece = kMaxPiece;
  while (width % piece)
    --piece;
  sizes.push_back(rewriter.getIndexAttr(piece));
  // Large copies and fills run on all threads (the loop becomes an OpenMP
  // loop like the convolutions' cache blocks); small ones are not worth
  // waking them. Large: many bytes, or many rows, each on cache lines of
  // its own (a padded tensor's border columns: a fill of one element per
  // row that waits for a line from memory for each).
  bool large = type.getNumElements() * 4 >= convc::kParallelBytes ||
               type.getNumElements() / width >= kParallelRows;
  bool nested = copy->getParentOfType<scf::ForallOp>() ||
                copy->getParentOfType<scf::ForOp>();
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes).setLoopType(
      large && !nested ? scf::SCFTilingOptions::LoopType::ForallOp
                       : scf::SCFTilingOptions::LoopType::ForOp);
  rewriter.setInsertionPoint(copy);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(copy.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(copy);
  for (Operation *op : tiled->tiledOps) {
    rewriter.setInsertionPoint(op);
    if (failed(linalg::vectorize(rewriter, op)))
      return failure();
    rewriter.eraseOp(op);
  }
  return success();
}

struct VectorizeCopiesPass
    : convc::impl::VectorizeCopiesPassBase<VectorizeCopiesPass> {
  void runOnOperation() override {
    // Copies and fills (a padded tensor's border) of buffers with static,
    // non-empty shapes.
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::CopyOp, linalg::FillOp>(op) || op.getNumDpsInits() != 1)
        return;
      auto type = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
      if (op.hasPureBufferSemantics() && type && type.hasStaticShape() &&
          type.getRank() != 0 && type.getNumElements() != 0)
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      Location loc = op.getLoc();
      if (failed(vectorizeCopy(rewriter, op))) {
        emitError(loc, "convc: cannot vectorize this copy or fill");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
