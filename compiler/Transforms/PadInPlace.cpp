//===- PadInPlace.cpp - producers write into their padded buffer ----------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace convc {
#define GEN_PASS_DEF_PADINPLACEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

/// Where the padded tensor must exist for the source's producer to write
/// into it: before the producer and before the destination it writes
/// (both in the pad's block), else just before the pad.
Operation *insertionPoint(tensor::PadOp pad) {
  Block *block = pad->getBlock();
  Operation *first = pad;
  auto consider = [&](Value v) {
    Operation *def = v.getDefiningOp();
    if (def && def->getBlock() == block && def->isBeforeInBlock(first))
      first = def;
  };
  Value source = pad.getSource();
  consider(source);
  if (auto dps = source.getDefiningOp<DestinationStyleOpInterface>())
    for (OpOperand &init : dps.getDpsInitsMutable())
      consider(init.get());
  return first;
}

/// Makes the readers of `source` that come after `padded` (its padded copy,
/// but for `insert`, which puts it there) read the copy's interior instead:
/// the slice of `padded` at `offsets`, `sizes` and `strides`.
void readInterior(RewriterBase &rewriter, DominanceInfo &dominance,
                  Value source, Value padded, Operation *insert,
                  ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                  ArrayRef<OpFoldResult> strides) {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(padded);
  Value interior = tensor::ExtractSliceOp::create(
      rewriter, source.getLoc(), cast<RankedTensorType>(source.getType()),
      padded, offsets, sizes, strides);
  rewriter.replaceUsesWithIf(source, interior, [&](OpOperand &use) {
    return use.getOwner() != insert &&
           dominance.properlyDominates(interior, use.getOwner());
  });
}

/// The cache blocks of a CPU loop (an scf.forall with no mapping) that
/// produces a tensor: per dim, the loop's induction variable at which a
/// block's slice starts (`iv`), or -1 where every block has the whole dim,
/// and the block's static size.
struct Blocks {
  scf::ForallOp loop;
  SmallVector<int64_t> iv, sizes;
};

std::optional<Blocks> blocksOf(Value source) {
  auto loop = source.getDefiningOp<scf::ForallOp>();
  if (!loop || loop.getMapping())
    return std::nullopt;
  SmallVector<Operation *> combining =
      loop.getCombiningOps(loop.getTiedBlockArgument(cast<OpResult>(source)));
  auto insert = combining.size() == 1
                    ? dyn_cast<tensor::ParallelInsertSliceOp>(combining[0])
                    : tensor::ParallelInsertSliceOp();
  if (!insert || !insert.hasUnitStride() ||
      ShapedType::isDynamicShape(insert.getStaticSizes()))
    return std::nullopt;
  Blocks blocks{loop, {}, llvm::to_vector(insert.getStaticSizes())};
  ArrayRef<int64_t> shape = insert.getDestType().getShape();
  SmallVector<Value> ivs = loop.getInductionVars();
  for (auto [i, offset] : llvm::enumerate(insert.getMixedOffsets())) {
    auto v = dyn_cast<Value>(offset);
    if (v && llvm::is_contained(ivs, v))
      blocks.iv.push_back(llvm::find(ivs, v) - ivs.begin());
    else if (!v && *getConstantIntValue(offset) == 0 &&
             blocks.sizes[i] == shape[i])
      blocks.iv.push_back(-1);
    else
      return std::nullopt;
  }
  return blocks;
}

