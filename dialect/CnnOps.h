//===- CnnOps.h - cnn dialect operations ------------------------*- C++ -*-===//

#ifndef CONVC_DIALECT_CNNOPS_H
#define CONVC_DIALECT_CNNOPS_H

#include "dialect/CnnDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/CnnEnums.h"
#define GET_ATTRDEF_CLASSES
#include "dialect/CnnAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialect/CnnOps.h.inc"

#endif // CONVC_DIALECT_CNNOPS_H
