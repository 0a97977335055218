//===- LoopValues.cpp - the values a loop index takes ---------------------===//

#include "compiler/Transforms/LoopValues.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

std::optional<SmallVector<int64_t>> convc::inductionValues(Value v) {
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

int64_t convc::evaluate(AffineExpr expr, ArrayRef<int64_t> dims,
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

std::optional<SmallVector<int64_t>> convc::indexValues(OpFoldResult index,
                                                       int64_t maxIterations) {
  if (std::optional<int64_t> c = getConstantIntValue(index))
    return SmallVector<int64_t>{*c};
  Value v = cast<Value>(index);
  AffineMap map = AffineMap::getMultiDimIdentityMap(1, v.getContext());
  SmallVector<Value> operands = {v};
  affine::fullyComposeAffineMapAndOperands(&map, &operands);
  SmallVector<SmallVector<int64_t>> ranges;
  int64_t iterations = 1;
  for (Value operand : operands) {
    std::optional<SmallVector<int64_t>> values = inductionValues(operand);
    if (!values || values->empty())
      return std::nullopt;
    iterations *= values->size();
    if (iterations > maxIterations)
      return std::nullopt;
    ranges.push_back(std::move(*values));
  }
  llvm::SmallSetVector<int64_t, 8> result;
  for (int64_t it = 0; it < iterations; ++it) {
    SmallVector<int64_t> dims, symbols;
    int64_t rest = it;
    for (auto [i, range] : llvm::enumerate(ranges)) {
      (i < map.getNumDims() ? dims : symbols)
          .push_back(range[rest % range.size()]);
      rest /= range.size();
    }
    result.insert(evaluate(map.getResult(0), dims, symbols));
  }
  SmallVector<int64_t> sorted(result.begin(), result.end());
  llvm::sort(sorted);
  return sorted;
}
