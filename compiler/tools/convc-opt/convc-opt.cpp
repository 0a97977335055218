//===- convc-opt.cpp - runs any convc or upstream pass or pipeline --------===//

#include "compiler/Pipeline/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  convc::registerAllPasses();
  mlir::DialectRegistry registry;
  convc::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "convc optimizer driver\n", registry));
}
