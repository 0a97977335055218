//===- Passes.h - convc transformation passes -------------------*- C++ -*-===//

#ifndef CONVC_TRANSFORMS_PASSES_H
#define CONVC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::linalg {
class LinalgDialect;
} // namespace mlir::linalg

namespace convc {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

} // namespace convc

#endif // CONVC_TRANSFORMS_PASSES_H
