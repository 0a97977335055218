//===- RowReads.cpp - vector reads of strided and padded rows -------------===//
//
// ResNet-18's max pool and MobileNetV2's first depthwise convolution read
// every other column of a padded plane. Copying each band's input rows, as
// padded column phases, cost them as much as the window itself (M2: a
// 0.054 ms read of the input took 0.11 ms with the copy); reading the
// source's rows as whole registers and shuffling the taps' columns out of
// them costs two loads and one shuffle per tap row, with no copy. See
// RowReads.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/RowReads.h"
#include "compiler/Transforms/LoopValues.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace convc;

namespace {

constexpr llvm::StringLiteral kPaddingInReads = "convc.padding_in_reads";

/// Iterations of the loops an index depends on that are enumerated to
/// bound it, at most.
constexpr int64_t kMaxIterations = 4096;

/// The slice of a marked pad that `read` reads, if any.
std::pair<tensor::ExtractSliceOp, tensor::PadOp>
paddedSlice(vector::TransferReadOp read) {
  auto slice = read.getBase().getDefiningOp<tensor::ExtractSliceOp>();
  auto pad = slice ? slice.getSource().getDefiningOp<tensor::PadOp>()
                   : tensor::PadOp();
  if (!pad || !pad->hasAttr(kPaddingInReads))
    return {};
  return {slice, pad};
}

/// `index` as an affine map of loop indices (and values defined outside
/// them) and its operands.
std::pair<AffineMap, SmallVector<Value>> composed(Value index) {
  AffineMap map = AffineMap::getMultiDimIdentityMap(1, index.getContext());
  SmallVector<Value> operands = {index};
  affine::fullyComposeAffineMapAndOperands(&map, &operands);
  return {map, operands};
}

/// The sum of the constant terms of `e`.
int64_t constantTerm(AffineExpr e) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return c.getValue();
  auto add = dyn_cast<AffineBinaryOpExpr>(e);
  if (!add || add.getKind() != AffineExprKind::Add)
    return 0;
  return constantTerm(add.getLHS()) + constantTerm(add.getRHS());
}

/// The constant term of `index`, an affine function of loop indices.
int64_t constantTerm(OpFoldResult index) {
  if (std::optional<int64_t> c = getConstantIntValue(index))
    return *c;
  return constantTerm(composed(cast<Value>(index)).first.getResult(0));
}

/// The least and the greatest value `index` takes over its loops'
/// iterations, if they can be enumerated.
std::optional<std::pair<int64_t, int64_t>> range(OpFoldResult index) {
  std::optional<SmallVector<int64_t>> values =
      indexValues(index, kMaxIterations);
  if (!values || values->empty())
    return std::nullopt;
  return std::make_pair(values->front(), values->back());
}

/// A vector of `type` built row by row: `row` gives the row (of the last
/// dim) at each position of the others.
Value fromRows(RewriterBase &rewriter, Location loc, VectorType type,
               function_ref<Value(ArrayRef<int64_t>)> row) {
  Value result = arith::ConstantOp::create(rewriter, loc, type,
                                           rewriter.getZeroAttr(type));
  SmallVector<int64_t> outer(type.getShape().drop_back());
  int64_t rows = ShapedType::getNumElements(outer);
  for (int64_t linear = 0; linear < rows; ++linear) {
    SmallVector<int64_t> pos = delinearize(linear, computeStrides(outer));
    Value picked = row(pos);
    result = pos.empty()
                 ? picked
                 : vector::InsertOp::create(rewriter, loc, picked, result, pos)
                       .getResult();
  }
  return result;
}

