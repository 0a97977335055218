//===- SkipPaddingTaps.cpp - no products of a convolution's padding -------===//
//
// The taps of a convolution's border outputs read the input's zero padding:
// those products add nothing, but a micro-kernel that is the same for every
// tile computes them (ResNet-18's 3x3 layers on 7x7 pixels: 19 % of their
// FMAs, on 14x14: 9 %; oneDNN skips them). This pass specializes each
// micro-kernel loop (an scf.for that carries vector accumulators and reads
// a zero-padded tensor) for the tile positions whose reads touch the
// padding, then drops the products of padding:
//
//   %r = scf.for ... iter_args(%acc)        %r = scf.if (%row == 0)
//     read %padded[.., %row + 2, ..]   ->       scf.for ... (%row = 0)
//                                           else scf.if (%row == 13)
//                                             scf.for ... (%row = 13)
//                                           else
//                                             scf.for ... (as it was)
//
// The positions come from enumerating the enclosing loops' iterations; a
// dim is specialized on one index (the others differ from it by
// constants), and only when enough of what the loop reads along it is
// padding (each version is a copy to compile). In a version, a read whose
// index is static and in the padding is known zero; a tap-sum term
// acc + a * b whose factor `a` is known zero in whole vectors (a tap
// reading a padding row; a channels-in-lanes tile's pixels in a padding
// column) and whose other factor is a finite constant (the weights) loses
// those vectors' FMAs.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/LoopValues.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/ZeroPadding.h"
#include "dialect/ConstantData.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace convc {
#define GEN_PASS_DEF_SKIPPADDINGTAPSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;
using namespace convc;

namespace {

/// The most iterations of the enclosing loops enumerated, the most
/// versions of one dim (a border is a few positions wide) and the largest
/// vector whose elements are tracked (a register tile).
constexpr int64_t kMaxIterations = 1 << 16;
constexpr int64_t kMaxVersionsPerDim = 4;
constexpr int64_t kMaxTrackedElements = 4096;

/// The least share of the values a loop reads along a dim that must be
/// padding for the dim to get versions: each version is a copy of the
/// micro-kernel to compile (ResNet-18's 56x56 layers read 1.2 % padding
/// per dim and are left alone; 28x28 ones 2.4 %, 14x14 ones 4.8 %).
constexpr double kMinPaddingShare = 0.02;

/// Which elements of vector `v` (row-major) are known padding zeros: read
/// from a zero-padded tensor at a static position in the padding, then
/// shape-cast, broadcast or shuffled. None when nothing is known.
std::optional<SmallVector<bool>> paddingMask(Value v) {
  auto type = dyn_cast<VectorType>(v.getType());
  if (!type || type.isScalable() || type.getNumElements() > kMaxTrackedElements)
    return std::nullopt;
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> strides = computeStrides(shape);
  int64_t n = type.getNumElements();
  SmallVector<bool> mask(n, false);
  if (auto cast = v.getDefiningOp<vector::ShapeCastOp>())
    return paddingMask(cast.getSource());
  if (auto bcast = v.getDefiningOp<vector::BroadcastOp>()) {
    auto srcType = dyn_cast<VectorType>(bcast.getSourceType());
    if (!srcType)
      return std::nullopt;
    std::optional<SmallVector<bool>> src = paddingMask(bcast.getSource());
    if (!src)
      return std::nullopt;
    ArrayRef<int64_t> srcShape = srcType.getShape();
    SmallVector<int64_t> srcStrides = computeStrides(srcShape);
    int64_t lead = shape.size() - srcShape.size();
    for (int64_t e = 0; e < n; ++e) {
      SmallVector<int64_t> pos = delinearize(e, strides);
      int64_t s = 0;
      for (auto [i, size] : llvm::enumerate(srcShape))
        s += (size == 1 ? 0 : pos[lead + i]) * srcStrides[i];
      mask[e] = (*src)[s];
    }
    return mask;
  }
  if (auto shuffle = v.getDefiningOp<vector::ShuffleOp>()) {
    // Picks from the two operands concatenated (a strided row's pixels).
    std::optional<SmallVector<bool>> lhs = paddingMask(shuffle.getV1());
    std::optional<SmallVector<bool>> rhs = paddingMask(shuffle.getV2());
    if (!lhs && !rhs)
      return std::nullopt;
    int64_t lhsSize = shuffle.getV1VectorType().getNumElements();
    for (auto [e, from] : llvm::enumerate(shuffle.getMask())) {
      if (from < 0)
        continue;
      const std::optional<SmallVector<bool>> &src = from < lhsSize ? lhs : rhs;
      mask[e] = src && (*src)[from < lhsSize ? from : from - lhsSize];
    }
    return mask;
  }
  auto read = v.getDefiningOp<vector::TransferReadOp>();
  tensor::PadOp pad = read ? paddedRead(read) : tensor::PadOp();
  if (!pad)
    return std::nullopt;
  int64_t rank = read.getIndices().size(), lead = rank - shape.size();
  SmallVector<std::optional<int64_t>> indices;
  for (Value i : read.getIndices())
    indices.push_back(getConstantIntValue(i));
  bool any = false;
  for (int64_t e = 0; e < n; ++e) {
    SmallVector<int64_t> pos = delinearize(e, strides);
    for (int64_t d = 0; d < rank && !mask[e]; ++d)
      if (indices[d])
        mask[e] =
            inPadding(pad, d, *indices[d] + (d >= lead ? pos[d - lead] : 0));
    any |= mask[e];
  }
  if (!any)
    return std::nullopt;
  return mask;
}

/// Whether every element of `v` is a finite constant: a read (through
/// slices, shape casts and broadcasts) of an f32 constant with no infinity
/// or NaN. Answers per constant are kept in `cache`.
bool isFiniteConstant(Value v, DenseMap<Attribute, bool> &cache) {
  while (Operation *op = v.getDefiningOp()) {
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto [it, inserted] = cache.try_emplace(c.getValue(), false);
      if (inserted) {
        std::vector<float> storage;
        std::optional<ArrayRef<float>> values =
            cnn::f32Elements(c.getValue(), storage);
        it->second = values && llvm::all_of(*values, [](float x) {
                       return std::isfinite(x);
                     });
      }
      return it->second;
    }
    if (auto read = dyn_cast<vector::TransferReadOp>(op))
      v = read.getBase();
    else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
      v = slice.getSource();
    else if (auto cast = dyn_cast<vector::ShapeCastOp>(op))
      v = cast.getSource();
    else if (auto bcast = dyn_cast<vector::BroadcastOp>(op))
      v = bcast.getSource();
    else
      return false;
  }
  return false;
}

