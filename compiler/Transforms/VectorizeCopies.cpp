//===- VectorizeCopies.cpp - buffer copies and fills as vector loops -----===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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
/// A strided piece is read in multiples of this many elements (a 512-bit
/// register of floats; whole 256-bit ones too).
constexpr int64_t kRegisterFloats = 16;
/// Copies and fills of at least this many bytes or rows run in parallel.
constexpr int64_t kParallelBytes = 256 * 1024;
constexpr int64_t kParallelRows = 4096;

/// The stride of the last dim of `type` (1 where it is not static).
int64_t lastStride(MemRefType type) {
  int64_t offset;
  SmallVector<int64_t> strides;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(strides.back()))
    return 1;
  return strides.back();
}

/// Copies pieces `ins` to `outs` (all dims 1 but the last, whose stride in
/// its buffer is s > 1: every s-th element, as the column phases of a
/// strided window take) with one contiguous read of the elements they span
/// and a shuffle per piece that keeps its every s-th: a load per element
/// otherwise. The pieces are phases of one row: `ins[k]` starts `deltas[k]`
/// (less than s) elements after `ins[0]`, so that the row is read once, from
/// its first element.
void copyStridedPieces(RewriterBase &rewriter, Location loc, ValueRange ins,
                       ValueRange outs, int64_t stride,
                       ArrayRef<int64_t> deltas) {
  auto type = cast<MemRefType>(ins[0].getType());
  int64_t n = type.getShape().back();
  int64_t span = (n - 1) * stride + 1 + *llvm::max_element(deltas);
  auto meta = memref::ExtractStridedMetadataOp::create(rewriter, loc, ins[0]);
  auto spanType = MemRefType::get(
      {span}, type.getElementType(),
      StridedLayoutAttr::get(rewriter.getContext(), ShapedType::kDynamic, {1}));
  Value elements = memref::ReinterpretCastOp::create(
      rewriter, loc, spanType, meta.getBaseBuffer(),
      meta.getConstifiedMixedOffset(),
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(span)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  // Whole registers: the span's last, partial one as a masked load (LLVM
  // splits a vector of another length into pieces of 8, 4, 2 and 1
  // elements and the shuffle into inserts of single elements).
  int64_t loaded = llvm::alignTo(span, kRegisterFloats);
  auto loadedType = VectorType::get({loaded}, type.getElementType());
  Value all;
  if (loaded == span) {
    all = vector::LoadOp::create(rewriter, loc, loadedType, elements,
                                 ValueRange{zero});
  } else {
    SmallVector<bool> inSpan(loaded, false);
    std::fill_n(inSpan.begin(), span, true);
    Value mask = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(loadedType.clone(rewriter.getI1Type()),
                               ArrayRef<bool>(inSpan)));
    Value passThru = arith::ConstantOp::create(
        rewriter, loc, loadedType, rewriter.getZeroAttr(loadedType));
    all = vector::MaskedLoadOp::create(rewriter, loc, loadedType, elements,
                                       ValueRange{zero}, mask, passThru);
  }
  auto vectorType = VectorType::get(type.getShape(), type.getElementType());
  SmallVector<Value> indices(type.getRank(), zero);
  for (auto [out, delta] : llvm::zip(outs, deltas)) {
    SmallVector<int64_t> everySth;
    for (int64_t i = 0; i < n; ++i)
      everySth.push_back(delta + i * stride);
    Value picked = vector::ShuffleOp::create(rewriter, loc, all, all, everySth);
    Value shaped =
        vector::ShapeCastOp::create(rewriter, loc, vectorType, picked);
    vector::TransferWriteOp::create(rewriter, loc, shaped, out, indices,
                                    SmallVector<bool>(type.getRank(), true));
  }
}

