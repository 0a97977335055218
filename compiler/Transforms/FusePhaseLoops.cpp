//===- FusePhaseLoops.cpp - a transposed convolution's phases in one loop -===//
//
// A transposed convolution of stride s is s x s phases, each a convolution
// whose result is inserted, strided, into the output; on a CPU each phase
// is its own loop over cache blocks, an OpenMP loop. Their blocks are
// equally many and of equal size, but not equally costly: a block at the
// border skips the taps that read padding, and which thread gets it
// differs between phases. Four loops wait for their slowest thread four
// times (T1 at 2 threads: each thread waited 15 to 25 % of each phase,
// alternately). This pass makes one loop of them, each block computing
// its position in every phase, in place in the output:
//
//   %0 = scf.forall (%i) ... (%empty) {   %e = expand_shape %out [16] to [8, 2]
//     %b = extract_slice %o[%i] [4]       %r = scf.forall (%i) ... (%e) {
//     ... %t (from %b)                      %b = extract_slice %o[%i, 0] [4, 2]
//     parallel_insert_slice %t           ->  %b0 = extract_slice %b[0, 0] [4,
//     1]
//       into %o[%i] [4]                      ... %t (from %b0)
//   }                                        %b1 = insert_slice %t into %b[0,
//   0] %1 = insert_slice %0 into %out           %c0 = extract_slice %b1[0, 1]
//   [4, 1]
//          [0] [8] [2]                       ... %u (from %c0)
//   %2 = scf.forall (%i) ... {...}           %b2 = insert_slice %u into %b1[0,
//   1] %3 = insert_slice %2 into %1             parallel_insert_slice %b2
//          [1] [8] [2]                         into %o[%i, 0] [4, 2]
//                                          }
//                                          %3 = collapse_shape %r
//
// Each strided dim of the output is split into (index / stride, index %
// stride), so that the phases' slices are unit-stride and differ in a
// static index: one-shot bufferization proves them disjoint and keeps
// every phase in place (strided slices of one tensor have overlapping
// bounding boxes, and all phases but one would compute into temporaries).
// Each block writes the output once, with one parallel_insert_slice
// (upstream's single-iteration scf.forall folding keeps only one of
// several into the same tensor).
//
// The loops must have the same iterations, compute a block of an empty
// tensor (the same block of each, given by their induction variables) and
// be inserted with one stride per dim, dividing the output's size, into
// slices that differ only in their offsets modulo the strides.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseSet.h"

