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
#include "mlir/Target/LLVMIR/Dialect/All.h"

void convc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<cnn::CnnDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // The host side of a CUDA build embeds its PTX (gpu.binary) and launches
  // kernels (gpu.launch_func): the GPU and NVVM translations handle those.
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  // CPU models run their cache blocks on OpenMP threads.
  mlir::registerOpenMPDialectTranslation(registry);
}

void convc::registerAllPasses() {
  mlir::registerAllPasses();
  registerConvcConversionPasses();
  registerConvcTransformsPasses();
  registerConvcPipelines();
}
