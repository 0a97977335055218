//===- GpuMergeModules.cpp - one kernel module per model ------------------===//
//
// gpu-kernel-outlining puts every kernel in a gpu.module of its own; convc
// gives a model one module (one PTX text, loaded once) holding all of them.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace convc {
#define GEN_PASS_DEF_GPUMERGEMODULESPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

struct GpuMergeModulesPass
    : convc::impl::GpuMergeModulesPassBase<GpuMergeModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.size() < 2)
      return;
    // Kernels keep their names where they are unique, else take their
    // module's (outlining names every kernel after its function).
    gpu::GPUModuleOp target = modules.front();
    SymbolTable targetSymbols(target);
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp other : llvm::drop_begin(modules)) {
      for (Operation &op : llvm::make_early_inc_range(other.getOps())) {
        auto fn = dyn_cast<gpu::GPUFuncOp>(op);
        if (!fn)
          continue;
        StringAttr old = fn.getNameAttr();
        fn->moveBefore(target.getBody(), target.getBody()->end());
        if (targetSymbols.lookup(old))
          fn.setName(other.getName());
        targetSymbols.insert(fn);
        renamed[{other.getNameAttr(), old}] = fn.getNameAttr();
      }
      other.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      StringAttr kernel = launch.getKernelName();
      auto it = renamed.find({launch.getKernelModuleName(), kernel});
      if (it != renamed.end())
        kernel = it->second;
      launch.setKernelAttr(SymbolRefAttr::get(
          target.getNameAttr(), {FlatSymbolRefAttr::get(kernel)}));
    });
  }
};

} // namespace