/// Fills the slabs of `padded`'s border along the dims in `order` that
/// `blocks` (of the interior's producer) do not tile, in a loop over the
/// same blocks: each block the part next to its own part
/// of the interior, as the slabs are restricted to the interior in the
/// dims before theirs in `order` (the tiled ones among them). OpenMP gives
/// each block of both loops to the same thread, and
/// convc-merge-border-fills runs the fills (marked kBlockBorderAttr) in
/// the producer's blocks after bufferization: the lines a block's border
/// shares with its interior stay in its core's cache. (One thread filling
/// every column after the blocks took each line another core wrote:
/// 0.011-0.024 ms per padded tensor of ResNet-18 at 2 threads.) Returns
/// the filled tensor.
Value fillBorderInBlocks(RewriterBase &rewriter, Location loc,
                         const Blocks &blocks, Value padded, Value value,
                         ArrayRef<int64_t> order, ArrayRef<int64_t> low,
                         ArrayRef<int64_t> inner, ArrayRef<int64_t> outer) {
  scf::ForallOp loop = blocks.loop;
  ArrayRef<int64_t> tiled = blocks.iv;
  int64_t rank = outer.size();
  SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));
  // A loop per slab: several slices of one loop's destination at offsets
  // that vary with the block would not bufferize in place.
  for (auto [k, d] : llvm::enumerate(order)) {
    if (tiled[d] >= 0)
      continue;
    for (bool high : {false, true}) {
      int64_t size = high ? outer[d] - low[d] - inner[d] : low[d];
      if (size == 0)
        continue;
      auto fill = scf::ForallOp::create(
          rewriter, loc, loop.getMixedLowerBound(), loop.getMixedUpperBound(),
          loop.getMixedStep(), ValueRange{padded}, std::nullopt);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(fill.getTerminator());
      SmallVector<OpFoldResult> at(rank), extent(rank);
      for (int64_t i = 0; i < rank; ++i) {
        bool before = llvm::is_contained(order.take_front(k), i);
        at[i] = rewriter.getIndexAttr(before ? low[i] : 0);
        extent[i] = rewriter.getIndexAttr(before ? inner[i] : outer[i]);
        if (before && tiled[i] >= 0) {
          // The block's own part of the interior.
          at[i] = Value(arith::AddIOp::create(
              rewriter, loc, fill.getInductionVars()[tiled[i]],
              arith::ConstantIndexOp::create(rewriter, loc, low[i])));
          extent[i] = rewriter.getIndexAttr(blocks.sizes[i]);
        }
      }
      at[d] = rewriter.getIndexAttr(high ? low[d] + inner[d] : 0);
      extent[d] = rewriter.getIndexAttr(size);
      Value out = fill.getRegionIterArgs()[0];
      Value slab =
          tensor::ExtractSliceOp::create(rewriter, loc, out, at, extent, ones);
      auto zeros = linalg::FillOp::create(rewriter, loc, value, slab);
      zeros->setAttr(convc::kBlockBorderAttr, rewriter.getUnitAttr());
      rewriter.setInsertionPointToStart(fill.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(rewriter, loc, zeros.getResult(0),
                                            out, at, extent, ones);
      padded = fill.getResult(0);
    }
  }
  return padded;
}

