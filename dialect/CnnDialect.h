//===- CnnDialect.h - the cnn dialect ---------------------------*- C++ -*-===//

#ifndef CONVC_DIALECT_CNNDIALECT_H
#define CONVC_DIALECT_CNNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialect/CnnDialect.h.inc"

#endif // CONVC_DIALECT_CNNDIALECT_H
