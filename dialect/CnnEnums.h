//===- CnnEnums.h - enums of the cnn dialect --------------------*- C++ -*-===//

#ifndef CONVC_DIALECT_CNNENUMS_H
#define CONVC_DIALECT_CNNENUMS_H

#include "mlir/IR/Attributes.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

#include "dialect/CnnEnums.h.inc"

#endif // CONVC_DIALECT_CNNENUMS_H