namespace convc {
#define GEN_PASS_DEF_FUSEPHASELOOPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

/// One phase: a parallel loop that computes the block `read` of its tensor
/// and writes it back with `write`, and the insertion of its result into
/// the output.
struct Phase {
  scf::ForallOp loop;
  tensor::ExtractSliceOp read;
  tensor::ParallelInsertSliceOp write;
  tensor::InsertSliceOp insert;
};

bool sameSlice(OffsetSizeAndStrideOpInterface a,
               OffsetSizeAndStrideOpInterface b) {
  auto same = [](ArrayRef<OpFoldResult> x, ArrayRef<OpFoldResult> y) {
    return x.size() == y.size() && llvm::all_of(llvm::zip(x, y), [](auto pair) {
             return isEqualConstantIntOrValue(std::get<0>(pair),
                                              std::get<1>(pair));
           });
  };
  return same(a.getMixedOffsets(), b.getMixedOffsets()) &&
         same(a.getMixedSizes(), b.getMixedSizes()) &&
         same(a.getMixedStrides(), b.getMixedStrides());
}

/// The phase whose result `insert` inserts, if its loop may join others:
/// it reads one block of an empty tensor, its tensor's rank and of static
/// shape, with unit strides, and writes it back.
std::optional<Phase> phaseOf(tensor::InsertSliceOp insert) {
  auto loop = insert.getSource().getDefiningOp<scf::ForallOp>();
  if (!loop || loop.getNumResults() != 1 || !loop->hasOneUse() ||
      loop.getMapping() ||
      !loop.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    return std::nullopt;
  Phase phase{loop, {}, {}, insert};
  Value shared = loop.getRegionIterArgs()[0];
  for (OpOperand &use : shared.getUses()) {
    if (auto read = dyn_cast<tensor::ExtractSliceOp>(use.getOwner());
        read && !phase.read && read->getBlock() == loop.getBody())
      phase.read = read;
    else if (auto write =
                 dyn_cast<tensor::ParallelInsertSliceOp>(use.getOwner());
             write && !phase.write && use.get() == write.getDest())
      phase.write = write;
    else
      return std::nullopt;
  }
  if (!phase.read || !phase.write || !sameSlice(phase.read, phase.write) ||
      !phase.read.getType().hasStaticShape() ||
      phase.read.getType().getRank() != insert.getSourceType().getRank() ||
      !phase.read.hasUnitStride())
    return std::nullopt;
  return phase;
}

/// Whether the phases have the same iterations and compute the same
/// block in each: the same constants or induction variables.
bool sameBlocks(Phase a, Phase b) {
  auto same = [&](ArrayRef<OpFoldResult> x, ArrayRef<OpFoldResult> y) {
    return llvm::all_of(llvm::zip(x, y), [&](auto pair) {
      auto [u, v] = pair;
      if (isEqualConstantIntOrValue(u, v))
        return true;
      auto ivU = dyn_cast_if_present<BlockArgument>(dyn_cast<Value>(u));
      auto ivV = dyn_cast_if_present<BlockArgument>(dyn_cast<Value>(v));
      return ivU && ivV && ivU.getOwner() == a.loop.getBody() &&
             ivV.getOwner() == b.loop.getBody() &&
             ivU.getArgNumber() == ivV.getArgNumber();
    });
  };
  scf::ForallOp x = a.loop, y = b.loop;
  return x.getRank() == y.getRank() &&
         same(x.getMixedLowerBound(), y.getMixedLowerBound()) &&
         same(x.getMixedUpperBound(), y.getMixedUpperBound()) &&
         same(x.getMixedStep(), y.getMixedStep()) &&
         same(a.read.getMixedOffsets(), b.read.getMixedOffsets()) &&
         a.read.getType() == b.read.getType();
}

/// The output with each strided dim d split in two, (i / s_d, i % s_d),
/// and where the phases lie in it.
struct Expansion {
  /// Per output dim: the stride s_d and the phases' first index / s_d
  /// (their first index where s_d = 1).
  SmallVector<int64_t> strides, starts;
  RankedTensorType type;
  SmallVector<ReassociationIndices> groups;
};

/// The expansion in which the phases' slices are unit-stride and differ
/// only in the remainder dims, if there is one.
std::optional<Expansion> expansionOf(ArrayRef<Phase> phases) {
  tensor::InsertSliceOp first = phases.front().insert;
  RankedTensorType outType = first.getDestType();
  if (!outType.hasStaticShape())
    return std::nullopt;
  Expansion expansion;
  SmallVector<int64_t> shape;
  llvm::DenseSet<SmallVector<int64_t>> remainders;
  for (Phase phase : phases) {
    tensor::InsertSliceOp insert = phase.insert;
    if (insert.getStaticStrides() != first.getStaticStrides() ||
        insert.getStaticSizes() != first.getStaticSizes() ||
        insert.getSourceType().getRank() != outType.getRank() ||
        ShapedType::isDynamicShape(insert.getStaticOffsets()))
      return std::nullopt;
    SmallVector<int64_t> remainder;
    for (auto [d, s] : llvm::enumerate(insert.getStaticStrides())) {
      if (ShapedType::isDynamic(s) || s < 1 || outType.getDimSize(d) % s)
        return std::nullopt;
      int64_t offset = insert.getStaticOffsets()[d];
      int64_t firstOffset = first.getStaticOffsets()[d];
      if (offset / s != firstOffset / s || (s == 1 && offset != firstOffset))
        return std::nullopt;
      remainder.push_back(offset % s);
    }
    if (!remainders.insert(remainder).second)
      return std::nullopt;
  }
  for (auto [d, s] : llvm::enumerate(first.getStaticStrides())) {
    expansion.strides.push_back(s);
    expansion.starts.push_back(first.getStaticOffsets()[d] / s);
    ReassociationIndices group{static_cast<int64_t>(shape.size())};
    if (s == 1) {
      shape.push_back(outType.getDimSize(d));
    } else {
      shape.append({outType.getDimSize(d) / s, s});
      group.push_back(group.front() + 1);
    }
    expansion.groups.push_back(group);
  }
  expansion.type = outType.clone(shape);
  return expansion;
}

/// The phases whose insertions end in `last`, first to last; none if
/// fewer than two can be one loop.
SmallVector<Phase> phasesEndingIn(tensor::InsertSliceOp last) {
  SmallVector<Phase> phases;
  for (tensor::InsertSliceOp insert = last; insert;
       insert = insert.getDest().getDefiningOp<tensor::InsertSliceOp>()) {
    std::optional<Phase> phase = phaseOf(insert);
    if (!phase || (insert != last && !insert->hasOneUse()) ||
        insert->getBlock() != last->getBlock() ||
        (!phases.empty() && !sameBlocks(*phase, phases.front())))
      break;
    phases.insert(phases.begin(), *phase);
  }
  if (phases.size() < 2 || !expansionOf(phases))
    return {};
  return phases;
}

/// A slice of the expanded output, or of a block of it.
struct Slice {
  SmallVector<OpFoldResult> offsets, sizes;
};

void fusePhases(RewriterBase &rewriter, ArrayRef<Phase> phases) {
  Expansion expansion = *expansionOf(phases);
  Phase first = phases.front();
  tensor::InsertSliceOp last = phases.back().insert;
  Location loc = first.loop.getLoc();
  rewriter.setInsertionPoint(last);
  Value expanded = tensor::ExpandShapeOp::create(
      rewriter, loc, expansion.type, first.insert.getDest(), expansion.groups);
  auto fused = scf::ForallOp::create(
      rewriter, loc, first.loop.getMixedLowerBound(),
      first.loop.getMixedUpperBound(), first.loop.getMixedStep(),
      ValueRange{expanded}, std::nullopt);
  Value dest = fused.getRegionIterArgs()[0];
  scf::InParallelOp terminator = fused.getTerminator();

  // The block: the phases' block along each unit-stride dim and quotient
  // dim, every remainder.
  IRMapping ivs;
  ivs.map(first.loop.getInductionVars(), fused.getInductionVars());
  rewriter.setInsertionPoint(terminator);
  AffineExpr d0 = rewriter.getAffineDimExpr(0);
  ArrayRef<int64_t> blockSizes = first.read.getType().getShape();
  Slice block;
  for (auto [d, offset] : llvm::enumerate(first.read.getMixedOffsets())) {
    auto value = dyn_cast<Value>(offset);
    block.offsets.push_back(affine::makeComposedFoldedAffineApply(
        rewriter, loc, d0 + expansion.starts[d],
        {value ? OpFoldResult(ivs.lookupOrDefault(value)) : offset}));
    block.sizes.push_back(rewriter.getIndexAttr(blockSizes[d]));
    if (int64_t s = expansion.strides[d]; s > 1) {
      block.offsets.push_back(rewriter.getIndexAttr(0));
      block.sizes.push_back(rewriter.getIndexAttr(s));
    }
  }
  SmallVector<OpFoldResult> unitStrides(block.sizes.size(),
                                        rewriter.getIndexAttr(1));
  Value tile = tensor::ExtractSliceOp::create(
      rewriter, loc, dest, block.offsets, block.sizes, unitStrides);

  for (Phase phase : phases) {
    // The phase's part of the block: its remainders.
    Slice part;
    SmallVector<int64_t> partShape;
    for (auto [d, s] : llvm::enumerate(expansion.strides)) {
      part.offsets.push_back(rewriter.getIndexAttr(0));
      part.sizes.push_back(rewriter.getIndexAttr(blockSizes[d]));
      partShape.push_back(blockSizes[d]);
      if (s == 1)
        continue;
      part.offsets.push_back(
          rewriter.getIndexAttr(phase.insert.getStaticOffsets()[d] % s));
      part.sizes.push_back(rewriter.getIndexAttr(1));
      partShape.push_back(1);
    }
    IRMapping map;
    map.map(phase.loop.getInductionVars(), fused.getInductionVars());
    for (Operation &op : phase.loop.getBody()->without_terminator()) {
      if (&op != phase.read.getOperation()) {
        rewriter.clone(op, map);
        continue;
      }
      Value partIn = tensor::ExtractSliceOp::create(
          rewriter, loc, tile, part.offsets, part.sizes, unitStrides);
      map.map(phase.read.getResult(), tensor::CollapseShapeOp::create(
                                          rewriter, loc, phase.read.getType(),
                                          partIn, expansion.groups));
    }
    Value partOut = tensor::ExpandShapeOp::create(
        rewriter, loc, phase.read.getType().clone(partShape),
        map.lookupOrDefault(phase.write.getSource()), expansion.groups);
    tile = tensor::InsertSliceOp::create(rewriter, loc, partOut, tile,
                                         part.offsets, part.sizes, unitStrides);
  }
  rewriter.setInsertionPointToEnd(terminator.getBody());
  tensor::ParallelInsertSliceOp::create(
      rewriter, loc, tile, dest, block.offsets, block.sizes, unitStrides);
  rewriter.setInsertionPoint(last);
  rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
      last, last.getType(), fused.getResult(0), expansion.groups);
  for (Phase phase : llvm::reverse(phases)) {
    if (phase.insert != last)
      rewriter.eraseOp(phase.insert);
    rewriter.eraseOp(phase.loop);
  }
}

struct FusePhaseLoopsPass
    : convc::impl::FusePhaseLoopsPassBase<FusePhaseLoopsPass> {
  void runOnOperation() override {
    // The last insertion of each chain (whose result no further phase's
    // insertion takes).
    SmallVector<SmallVector<Phase>> chains;
    getOperation().walk([&](tensor::InsertSliceOp insert) {
      auto next = insert->hasOneUse()
                      ? dyn_cast<tensor::InsertSliceOp>(*insert->user_begin())
                      : tensor::InsertSliceOp();
      if (next && next.getDest() == insert.getResult() && phaseOf(next))
        return;
      SmallVector<Phase> phases = phasesEndingIn(insert);
      if (!phases.empty())
        chains.push_back(std::move(phases));
    });
    IRRewriter rewriter(&getContext());
    for (ArrayRef<Phase> phases : chains)
      fusePhases(rewriter, phases);
  }
};

} // namespace
