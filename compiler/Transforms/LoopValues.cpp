//===- LoopValues.cpp - the values a loop index takes ---------------------===//

#include "compiler/Transforms/LoopValues.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace {

/// The values an scf.for or scf.forall induction variable takes, if its
/// loop has static bounds.
std::optional<SmallVector<int64_t>> inductionValues(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg)
    return std::nullopt;
  std::optional<int64_t> lb, ub, step;
  Operation *owner = arg.getOwner()->getParentOp();
  if (auto loop = dyn_cast<scf::ForOp>(owner)) {
    if (arg != loop.getInductionVar())
      return std::nullopt;
    lb = getConstantIntValue(loop.getLowerBound());
    ub = getConstantIntValue(loop.getUpperBound());
    step = getConstantIntValue(loop.getStep());
  } else if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
    auto ivs = forall.getInductionVars();
    auto it = llvm::find(ivs, arg);
    if (it == ivs.end())
      return std::nullopt;
    int64_t i = it - ivs.begin();
    lb = getConstantIntValue(forall.getMixedLowerBound()[i]);
    ub = getConstantIntValue(forall.getMixedUpperBound()[i]);
    step = getConstantIntValue(forall.getMixedStep()[i]);
  }
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  SmallVector<int64_t> values;
  for (int64_t x = *lb; x < *ub; x += *step)
    values.push_back(x);
  return values;
}

/// The value of `expr` for the given dim and symbol values.
int64_t evaluate(AffineExpr expr, ArrayRef<int64_t> dims,
                 ArrayRef<int64_t> symbols) {
  if (auto c = dyn_cast<AffineConstantExpr>(expr))
    return c.getValue();
  if (auto d = dyn_cast<AffineDimExpr>(expr))
    return dims[d.getPosition()];
  if (auto s = dyn_cast<AffineSymbolExpr>(expr))
    return symbols[s.getPosition()];
  auto bin = cast<AffineBinaryOpExpr>(expr);
  int64_t l = evaluate(bin.getLHS(), dims, symbols);
  int64_t r = evaluate(bin.getRHS(), dims, symbols);
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return l + r;
  case AffineExprKind::Mul:
    return l * r;
  case AffineExprKind::Mod:
    return llvm::mod(l, r);
  case AffineExprKind::FloorDiv:
    return llvm::divideFloorSigned(l, r);
  default:
    return llvm::divideCeilSigned(l, r);
  }
}

} // namespace

std::optional<SmallVector<SmallVector<int64_t>>>
convc::iterationValues(ArrayRef<Value> indices, int64_t maxIterations) {
  // Each index as an affine map of the induction variables (the leaves).
  SmallVector<Value> leaves;
  SmallVector<std::pair<AffineMap, SmallVector<Value>>> maps;
  for (Value index : indices) {
    AffineMap map = AffineMap::getMultiDimIdentityMap(1, index.getContext());
    SmallVector<Value> operands = {index};
    affine::fullyComposeAffineMapAndOperands(&map, &operands);
    for (Value v : operands)
      if (!llvm::is_contained(leaves, v))
        leaves.push_back(v);
    maps.push_back({map, operands});
  }
  SmallVector<SmallVector<int64_t>> ranges;
  int64_t iterations = 1;
  for (Value leaf : leaves) {
    std::optional<SmallVector<int64_t>> values = inductionValues(leaf);
    if (!values || values->empty())
      return std::nullopt;
    iterations *= values->size();
    if (iterations > maxIterations)
      return std::nullopt;
    ranges.push_back(std::move(*values));
  }
  SmallVector<SmallVector<int64_t>> rows;
  for (int64_t it = 0; it < iterations; ++it) {
    llvm::DenseMap<Value, int64_t> leafValue;
    for (int64_t i = 0, rest = it; i < (int64_t)leaves.size(); ++i) {
      leafValue[leaves[i]] = ranges[i][rest % ranges[i].size()];
      rest /= ranges[i].size();
    }
    SmallVector<int64_t> row;
    for (auto &[map, operands] : maps) {
      SmallVector<int64_t> dims, symbols;
      for (auto [j, v] : llvm::enumerate(operands))
        (j < map.getNumDims() ? dims : symbols).push_back(leafValue[v]);
      row.push_back(evaluate(map.getResult(0), dims, symbols));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<SmallVector<int64_t>> convc::indexValues(OpFoldResult index,
                                                       int64_t maxIterations) {
  if (std::optional<int64_t> c = getConstantIntValue(index))
    return SmallVector<int64_t>{*c};
  std::optional<SmallVector<SmallVector<int64_t>>> rows =
      iterationValues(cast<Value>(index), maxIterations);
  if (!rows)
    return std::nullopt;
  SmallVector<int64_t> values;
  for (ArrayRef<int64_t> row : *rows)
    values.push_back(row[0]);
  llvm::sort(values);
  values.erase(llvm::unique(values), values.end());
  return values;
}