/// tensor.pad -> border fills of a padded empty tensor + insert_slice.
LogicalResult padInPlace(RewriterBase &rewriter, DominanceInfo &dominance,
                         tensor::PadOp pad) {
  auto type = pad.getResultType();
  Value value = pad.getConstantPaddingValue();
  if (!type.hasStaticShape() || !pad.getSourceType().hasStaticShape() ||
      !value || (pad.hasZeroLowPad() && pad.hasZeroHighPad()))
    return failure();
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  if (ShapedType::isDynamicShape(low) || ShapedType::isDynamicShape(high))
    return failure();
  ArrayRef<int64_t> inner = pad.getSourceType().getShape();
  ArrayRef<int64_t> outer = type.getShape();
  int64_t rank = type.getRank();
  // Named after the layer, with ":pad" (the profile's name for this work).
  Location loc = pad.getLoc();
  std::optional<std::string> layer;
  loc->walk([&](Location l) {
    if (auto named = dyn_cast<NameLoc>(l))
      layer = named.getName().str() + ":pad";
    return layer ? WalkResult::interrupt() : WalkResult::advance();
  });
  if (layer)
    loc = NameLoc::get(StringAttr::get(loc.getContext(), *layer), loc);

  // A pad whose only use materializes it in a destination (a buffer that
  // several versions of a copy share) is padded in that destination.
  auto materialize = pad->hasOneUse()
                         ? dyn_cast<bufferization::MaterializeInDestinationOp>(
                               *pad->user_begin())
                         : bufferization::MaterializeInDestinationOp();
  if (materialize && !isa<RankedTensorType>(materialize.getDest().getType()))
    materialize = {};
  rewriter.setInsertionPoint(materialize ? pad.getOperation()
                                         : insertionPoint(pad));
  // The padding value may be defined after the insertion point.
  Attribute constant;
  if (!matchPattern(value, m_Constant(&constant)))
    return failure();
  Value fillValue =
      arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(constant));
  Value padded = materialize ? materialize.getDest()
                             : tensor::EmptyOp::create(rewriter, loc, outer,
                                                       type.getElementType())
                                   .getResult();
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t i = 0; i < rank; ++i) {
    offsets.push_back(rewriter.getIndexAttr(low[i]));
    sizes.push_back(rewriter.getIndexAttr(inner[i]));
    strides.push_back(rewriter.getIndexAttr(1));
  }
  Operation *insert = nullptr;
  auto insertInterior = [&] {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(pad);
    insert = tensor::InsertSliceOp::create(rewriter, loc, pad.getSource(),
                                           padded, offsets, sizes, strides);
    padded = insert->getResult(0);
  };
  // The border of a computed tensor after its interior: the producer has
  // just written the lines the border shares with the interior (a row's
  // last and the next row's first elements), which are then in cache;
  // filled before it, every line of the border came from memory
  // (MobileNetV2's border fills 0.32 -> 0.20 ms). The border of a copy
  // (a model input) before it: the copy runs on every thread, and with
  // fills on one after it ResNet's first layer at 2 threads took 1.07 ms
  // instead of 0.58 in 3 of 4 benchmark runs (the lines they share are in
  // the other threads' caches).
  bool computed = pad.getSource().getDefiningOp<DestinationStyleOpInterface>();
  if (computed) {
    insertInterior();
    rewriter.setInsertionPoint(pad);
  }
  // Disjoint slabs: along dimension d, the low and the high slab,
  // restricted to the interior in the dimensions cut before d: first those
  // that the blocks of a computed source's producer tile, the others in
  // its blocks (fillBorderInBlocks).
  std::optional<Blocks> blocks;
  if (computed && !materialize)
    blocks = blocksOf(pad.getSource());
  bool inBlocks = false;
  for (int64_t d = 0; blocks && d < rank; ++d)
    inBlocks |= blocks->iv[d] < 0 && (low[d] || high[d]);
  auto tiled = [&](int64_t d) { return inBlocks && blocks->iv[d] >= 0; };
  SmallVector<int64_t> order;
  for (int64_t d = 0; d < rank; ++d)
    if (tiled(d))
      order.push_back(d);
  for (int64_t d = 0; d < rank; ++d)
    if (!tiled(d))
      order.push_back(d);
  if (inBlocks)
    padded = fillBorderInBlocks(rewriter, loc, *blocks, padded, fillValue,
                                order, low, inner, outer);
  auto fillSlab = [&](int64_t k, int64_t offset, int64_t size) {
    int64_t d = order[k];
    if (size == 0)
      return;
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t i = 0; i < rank; ++i) {
      bool before = llvm::is_contained(ArrayRef(order).take_front(k), i);
      int64_t o = before ? low[i] : 0, s = before ? inner[i] : outer[i];
      if (i == d)
        o = offset, s = size;
      offsets.push_back(rewriter.getIndexAttr(o));
      sizes.push_back(rewriter.getIndexAttr(s));
      strides.push_back(rewriter.getIndexAttr(1));
    }
    Value slab = tensor::ExtractSliceOp::create(rewriter, loc, padded, offsets,
                                                sizes, strides);
    Value filled =
        linalg::FillOp::create(rewriter, loc, fillValue, slab).getResult(0);
    padded = tensor::InsertSliceOp::create(rewriter, loc, filled, padded,
                                           offsets, sizes, strides);
  };
  for (auto [k, d] : llvm::enumerate(order)) {
    if (inBlocks && !tiled(d))
      continue;
    fillSlab(k, 0, low[d]);
    fillSlab(k, low[d] + inner[d], high[d]);
  }
  if (!computed)
    insertInterior();
  // The source's other readers (after the pad) read the padded tensor's
  // interior, so that the source has no other use than its insertion and
  // its producer can write into the interior: otherwise it writes a buffer
  // of its own, copied into the interior (a ResNet block's input, which
  // its residual add reads too: 0.04-0.07 ms each).
  if (computed && !materialize)
    readInterior(rewriter, dominance, pad.getSource(), padded, insert, offsets,
                 sizes, strides);
  if (materialize) {
    rewriter.replaceOp(materialize, padded);
    rewriter.eraseOp(pad);
  } else {
    rewriter.replaceOp(pad, padded);
  }
  return success();
}

struct PadInPlacePass : convc::impl::PadInPlacePassBase<PadInPlacePass> {
  void runOnOperation() override {
    SmallVector<tensor::PadOp> pads;
    getOperation().walk([&](tensor::PadOp pad) { pads.push_back(pad); });
    IRRewriter rewriter(&getContext());
    DominanceInfo dominance(getOperation());
    for (tensor::PadOp pad : pads)
      (void)padInPlace(rewriter, dominance, pad);
  }
};

} // namespace