/// acc + a * b (a tap-sum term, the adds allow contraction) where `a` has
/// whole vectors (along the last dim) of padding zeros and `b` is a finite
/// constant -> select(those vectors, acc, acc + a * b): once LLVM has split
/// the tile into vectors, the select of a constant keeps acc and the FMAs
/// of those vectors are dead. (Unrolling the term here instead makes chains
/// of inserts that canonicalization scalarizes.) A term that is all
/// padding is dropped.
struct DropPaddingProducts : OpRewritePattern<arith::AddFOp> {
  DropPaddingProducts(MLIRContext *ctx, DenseMap<Attribute, bool> &finite)
      : OpRewritePattern(ctx), finite(finite) {}

  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(add.getType());
    if (!type || type.isScalable() ||
        !bitEnumContainsAll(add.getFastmath(), arith::FastMathFlags::contract))
      return failure();
    for (int side = 0; side < 2; ++side) {
      Value acc = add->getOperand(side), term = add->getOperand(1 - side);
      if (add->hasOneUse()) {
        auto select = dyn_cast<arith::SelectOp>(*add->user_begin());
        if (select && select.getTrueValue() == acc &&
            matchPattern(select.getCondition(), m_Constant()))
          return failure(); // done
      }
      if (auto cast = term.getDefiningOp<vector::ShapeCastOp>())
        term = cast.getSource();
      auto mul = term.getDefiningOp<arith::MulFOp>();
      auto mulType = mul ? dyn_cast<VectorType>(mul.getType()) : VectorType();
      if (!mulType || mulType.getShape().back() != type.getShape().back())
        continue;
      for (int factor = 0; factor < 2; ++factor) {
        std::optional<SmallVector<bool>> mask =
            paddingMask(mul->getOperand(factor));
        if (!mask || !isFiniteConstant(mul->getOperand(1 - factor), finite))
          continue;
        // Vectors of lanes that are all padding.
        int64_t lanes = type.getShape().back();
        SmallVector<bool> skip(mask->size(), false);
        bool any = false, all = true;
        for (int64_t r = 0; r < (int64_t)mask->size() / lanes; ++r) {
          bool zero = llvm::all_of(ArrayRef(*mask).slice(r * lanes, lanes),
                                   [](bool b) { return b; });
          std::fill_n(skip.begin() + r * lanes, lanes, zero);
          any |= zero;
          all &= zero;
        }
        if (!any)
          continue;
        if (all) {
          rewriter.replaceOp(add, acc);
          return success();
        }
        rewriter.setInsertionPointAfter(add);
        Value cond = arith::ConstantOp::create(
            rewriter, add.getLoc(),
            DenseElementsAttr::get(type.clone(rewriter.getI1Type()),
                                   ArrayRef<bool>(skip)));
        auto select = arith::SelectOp::create(rewriter, add.getLoc(), cond, acc,
                                              add.getResult());
        rewriter.replaceAllUsesExcept(add.getResult(), select.getResult(),
                                      select);
        return success();
      }
    }
    return failure();
  }

