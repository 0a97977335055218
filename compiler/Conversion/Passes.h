//===- Passes.h - convc conversion passes -----------------------*- C++ -*-===//

#ifndef CONVC_CONVERSION_PASSES_H
#define CONVC_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace arith {
class ArithDialect;
}
namespace math {
class MathDialect;
}
namespace linalg {
class LinalgDialect;
}
namespace tensor {
class TensorDialect;
}
} // namespace mlir

namespace convc {

#define GEN_PASS_DECL
#include "compiler/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Conversion/Passes.h.inc"

} // namespace convc

#endif // CONVC_CONVERSION_PASSES_H