/// A read of rows of a strided view (a strided convolution's taps) -> per
/// row, one contiguous read of the underlying row, and where the view
/// takes every s-th element of it, a shuffle that keeps those. Otherwise
/// each element is loaded on its own.
struct ReadStridedRowsWhole : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto slice = read.getBase().getDefiningOp<tensor::ExtractSliceOp>();
    VectorType type = read.getVectorType();
    // A slice of a slice waits until the two are merged.
    if (!slice || slice.getSource().getDefiningOp<tensor::ExtractSliceOp>() ||
        slice.getType().getRank() != slice.getSourceType().getRank() ||
        read.getMask() || !read.getPermutationMap().isMinorIdentity() ||
        llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }) ||
        type.getRank() == 0 || type.isScalable())
      return failure();
    ArrayRef<int64_t> strides = slice.getStaticStrides();
    int64_t stride = strides.back();
    if (ShapedType::isDynamicShape(strides) ||
        llvm::all_of(strides, [](int64_t s) { return s == 1; }))
      return failure();

    Location loc = read.getLoc();
    int64_t rank = strides.size(), vectorRank = type.getRank();
    int64_t lanes = type.getShape().back();
    auto rowType =
        VectorType::get({(lanes - 1) * stride + 1}, type.getElementType());
    SmallVector<int64_t> everySth;
    for (int64_t i = 0; i < lanes; ++i)
      everySth.push_back(i * stride);
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
    AffineExpr offset, index;
    bindSymbols(rewriter.getContext(), offset, index);
    // Source index of tensor dim d at vector position `at` (0 for the dims
    // before the vector's).
    auto sourceIndex = [&](int64_t d, int64_t at) -> Value {
      AffineMap map = AffineMap::get(0, 2, offset + (index + at) * strides[d],
                                     rewriter.getContext());
      return getValueOrCreateConstantIndexOp(
          rewriter, loc,
          affine::makeComposedFoldedAffineApply(
              rewriter, loc, map, {offsets[d], read.getIndices()[d]}));
    };
    auto readRow = [&](ArrayRef<int64_t> pos) -> Value {
      SmallVector<Value> indices;
      for (int64_t d = 0; d < rank; ++d) {
        int64_t v = d - (rank - vectorRank);
        indices.push_back(
            sourceIndex(d, v >= 0 && v < vectorRank - 1 ? pos[v] : 0));
      }
      Value row = vector::TransferReadOp::create(
          rewriter, loc, rowType, slice.getSource(), indices, read.getPadding(),
          ArrayRef<bool>{true});
      return stride == 1
                 ? row
                 : vector::ShuffleOp::create(rewriter, loc, row, row, everySth)
                       .getResult();
    };
    rewriter.replaceOp(read, fromRows(rewriter, loc, type, readRow));
    return success();
  }
};