private:
  DenseMap<Attribute, bool> &finite;
};

/// Whether `pad` copies a model input (a function's argument): a copy that
/// `convc-read-through-padding` removes if every read's position along
/// the padded dims is known, so such reads get a version at every border
/// position, however few, corners included.
bool padsModelInput(tensor::PadOp pad) {
  auto arg = dyn_cast<BlockArgument>(pad.getSource());
  return arg && isa<func::FuncOp>(arg.getOwner()->getParentOp());
}

/// The loop-invariant indices of one padded dim of a loop's reads, and the
/// values of the first (the key) for which some read touches the padding.
/// Each index is the key plus a constant. `everywhere`: the versions of
/// the other dims go into each of this dim's versions too. `all`: the
/// values are every value the key takes (the last version needs no test).
struct DimVersions {
  Value key;
  SmallVector<std::pair<Value, int64_t>> indices; // index, index - key
  SmallVector<int64_t> values;
  bool everywhere = false;
  bool all = false;
};

/// The versions of `loop` for one padded dim of `pad`: the reads' indices
/// along `dim` and how far each read extends along it.
std::optional<DimVersions>
versionsOfDim(scf::ForOp loop, tensor::PadOp pad, int64_t dim,
              ArrayRef<std::pair<Value, int64_t>> reads) {
  SmallVector<Value> indices;
  for (auto [index, extent] : reads)
    indices.push_back(index);
  std::optional<SmallVector<SmallVector<int64_t>>> iterations =
      iterationValues(indices, kMaxIterations);
  if (!iterations)
    return std::nullopt;
  DimVersions versions;
  versions.key = reads.front().first;
  SmallVector<std::optional<int64_t>> deltas(reads.size());
  llvm::SmallSetVector<int64_t, 4> hits;
  llvm::SmallDenseSet<int64_t> keys;
  int64_t paddingValues = 0, allValues = 0;
  for (ArrayRef<int64_t> values : *iterations) {
    int64_t key = 0;
    bool touches = false;
    for (auto [i, read] : llvm::enumerate(reads)) {
      int64_t value = values[i];
      if (i == 0)
        key = value;
      if (deltas[i] && *deltas[i] != value - key)
        return std::nullopt;
      deltas[i] = value - key;
      for (int64_t e = 0; e < read.second; ++e) {
        bool padding = inPadding(pad, dim, value + e);
        touches |= padding;
        paddingValues += padding;
      }
      allValues += read.second;
    }
    keys.insert(key);
    if (touches)
      hits.insert(key);
    if ((int64_t)hits.size() > kMaxVersionsPerDim)
      return std::nullopt;
  }
  bool everywhere = padsModelInput(pad);
  if (hits.empty() ||
      (!everywhere && paddingValues < kMinPaddingShare * allValues))
    return std::nullopt;
  versions.everywhere = everywhere;
  versions.all = hits.size() == keys.size();
  for (auto [i, read] : llvm::enumerate(reads))
    versions.indices.push_back({read.first, *deltas[i]});
  versions.values = llvm::to_vector(hits);
  llvm::sort(versions.values);
  return versions;
}

