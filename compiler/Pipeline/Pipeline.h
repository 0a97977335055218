//===- Pipeline.h - convc's stages and pass pipelines -----------*- C++ -*-===//
//
// The compilation stages a user can stop at (--emit=<stage>) and the pass
// pipelines between them. Both convc and convc-opt build their pipelines
// here, so the two never drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_PIPELINE_PIPELINE_H
#define CONVC_PIPELINE_PIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>

namespace convc {

enum class Stage {
  Ast,    // the parsed model, pretty-printed
  Cnn,    // cnn ops, shapes inferred, verified
  Dot,    // the cnn graph in Graphviz dot, shapes on the edges
  CnnOpt, // after the graph passes (batch-norm folding)
  Linalg, // linalg on tensors
  Vector, // convolutions tiled, fused and vectorized, still on tensors
  Ptx,    // the kernels of a CUDA build as PTX text
  Llvm,   // bufferized and lowered to the LLVM dialect
  LlvmIr, // LLVM IR after LLVM's optimizer
  Asm,    // target assembly
  Obj,    // an object file exporting the model descriptor `convc_model`
  Exe,    // an executable: the object linked with the runtime's main
};

std::optional<Stage> parseStage(llvm::StringRef name);
/// "ast, cnn, linalg, ..." for help texts and errors.
std::string stageList();

/// What the model runs on.
enum class Target {
  Cpu,      // the host CPU
  Cuda,     // NVIDIA GPUs: PTX kernels launched by the runtime
  CudaHost, // the CUDA schedule with every launch run as loops on the CPU
};

std::optional<Target> parseTarget(llvm::StringRef name);

/// Everything that configures a compile; one command line gives one.
struct PipelineOptions {
  Stage emit = Stage::Exe;
  Target target = Target::Cpu;
  /// GPU architecture of a CUDA build: sm_70 ... sm_90.
  std::string gpuArch = "sm_80";
  /// Target CPU for LLVM ("native" = the machine convc runs on).
  std::string cpu = "native";
  /// LLVM optimisation level, 0-3.
  unsigned optLevel = 3;
};

/// The graph passes on cnn ops.
void buildCnnOptPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);
/// cnn -> linalg on tensors.
void buildCnnToLinalgPipeline(mlir::OpPassManager &pm,
                              const PipelineOptions &options);
/// The GPU architectures convc compiles for.
bool isKnownGpuArch(llvm::StringRef arch);

/// linalg on tensors -> convolutions tiled for the CPU's caches and
/// registers, epilogues fused, vectorized.
void buildLinalgToVectorPipeline(mlir::OpPassManager &pm,
                                 const PipelineOptions &options);
/// linalg on tensors -> host code with gpu.launch_func and the kernels as
/// gpu.binary objects holding PTX (Target::Cuda only).
void buildLinalgToPtxPipeline(mlir::OpPassManager &pm,
                              const PipelineOptions &options);
/// tiled linalg and vector ops on tensors -> LLVM dialect; for CUDA, the
/// whole GPU pipeline. The model function takes one pointer
/// per input, then one per output (bare-pointer convention), returns void.
void buildLinalgToLlvmPipeline(mlir::OpPassManager &pm,
                               const PipelineOptions &options);

/// Registers the pipelines above as `convc-cnn-opt`, `convc-cnn-to-linalg`,
/// `convc-linalg-to-vector` and `convc-vector-to-llvm` for convc-opt.
void registerConvcPipelines();

} // namespace convc

#endif // CONVC_PIPELINE_PIPELINE_H
