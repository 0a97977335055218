//===- CpuTarget.h - LLVM dialect to native code ----------------*- C++ -*-===//

#ifndef CONVC_TARGET_CPUTARGET_H
#define CONVC_TARGET_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace convc {

/// A model's interface: what the compiled artifact's descriptor says.
struct ModelSignature {
  struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
    bool nhwc = false;  // the layout at the boundary (NCHW otherwise)
    bool int64 = false; // max_pool2d_indices outputs; float32 otherwise
  };
  std::string name;
  std::vector<Tensor> inputs, outputs;
  /// Kernels launched on a CUDA GPU (the runtime stages the tensors).
  bool cuda = false;
};

/// Reads the signature of the model function (the public `func.func` with
/// `cnn.name` argument and result attributes) from a tensor-level module.
mlir::FailureOr<ModelSignature> getModelSignature(mlir::ModuleOp module);

/// A TargetMachine for the host triple and `cpu` ("native" for this host).
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(llvm::StringRef cpu, unsigned optLevel, std::string &error);

/// Translates an LLVM-dialect module to LLVM IR for `machine` and adds the
/// model descriptor (exported as `symbol`, `convc_model` for executables)
/// and its `run` entry.
std::unique_ptr<llvm::Module> translateToLlvmIr(mlir::ModuleOp module,
                                                const ModelSignature &signature,
                                                llvm::TargetMachine &machine,
                                                llvm::StringRef symbol,
                                                llvm::LLVMContext &context);

/// Runs LLVM's optimizer at `optLevel` (0-3) on `module`.
void optimizeLlvmIr(llvm::Module &module, llvm::TargetMachine &machine,
                    unsigned optLevel);

/// Writes assembly or an object file for `module`.
mlir::LogicalResult emitNative(llvm::Module &module,
                               llvm::TargetMachine &machine, bool assembly,
                               llvm::StringRef path, std::string &error);

/// Optimizes `module` (see optimizeLlvmIr) and writes it as object files:
/// its large constants (the weights) to the first path, its code split
/// into one part per other path (by function, see llvm::SplitModule), each
/// part optimized and compiled on a thread of its own.
mlir::LogicalResult compileInParts(std::unique_ptr<llvm::Module> module,
                                   llvm::StringRef cpu, unsigned optLevel,
                                   llvm::ArrayRef<std::string> paths,
                                   std::string &error);

/// Links objects (the parts of one model, see compileInParts) into one
/// relocatable object whose symbols are those of a model compiled whole:
/// the symbols that the parts share are made local again.
mlir::LogicalResult linkObject(llvm::ArrayRef<std::string> objects,
                               llvm::StringRef output, std::string &error);

/// Links objects with the runtime and its main() into an executable.
mlir::LogicalResult linkExecutable(llvm::ArrayRef<std::string> objects,
                                   llvm::StringRef output, std::string &error);

} // namespace convc

#endif // CONVC_TARGET_CPUTARGET_H