/// The dims to specialize `loop` on: per padded dim of the tensors it
/// reads, the indices that vary with the loops around it.
SmallVector<DimVersions> dimsToSpecialize(scf::ForOp loop) {
  // (pad, dim) -> the indices along it and the reads' extents.
  llvm::MapVector<std::pair<Operation *, int64_t>,
                  SmallVector<std::pair<Value, int64_t>>>
      reads;
  loop.getBody()->walk([&](vector::TransferReadOp read) {
    tensor::PadOp pad = paddedRead(read);
    if (!pad)
      return;
    int64_t rank = read.getIndices().size();
    int64_t lead = rank - read.getVectorType().getRank();
    for (int64_t d = 0; d < rank; ++d) {
      Value index = read.getIndices()[d];
      bool padded = pad.getStaticLow()[d] || pad.getStaticHigh()[d];
      if (!padded || getConstantIntValue(index) ||
          !loop.isDefinedOutsideOfLoop(index))
        continue;
      int64_t extent =
          d >= lead ? read.getVectorType().getDimSize(d - lead) : 1;
      auto &list = reads[{pad, d}];
      if (!llvm::is_contained(list, std::make_pair(index, extent)))
        list.push_back({index, extent});
    }
  });
  SmallVector<DimVersions> dims;
  for (auto &[padDim, list] : reads)
    if (std::optional<DimVersions> v = versionsOfDim(
            loop, cast<tensor::PadOp>(padDim.first), padDim.second, list))
      dims.push_back(std::move(*v));
  return dims;
}

/// if (key == v0) { loop, the indices static } else if (key == v1) ...
/// else { loop }; then the same for the next dims in the last branch (a
/// corner keeps the products of the second dim's padding: 5 copies of the
/// loop instead of 9), or in every branch where the dim says so. Where the
/// versions cover every position, the last one is the last branch.
void specialize(RewriterBase &rewriter, scf::ForOp loop,
                ArrayRef<DimVersions> dims) {
  if (dims.empty())
    return;
  const DimVersions &dim = dims.front();
  Location loc = loop.getLoc();
  // `loop` with the key at `value`, at the insertion point.
  auto version = [&](int64_t value) {
    IRMapping map;
    for (auto [index, delta] : dim.indices)
      map.map(index,
              arith::ConstantIndexOp::create(rewriter, loc, value + delta)
                  .getResult());
    return cast<scf::ForOp>(rewriter.clone(*loop, map));
  };
  ArrayRef<int64_t> tested = dim.values;
  if (dim.all)
    tested = tested.drop_back();
  rewriter.setInsertionPoint(loop);
  scf::IfOp outer;
  for (int64_t value : tested) {
    Value cond = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, dim.key,
        arith::ConstantIndexOp::create(rewriter, loc, value));
    auto branch = scf::IfOp::create(rewriter, loc, loop.getResultTypes(), cond,
                                    /*withElseRegion=*/true);
    if (outer)
      scf::YieldOp::create(rewriter, loc, branch.getResults());
    else
      outer = branch;
    rewriter.setInsertionPointToStart(branch.thenBlock());
    scf::ForOp v = version(value);
    scf::YieldOp::create(rewriter, loc, v->getResults());
    if (dim.everywhere)
      specialize(rewriter, v, dims.drop_front());
    rewriter.setInsertionPointToStart(branch.elseBlock());
  }
  scf::ForOp last = loop;
  if (dim.all)
    last = version(dim.values.back());
  else
    rewriter.moveOpBefore(loop, rewriter.getInsertionBlock(),
                          rewriter.getInsertionPoint());
  if (outer) {
    rewriter.replaceAllUsesWith(loop.getResults(), outer.getResults());
    scf::YieldOp::create(rewriter, loc, last.getResults());
  }
  if (last != loop) {
    if (!outer)
      rewriter.replaceAllUsesWith(loop.getResults(), last.getResults());
    rewriter.eraseOp(loop);
  }
  specialize(rewriter, last, dims.drop_front());
}

struct SkipPaddingTapsPass
    : convc::impl::SkipPaddingTapsPassBase<SkipPaddingTapsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (llvm::any_of(loop.getResultTypes(),
                       [](Type t) { return isa<VectorType>(t); }))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops) {
      moveLoopInvariantCode(loop);
      specialize(rewriter, loop, dimsToSpecialize(loop));
    }
    DenseMap<Attribute, bool> finite;
    RewritePatternSet patterns(ctx);
    patterns.add<DropPaddingProducts>(ctx, finite);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError(
          "convc: dropping the products of padding did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