/// The static offsets of views `ins` along their last dim relative to the
/// first's, if all are views with static offsets there (phases of rows,
/// see phaseCopies), the first the least; {0} for one copy.
std::optional<SmallVector<int64_t>> phaseDeltas(ValueRange ins) {
  if (ins.size() == 1)
    return SmallVector<int64_t>{0};
  SmallVector<int64_t> offsets;
  for (Value in : ins) {
    auto view = in.getDefiningOp<memref::SubViewOp>();
    if (!view || ShapedType::isDynamic(view.getStaticOffsets().back()))
      return std::nullopt;
    offsets.push_back(view.getStaticOffsets().back());
  }
  if (*llvm::min_element(offsets) != offsets[0])
    return std::nullopt;
  for (int64_t &o : offsets)
    o -= offsets.front();
  return offsets;
}

/// A copy or fill tiled into pieces of rows (all dims but the last one at a
/// time, the last in pieces of at most kMaxPiece elements), each piece one
/// vector write (and read). `copy` is a linalg.copy, a linalg.fill or the
/// copies of phases of the same rows as one generic (phaseCopies).
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
  bool large = type.getNumElements() * 4 >= kParallelBytes ||
               type.getNumElements() / width >= kParallelRows;
  bool nested = copy->getParentOfType<scf::ForallOp>() ||
                copy->getParentOfType<scf::ForOp>();
  scf::SCFTilingOptions options;
  options.setTileSizes(sizes).setLoopType(
      large && !nested ? scf::SCFTilingOptions::LoopType::ForallOp
                       : scf::SCFTilingOptions::LoopType::ForOp);
  // The phases of a row (phaseCopies), read once.
  std::optional<SmallVector<int64_t>> deltas = phaseDeltas(copy.getDpsInputs());
  rewriter.setInsertionPoint(copy);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(copy.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.eraseOp(copy);
  for (Operation *op : tiled->tiledOps) {
    rewriter.setInsertionPoint(op);
    auto pieceOp = cast<linalg::LinalgOp>(op);
    bool strided = llvm::any_of(pieceOp.getDpsInputs(), [](Value in) {
      auto type = dyn_cast<MemRefType>(in.getType());
      return type && lastStride(type) > 1;
    });
    if (!strided) {
      if (failed(linalg::vectorize(rewriter, op)))
        return failure();
    } else {
      int64_t stride =
          lastStride(cast<MemRefType>(pieceOp.getDpsInputs()[0].getType()));
      if (deltas) {
        copyStridedPieces(rewriter, op->getLoc(), pieceOp.getDpsInputs(),
                          pieceOp.getDpsInits(), stride, *deltas);
      } else {
        for (auto [in, out] :
             llvm::zip(pieceOp.getDpsInputs(), pieceOp.getDpsInits()))
          copyStridedPieces(rewriter, op->getLoc(), in, out, stride, {0});
      }
    }
    rewriter.eraseOp(op);
  }
  return success();
}

/// The buffer `v` is a view of.
Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<memref::SubViewOp>())
    v = view.getSource();
  return v;
}

/// Whether copies `a` and `b` copy phases of the same rows: their sources
/// are views of one buffer with the same sizes and strides, at offsets that
/// differ in the last dim only, by less than its stride; their destinations
/// have the same shape.
bool arePhasesOfRows(linalg::CopyOp a, linalg::CopyOp b) {
  auto va = a.getInputs()[0].getDefiningOp<memref::SubViewOp>();
  auto vb = b.getInputs()[0].getDefiningOp<memref::SubViewOp>();
  if (!va || !vb || a->getBlock() != b->getBlock() ||
      va.getSource() != vb.getSource() ||
      cast<MemRefType>(a.getOutputs()[0].getType()).getShape() !=
          cast<MemRefType>(b.getOutputs()[0].getType()).getShape() ||
      va.getStaticSizes() != vb.getStaticSizes() ||
      va.getStaticStrides() != vb.getStaticStrides())
    return false;
  int64_t stride = va.getStaticStrides().back();
  SmallVector<OpFoldResult> oa = va.getMixedOffsets(),
                            ob = vb.getMixedOffsets();
  for (size_t d = 0; d + 1 < oa.size(); ++d)
    if (oa[d] != ob[d])
      return false;
  std::optional<int64_t> la = getConstantIntValue(oa.back()),
                         lb = getConstantIntValue(ob.back());
  return stride > 1 && !ShapedType::isDynamic(stride) && la && lb &&
         std::abs(*la - *lb) < stride;
}