/// A read of a slice of a marked pad -> per row of the vector, reads of
/// the source row's registers and shuffles that pick the slice's columns.
/// The registers start at a column that the reads of a window's taps share
/// (they differ by less than a register), so that CSE leaves one load of
/// each; a register wholly past the row's end is the padding value, one
/// partly past it a masked load, and one that starts before the row (a
/// static column, see peelBorderTiles) the row's first elements shifted
/// right with the padding value before them. A row in the padding (the
/// index of a padded dim out of the source at some iteration) is masked
/// off, at a clamped index.
struct ReadPaddedRows : OpRewritePattern<vector::TransferReadOp> {
  ReadPaddedRows(MLIRContext *ctx, int64_t vectorBits)
      : OpRewritePattern(ctx, /*benefit=*/2), vectorBits(vectorBits) {}

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto [slice, pad] = paddedSlice(read);
    VectorType type = read.getVectorType();
    if (!pad || slice.getType().getRank() != slice.getSourceType().getRank() ||
        read.getMask() || !read.getPermutationMap().isMinorIdentity() ||
        llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }) ||
        type.getRank() == 0 || type.isScalable() ||
        ShapedType::isDynamicShape(slice.getStaticStrides()) ||
        ShapedType::isDynamicShape(pad.getStaticLow()) ||
        ShapedType::isDynamicShape(pad.getStaticHigh()) ||
        !pad.getConstantPaddingValue() || !pad.getSourceType().hasStaticShape())
      return failure();
    int64_t width = vectorBits / type.getElementTypeBitWidth();
    if (width < 1)
      return failure();

    Value source = pad.getSource(), padding = pad.getConstantPaddingValue();
    ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
    ArrayRef<int64_t> shape = pad.getSourceType().getShape();
    ArrayRef<int64_t> strides = slice.getStaticStrides();
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
    int64_t rank = shape.size(), vectorRank = type.getRank();
    int64_t last = rank - 1, lanes = type.getShape().back();
    // The read's indices in the slice (the vectorizer's are constants).
    SmallVector<int64_t> at;
    for (Value i : read.getIndices()) {
      std::optional<int64_t> c = getConstantIntValue(i);
      if (!c)
        return failure();
      at.push_back(*c);
    }
    // Dim d's source index at vector position `pos` is offsets[d] plus:
    auto sourceShift = [&](int64_t d, int64_t pos) {
      return (at[d] + pos) * strides[d] - low[d];
    };
    // The least and greatest value of offsets[d] plus `c`.
    auto rangeOf =
        [&](int64_t d,
            int64_t c) -> std::optional<std::pair<int64_t, int64_t>> {
      std::optional<std::pair<int64_t, int64_t>> r = range(offsets[d]);
      if (!r)
        return std::nullopt;
      return std::make_pair(r->first + c, r->second + c);
    };

    // Lane j reads padded column p + c + s*j, p the column offset without
    // its constant term: from the registers of the row that start at padded
    // column p + width*(first + k), at lane lead + s*j of their
    // concatenation. (Registers from a column the taps of a window share:
    // their offsets differ in the constant term alone.)
    int64_t s = strides[last];
    int64_t c0 = constantTerm(offsets[last]);
    int64_t c = c0 + at[last] * s;
    int64_t first = llvm::divideFloorSigned(c, width);
    int64_t lead = c - first * width;
    int64_t registers = (lead + s * (lanes - 1)) / width + 1;
    enum class Part { Inside, Tail, Head, Padding };
    struct Register {
      int64_t column; // the source column minus the column offset
      Part part;
      int64_t start; // the source column, for a Head
    };
    SmallVector<Register> row;
    for (int64_t k = 0; k < registers; ++k) {
      int64_t column = width * (first + k) - c0 - low[last];
      std::optional<std::pair<int64_t, int64_t>> b = rangeOf(last, column);
      if (!b)
        return failure();
      auto [lo, hi] = *b;
      Part part;
      if (hi + width <= 0 || lo >= shape[last])
        part = Part::Padding;
      else if (lo >= 0)
        part = hi + width <= shape[last] ? Part::Inside : Part::Tail;
      else if (lo == hi)
        part = Part::Head;
      else
        return failure();
      row.push_back({column, part, lo});
    }

    // The rewrite.
    MLIRContext *ctx = rewriter.getContext();
    Location loc = read.getLoc();
    AffineExpr offset;
    bindSymbols(ctx, offset);
    auto plus = [&](OpFoldResult v, int64_t c) {
      return getValueOrCreateConstantIndexOp(
          rewriter, loc,
          affine::makeComposedFoldedAffineApply(
              rewriter, loc, AffineMap::get(0, 1, offset + c), {v}));
    };
    Type element = type.getElementType();
    auto registerType = VectorType::get({width}, element);
    auto splat = [&](VectorType t) -> Value {
      return vector::BroadcastOp::create(rewriter, loc, t, padding);
    };
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    // Register k of the row at `indices` (the last one ignored), masked off
    // unless `valid` (if any).
    auto readRegister = [&](SmallVector<Value> indices, const Register &r,
                            Value valid) -> Value {
      if (r.part == Part::Padding)
        return splat(registerType);
      indices.back() =
          r.part == Part::Head ? zero : plus(offsets[last], r.column);
      bool inBounds = r.part == Part::Inside ||
                      (r.part == Part::Head && width <= shape[last]);
      Value mask;
      if (valid)
        mask = vector::BroadcastOp::create(
            rewriter, loc, VectorType::get({width}, rewriter.getI1Type()),
            valid);
      Value v = vector::TransferReadOp::create(
          rewriter, loc, registerType, source, indices,
          AffineMap::getMinorIdentityMap(rank, 1, ctx), padding, mask,
          rewriter.getBoolArrayAttr({inBounds}));
      if (r.part != Part::Head)
        return v;
      // Lane -start of the register is the source's first column.
      int64_t shift = -r.start;
      SmallVector<int64_t> shifted;
      for (int64_t i = 0; i < width; ++i)
        shifted.push_back(i < shift ? i : width + i - shift);
      return vector::ShuffleOp::create(rewriter, loc, splat(registerType), v,
                                       shifted);
    };
    // The lanes of the slice's row from the row's registers: the first two
    // in one shuffle, each further one shuffled into it.
    auto pick = [&](ArrayRef<Value> regs) -> Value {
      auto from = [&](int64_t j) { return (lead + s * j) / width; };
      auto at = [&](int64_t j) { return (lead + s * j) % width; };
      SmallVector<int64_t> lanesOf01;
      for (int64_t j = 0; j < lanes; ++j)
        lanesOf01.push_back(from(j) < 2 ? from(j) * width + at(j) : 0);
      Value picked = vector::ShuffleOp::create(
          rewriter, loc, regs[0], regs.size() > 1 ? regs[1] : regs[0],
          lanesOf01);
      for (int64_t k = 2; k < (int64_t)regs.size(); ++k) {
        SmallVector<int64_t> merged;
        for (int64_t j = 0; j < lanes; ++j)
          merged.push_back(from(j) == k ? lanes + at(j) : j);
        picked =
            vector::ShuffleOp::create(rewriter, loc, picked, regs[k], merged);
      }
      return picked;
    };

    auto readRow = [&](ArrayRef<int64_t> pos) -> Value {
      SmallVector<Value> indices;
      Value valid;
      bool inPadding = false;
      for (int64_t d = 0; d < last; ++d) {
        int64_t v = d - (rank - vectorRank);
        int64_t q = sourceShift(d, v >= 0 ? pos[v] : 0);
        Value qv = plus(offsets[d], q);
        if (!low[d] && !high[d]) {
          indices.push_back(qv);
          continue;
        }
        // Whether the index may be before the source's first row, or
        // past its last (all of them if its values are not known).
        std::optional<std::pair<int64_t, int64_t>> b = rangeOf(d, q);
        if (b && (b->second < 0 || b->first >= shape[d])) {
          inPadding = true;
          break;
        }
        Value unclamped = qv;
        auto guard = [&](arith::CmpIPredicate inside, Value bound) {
          Value ok =
              arith::CmpIOp::create(rewriter, loc, inside, unclamped, bound);
          valid =
              valid
                  ? arith::AndIOp::create(rewriter, loc, valid, ok).getResult()
                  : ok;
        };
        // The index, clamped, addresses the source where it is masked off.
        if (!b || b->first < 0) {
          guard(arith::CmpIPredicate::sge, zero);
          qv = arith::MaxSIOp::create(rewriter, loc, qv, zero);
        }
        if (!b || b->second >= shape[d]) {
          Value size = arith::ConstantIndexOp::create(rewriter, loc, shape[d]);
          guard(arith::CmpIPredicate::slt, size);
          Value lastIndex =
              arith::ConstantIndexOp::create(rewriter, loc, shape[d] - 1);
          qv = arith::MinSIOp::create(rewriter, loc, qv, lastIndex);
        }
        indices.push_back(qv);
      }
      if (inPadding)
        return splat(VectorType::get({lanes}, element));
      indices.push_back(zero);
      SmallVector<Value> regs;
      for (const Register &r : row)
        regs.push_back(readRegister(indices, r, valid));
      return pick(regs);
    };
    rewriter.replaceOp(read, fromRows(rewriter, loc, type, readRow));
    return success();
  }

  int64_t vectorBits;
};

} // namespace

