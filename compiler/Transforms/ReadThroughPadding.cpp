//===- ReadThroughPadding.cpp - reads of a padded tensor take its source --===//
//
// A convolution of a model input reads a zero-padded copy of it, which
// costs a pass over the input before the convolution and, at two threads,
// the lines one thread wrote and the other reads (R3: 4 % of its time at
// one thread, 8 % at two). Once `convc-skip-padding-taps` has made the
// border positions of the micro-kernels static, every read's position
// along the padded dims is known: in the source, partly in the padding at
// a static position, or entirely in the padding. Where that holds for
// every read of a pad, the reads take the source and the pad goes:
//
//   %p = tensor.pad %x low[0, 0, 1, 1]        (no copy)
//   scf.if (%row == 0) {                      scf.if (%row == 0) {
//     read %p[.., 0, %col]                      zeros
//     read %p[.., 1, 0] : vector<14>            read %x[.., 0, 0] : vector<13>
//                                               into zeros at [1]
//   } else {                                  } else {
//     read %p[.., %row, %col]                   read %x[.., %row - 1, %col - 1]
//
// A dynamic index is bounded by enumerating the iterations of the loops
// it depends on, less those that the enclosing `scf.if` chain of the
// specialization sends elsewhere (`%row == 0` in an else branch).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/LoopValues.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/ZeroPadding.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace convc {
#define GEN_PASS_DEF_READTHROUGHPADDINGPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;
using namespace convc;

namespace {

/// The most iterations of the loops around a read that are enumerated.
constexpr int64_t kMaxIterations = 1 << 16;

/// A condition `key == value` (or, in an else branch, `key != value`) that
/// an enclosing scf.if puts on the iterations that reach a read.
struct Condition {
  Value key;
  int64_t value;
  bool equal;
};

/// The conditions of the scf.if ops around `op` that compare an index with
/// a constant.
SmallVector<Condition> conditionsAround(Operation *op) {
  SmallVector<Condition> conditions;
  for (Operation *parent = op->getParentOp(); parent;
       op = parent, parent = parent->getParentOp()) {
    auto branch = dyn_cast<scf::IfOp>(parent);
    auto cmp =
        branch ? branch.getCondition().getDefiningOp<arith::CmpIOp>() : nullptr;
    if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::eq)
      continue;
    std::optional<int64_t> rhs = getConstantIntValue(cmp.getRhs());
    if (!rhs || getConstantIntValue(cmp.getLhs()))
      continue;
    bool inThen = op->getParentRegion() == &branch.getThenRegion();
    conditions.push_back({cmp.getLhs(), *rhs, inThen});
  }
  return conditions;
}

/// The least and greatest values `index` takes over the iterations that
/// reach `read`; nullopt when they are not known, {} when no iteration
/// reaches it.
std::optional<std::optional<std::pair<int64_t, int64_t>>>
indexRange(Value index, vector::TransferReadOp read) {
  SmallVector<Condition> conditions = conditionsAround(read);
  SmallVector<Value> values{index};
  for (const Condition &c : conditions)
    values.push_back(c.key);
  std::optional<SmallVector<SmallVector<int64_t>>> rows =
      iterationValues(values, kMaxIterations);
  if (!rows) {
    // Keys the enumeration cannot follow: the index over all its iterations.
    conditions.clear();
    rows = iterationValues({index}, kMaxIterations);
    if (!rows)
      return std::nullopt;
  }
  std::optional<std::pair<int64_t, int64_t>> range;
  for (ArrayRef<int64_t> row : *rows) {
    bool reaches = llvm::all_of(llvm::enumerate(conditions), [&](auto c) {
      return (row[c.index() + 1] == c.value().value) == c.value().equal;
    });
    if (!reaches)
      continue;
    if (!range)
      range = {row[0], row[0]};
    range->first = std::min(range->first, row[0]);
    range->second = std::max(range->second, row[0]);
  }
  return range;
}

/// How `read` of `pad` takes the source: per vector dim, the part of the
/// vector in the source ([lo, hi), the rest is padding); per tensor dim,
/// how far the source index is from the padded one.
struct SourceRead {
  SmallVector<int64_t> lo, hi;
  SmallVector<int64_t> shift;
  bool zero = false; // entirely in the padding
};

