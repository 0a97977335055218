//===- CnnDialect.cpp - the cnn dialect -----------------------------------===//

#include "dialect/CnnDialect.h"
#include "dialect/CnnOps.h"

using namespace mlir;
using namespace convc::cnn;

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include "dialect/CnnDialect.cpp.inc"
#include "dialect/CnnEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "dialect/CnnAttrs.cpp.inc"

void CnnDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/CnnAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialect/CnnOps.cpp.inc"
      >();
}
