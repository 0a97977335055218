//===- InitAll.cpp - registration of everything convc uses ----------------===//
//
// The only translation unit that includes the InitAll* headers: they are the
// most expensive headers to compile.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline/InitAll.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Pipeline/Pipeline.h"
#include "compiler/Transforms/Passes.h"
#include "dialect/CnnDialect.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

void convc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<cnn::CnnDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
}

void convc::registerAllPasses() {
  mlir::registerAllPasses();
  registerConvcConversionPasses();
  registerConvcTransformsPasses();
  registerConvcPipelines();
}
