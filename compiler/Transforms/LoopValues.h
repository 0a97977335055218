//===- LoopValues.h - the values a loop index takes -------------*- C++ -*-===//
//
// Schedules specialize code for the iterations of their loops (a border
// tile, a border band); these helpers enumerate the values an index takes
// over the static iterations of the scf.for and scf.forall loops it is an
// affine function of.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_TRANSFORMS_LOOPVALUES_H
#define CONVC_TRANSFORMS_LOOPVALUES_H

#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace convc {

/// The values that `indices`, affine functions of induction variables,
/// take together over their loops' iterations: a row per iteration, a
/// value per index; none if a loop does not have static bounds or there
/// are more than `maxIterations` iterations.
std::optional<llvm::SmallVector<llvm::SmallVector<int64_t>>>
iterationValues(llvm::ArrayRef<mlir::Value> indices, int64_t maxIterations);

/// The distinct values (ascending) that `index`, an affine function of
/// induction variables, takes over their loops' iterations; none if a loop
/// does not have static bounds or there are more than `maxIterations`
/// combinations of values.
std::optional<llvm::SmallVector<int64_t>> indexValues(mlir::OpFoldResult index,
                                                      int64_t maxIterations);

} // namespace convc

#endif // CONVC_TRANSFORMS_LOOPVALUES_H