std::optional<SourceRead> sourceRead(vector::TransferReadOp read,
                                     tensor::PadOp pad) {
  VectorType type = read.getVectorType();
  if (type.isScalable())
    return std::nullopt;
  int64_t rank = read.getIndices().size();
  int64_t lead = rank - type.getRank();
  SourceRead s;
  s.lo.assign(type.getRank(), 0);
  s.hi = llvm::to_vector(type.getShape());
  for (int64_t d = 0; d < rank; ++d) {
    int64_t low = pad.getStaticLow()[d];
    int64_t size = pad.getSourceType().getDimSize(d);
    s.shift.push_back(-low);
    if (!low && !pad.getStaticHigh()[d])
      continue;
    int64_t extent = d >= lead ? type.getDimSize(d - lead) : 1;
    Value index = read.getIndices()[d];
    if (std::optional<int64_t> at = getConstantIntValue(index)) {
      // The elements [first, last) of this dim are in the source.
      int64_t first = std::clamp<int64_t>(low - *at, 0, extent);
      int64_t last = std::clamp<int64_t>(low + size - *at, 0, extent);
      if (first >= last) {
        s.zero = true;
        continue;
      }
      if (d >= lead) {
        s.lo[d - lead] = first;
        s.hi[d - lead] = last;
      }
      continue;
    }
    std::optional<std::optional<std::pair<int64_t, int64_t>>> range =
        indexRange(index, read);
    if (!range)
      return std::nullopt;
    if (*range && (inPadding(pad, d, (*range)->first) ||
                   inPadding(pad, d, (*range)->second + extent - 1)))
      return std::nullopt;
  }
  return s;
}

/// Rewrites `read` to take the source of `pad` as `s` says.
void readSource(RewriterBase &rewriter, vector::TransferReadOp read,
                tensor::PadOp pad, const SourceRead &s) {
  Location loc = read.getLoc();
  VectorType type = read.getVectorType();
  rewriter.setInsertionPoint(read);
  auto zeros = [&] {
    return arith::ConstantOp::create(rewriter, loc, type,
                                     rewriter.getZeroAttr(type));
  };
  if (s.zero) {
    rewriter.replaceOp(read, zeros());
    return;
  }
  int64_t lead = read.getIndices().size() - type.getRank();
  SmallVector<int64_t> shape;
  for (auto [lo, hi] : llvm::zip(s.lo, s.hi))
    shape.push_back(hi - lo);
  SmallVector<Value> indices;
  for (auto [d, index] : llvm::enumerate(read.getIndices())) {
    int64_t shift = s.shift[d] + (d >= (size_t)lead ? s.lo[d - lead] : 0);
    if (!shift) {
      indices.push_back(index);
      continue;
    }
    AffineExpr e = rewriter.getAffineSymbolExpr(0) + shift;
    indices.push_back(getValueOrCreateConstantIndexOp(
        rewriter, loc,
        affine::makeComposedFoldedAffineApply(
            rewriter, loc, AffineMap::get(0, 1, e), {OpFoldResult(index)})));
  }
  auto partType = VectorType::get(shape, type.getElementType());
  Value part = vector::TransferReadOp::create(
      rewriter, loc, partType, pad.getSource(), indices, read.getPadding(),
      SmallVector<bool>(shape.size(), true));
  if (partType == type) {
    rewriter.replaceOp(read, part);
    return;
  }
  rewriter.replaceOpWithNewOp<vector::InsertStridedSliceOp>(
      read, part, zeros(), s.lo, SmallVector<int64_t>(shape.size(), 1));
}

struct ReadThroughPaddingPass
    : convc::impl::ReadThroughPaddingPassBase<ReadThroughPaddingPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<tensor::PadOp> pads;
    getOperation()->walk([&](tensor::PadOp pad) {
      if (zeroPadding(pad.getResult()))
        pads.push_back(pad);
    });
    for (tensor::PadOp pad : pads) {
      SmallVector<std::pair<vector::TransferReadOp, SourceRead>> reads;
      bool all = !pad->use_empty();
      for (Operation *user : pad->getUsers()) {
        auto read = dyn_cast<vector::TransferReadOp>(user);
        std::optional<SourceRead> s = read && paddedRead(read) == pad
                                          ? sourceRead(read, pad)
                                          : std::nullopt;
        if (!s) {
          all = false;
          break;
        }
        reads.push_back({read, std::move(*s)});
      }
      if (!all)
        continue;
      for (auto &[read, s] : reads)
        readSource(rewriter, read, pad, s);
      rewriter.eraseOp(pad);
    }
  }
};

} // namespace