void convc::markPaddingInReads(Operation *pad) {
  pad->setAttr(kPaddingInReads, UnitAttr::get(pad->getContext()));
}

void convc::peelBorderTiles(RewriterBase &rewriter, Operation *scope) {
  llvm::SetVector<scf::ForOp> loops;
  // The slices (of slices) of a marked pad whose columns move with a loop
  // (the register tiles' reads, before the slices are merged).
  scope->walk([&](tensor::ExtractSliceOp slice) {
    Value base = slice.getSource();
    while (auto outer = base.getDefiningOp<tensor::ExtractSliceOp>())
      base = outer.getSource();
    auto pad = base.getDefiningOp<tensor::PadOp>();
    if (!pad || !pad->hasAttr(kPaddingInReads) ||
        ShapedType::isDynamicShape(pad.getStaticLow()))
      return;
    int64_t last = pad.getSourceType().getRank() - 1;
    auto column = dyn_cast<Value>(slice.getMixedOffsets()[last]);
    if (pad.getStaticLow()[last] <= 0 || !column)
      return;
    SmallVector<Value> operands = composed(column).second;
    for (auto loop = slice->getParentOfType<scf::ForOp>(); loop;
         loop = loop->getParentOfType<scf::ForOp>())
      if (llvm::is_contained(operands, loop.getInductionVar())) {
        loops.insert(loop);
        return;
      }
  });
  for (scf::ForOp loop : loops) {
    scf::ForOp firstIteration;
    (void)scf::peelForLoopFirstIteration(rewriter, loop, firstIteration);
  }
}

void convc::populateRowReadPatterns(RewritePatternSet &patterns,
                                    int64_t vectorBits) {
  patterns.add<ReadStridedRowsWhole>(patterns.getContext());
  patterns.add<ReadPaddedRows>(patterns.getContext(), vectorBits);
}
