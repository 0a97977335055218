//===- PadInPlace.cpp - producers write into their padded buffer ----------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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
  // restricted to the interior in the dimensions before d.
  auto fillSlab = [&](int64_t d, int64_t offset, int64_t size) {
    if (size == 0)
      return;
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t o = i < d ? low[i] : 0, s = i < d ? inner[i] : outer[i];
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
  for (int64_t d = 0; d < rank; ++d) {
    fillSlab(d, 0, low[d]);
    fillSlab(d, low[d] + inner[d], high[d]);
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
