//===- Passes.h - convc transformation passes -------------------*- C++ -*-===//

#ifndef CONVC_TRANSFORMS_PASSES_H
#define CONVC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::linalg {
class LinalgDialect;
} // namespace mlir::linalg

namespace convc {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

/// Marks the `linalg.fill`s with which convc-pad-in-place fills the border
/// of a padded tensor in a loop over its producer's cache blocks, for
/// convc-merge-border-fills.
inline constexpr llvm::StringLiteral kBlockBorderAttr = "convc.block_border";

} // namespace convc

#endif // CONVC_TRANSFORMS_PASSES_H