/// Whether only views, allocations and fills of buffers other than
/// `untouched` lie between `a` and `b` (b after a, in one block), so that
/// copies can move past them.
bool onlyOtherFillsBetween(Operation *a, Operation *b,
                           const llvm::SmallPtrSetImpl<Value> &untouched) {
  for (Operation *op = a->getNextNode(); op != b; op = op->getNextNode()) {
    if (isa<memref::SubViewOp, memref::AllocOp>(op))
      continue;
    auto fill = dyn_cast<linalg::FillOp>(op);
    if (!fill || untouched.contains(rootBuffer(fill.getOutputs()[0])))
      return false;
  }
  return true;
}

/// Each run of copies of phases of the same rows (a strided window's column
/// phases, each its own padded buffer) as one generic that copies them all:
/// its pieces copy the phases of one row in turn, the row read from memory
/// once and then from L1, where copy after copy would read the whole input
/// again for each phase.
SmallVector<linalg::LinalgOp>
phaseCopies(RewriterBase &rewriter, MutableArrayRef<linalg::CopyOp> copies) {
  SmallVector<linalg::LinalgOp> result;
  for (size_t i = 0; i < copies.size();) {
    // The run's source and destinations: nothing between its copies may
    // write them (the copies all move to the last one's place).
    llvm::SmallPtrSet<Value, 4> untouched = {
        rootBuffer(copies[i].getInputs()[0]),
        rootBuffer(copies[i].getOutputs()[0])};
    size_t j = i + 1;
    while (j < copies.size() && arePhasesOfRows(copies[i], copies[j]) &&
           onlyOtherFillsBetween(copies[j - 1], copies[j], untouched)) {
      untouched.insert(rootBuffer(copies[j].getOutputs()[0]));
      ++j;
    }
    if (j == i + 1) {
      result.push_back(copies[i]);
      i = j;
      continue;
    }
    // In the order of their offsets in the row: read from the first.
    SmallVector<linalg::CopyOp> run(copies.begin() + i, copies.begin() + j);
    llvm::sort(run, [](linalg::CopyOp a, linalg::CopyOp b) {
      auto offset = [](linalg::CopyOp c) {
        return c.getInputs()[0]
            .getDefiningOp<memref::SubViewOp>()
            .getStaticOffsets()
            .back();
      };
      return offset(a) < offset(b);
    });
    SmallVector<Value> ins, outs;
    for (linalg::CopyOp c : run) {
      ins.push_back(c.getInputs()[0]);
      outs.push_back(c.getOutputs()[0]);
    }
    int64_t rank = cast<MemRefType>(ins[0].getType()).getRank();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    rewriter.setInsertionPoint(copies[j - 1]);
    auto generic = linalg::GenericOp::create(
        rewriter, copies[j - 1].getLoc(), TypeRange{}, ins, outs,
        SmallVector<AffineMap>(2 * ins.size(), id),
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(b, loc, args.take_front(ins.size()));
        });
    for (size_t k = i; k < j; ++k)
      rewriter.eraseOp(copies[k]);
    result.push_back(generic);
    i = j;
  }
  return result;
}

struct VectorizeCopiesPass
    : convc::impl::VectorizeCopiesPassBase<VectorizeCopiesPass> {
  void runOnOperation() override {
    // Copies and fills (a padded tensor's border) of buffers with static,
    // non-empty shapes.
    SmallVector<linalg::CopyOp> copies;
    SmallVector<linalg::LinalgOp> fills;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::CopyOp, linalg::FillOp>(op) || op.getNumDpsInits() != 1)
        return;
      auto type = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
      if (!op.hasPureBufferSemantics() || !type || !type.hasStaticShape() ||
          type.getRank() == 0 || type.getNumElements() == 0)
        return;
      if (auto copy = dyn_cast<linalg::CopyOp>(op.getOperation()))
        copies.push_back(copy);
      else
        fills.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops = phaseCopies(rewriter, copies);
    llvm::append_range(ops, fills);
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
