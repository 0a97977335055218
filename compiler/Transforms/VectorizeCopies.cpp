//===- VectorizeCopies.cpp - buffer copies as loops of vector copies ------===//

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
/// Copies of at least this many bytes run in parallel.
constexpr int64_t kParallelBytes = 256 * 1024;

/// Copies `piece` (all dims 1 but the last, whose stride in its buffer is
/// s > 1: every s-th element, as the column phases of a strided window
/// take) with one contiguous read of the elements it spans and a shuffle
/// that keeps every s-th: a load per element otherwise.
void copyStridedPiece(RewriterBase &rewriter, linalg::CopyOp piece,
                      int64_t stride) {
  Location loc = piece.getLoc();
  Value in = piece.getInputs()[0], out = piece.getOutputs()[0];
  auto type = cast<MemRefType>(in.getType());
  int64_t n = type.getShape().back(), span = (n - 1) * stride + 1;
  auto meta = memref::ExtractStridedMetadataOp::create(rewriter, loc, in);
  auto spanType = MemRefType::get(
      {span}, type.getElementType(),
      StridedLayoutAttr::get(rewriter.getContext(), ShapedType::kDynamic, {1}));
  Value elements = memref::ReinterpretCastOp::create(
      rewriter, loc, spanType, meta.getBaseBuffer(),
      meta.getConstifiedMixedOffset(),
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(span)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value all = vector::LoadOp::create(
      rewriter, loc, VectorType::get({span}, type.getElementType()), elements,
      ValueRange{zero});
  SmallVector<int64_t> everySth;
  for (int64_t i = 0; i < n; ++i)
    everySth.push_back(i * stride);
  Value picked = vector::ShuffleOp::create(rewriter, loc, all, all, everySth);
  auto vectorType = VectorType::get(type.getShape(), type.getElementType());
  Value shaped = vector::ShapeCastOp::create(rewriter, loc, vectorType, picked);
  SmallVector<Value> indices(type.getRank(), zero);
  vector::TransferWriteOp::create(rewriter, loc, shaped, out, indices,
                                  SmallVector<bool>(type.getRank(), true));
}

/// A copy tiled into pieces of rows (all dims but the last one at a time,
/// the last in pieces of at most kMaxPiece elements), each piece one vector
/// read and write.
LogicalResult vectorizeCopy(RewriterBase &rewriter, linalg::CopyOp linalgCopy) {
  auto type = cast<MemRefType>(linalgCopy.getInputs()[0].getType());
  SmallVector<OpFoldResult> sizes(type.getRank() - 1, rewriter.getIndexAttr(1));
  int64_t width = type.getShape().back(), piece = kMaxPiece;
  while (width % piece)
    --piece;
  sizes.push_back(rewriter.getIndexAttr(piece));
  // Large copies run on all threads (the loop becomes an OpenMP loop with
  // the convolutions' cache blocks); small ones are not worth waking them.
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes).setLoopType(
      type.getNumElements() * 4 >= kParallelBytes
          ? scf::SCFTilingOptions::LoopType::ForallOp
          : scf::SCFTilingOptions::LoopType::ForOp);
  rewriter.setInsertionPoint(linalgCopy);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(linalgCopy.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(linalgCopy);
  int64_t stride = 1, offset;
  SmallVector<int64_t> strides;
  if (succeeded(type.getStridesAndOffset(strides, offset)))
    stride = strides.back();
  for (Operation *op : tiled->tiledOps) {
    rewriter.setInsertionPoint(op);
    if (stride > 1 && !ShapedType::isDynamic(stride)) {
      copyStridedPiece(rewriter, cast<linalg::CopyOp>(op), stride);
      rewriter.eraseOp(op);
      continue;
    }
    if (failed(linalg::vectorize(rewriter, op)))
      return failure();
    rewriter.eraseOp(op);
  }
  return success();
}

struct VectorizeCopiesPass
    : convc::impl::VectorizeCopiesPassBase<VectorizeCopiesPass> {
  void runOnOperation() override {
    // Copies of buffers with static, non-empty shapes.
    SmallVector<linalg::CopyOp> copies;
    getOperation()->walk([&](linalg::CopyOp op) {
      auto type = dyn_cast<MemRefType>(op.getInputs()[0].getType());
      if (op.hasPureBufferSemantics() && type && type.hasStaticShape() &&
          type.getRank() > 0 && type.getNumElements() > 0)
        copies.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::CopyOp copy : copies) {
      Location loc = copy.getLoc();
      if (failed(vectorizeCopy(rewriter, copy))) {
        emitError(loc, "convc: cannot vectorize this copy");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
