//===- CnnDialect.cpp - the cnn dialect -----------------------------------===//

#include "dialect/CnnDialect.h"
#include "dialect/CnnOps.h"

using namespace mlir;
using namespace convc::cnn;

#include "dialect/CnnDialect.cpp.inc"

void CnnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/CnnOps.cpp.inc"
      >();
}
