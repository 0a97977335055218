//===- Pipeline.cpp - convc's stages and pass pipelines -------------------===//

#include "compiler/Pipeline/Pipeline.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/ConvSchedule.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;

namespace convc {

static const std::pair<Stage, const char *> kStages[] = {
    {Stage::Ast, "ast"},        {Stage::Cnn, "cnn"},
    {Stage::Dot, "dot"},        {Stage::CnnOpt, "cnn-opt"},
    {Stage::Linalg, "linalg"},  {Stage::Vector, "vector"},
    {Stage::Ptx, "ptx"},        {Stage::Llvm, "llvm"},
    {Stage::LlvmIr, "llvm-ir"}, {Stage::Asm, "asm"},
    {Stage::Obj, "obj"},        {Stage::Exe, "exe"},
};

std::optional<Stage> parseStage(llvm::StringRef name) {
  for (auto [stage, n] : kStages)
    if (name == n)
      return stage;
  return std::nullopt;
}

std::optional<Target> parseTarget(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Target>>(name)
      .Case("cpu", Target::Cpu)
      .Case("cuda", Target::Cuda)
      .Case("cuda-host", Target::CudaHost)
      .Default(std::nullopt);
}

bool isKnownGpuArch(llvm::StringRef arch) {
  return llvm::is_contained({"sm_70", "sm_75", "sm_80", "sm_86", "sm_87",
                             "sm_89", "sm_90"},
                            arch);
}

std::string stageList() {
  std::string list;
  for (auto [stage, n] : kStages)
    list += (list.empty() ? "" : ", ") + std::string(n);
  return list;
}

/// Appends a textual pipeline of upstream passes to `pm`. The texts below
/// are fixed, so a parse failure is a bug in convc.
static void addPipeline(OpPassManager &pm, llvm::StringRef text) {
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error("convc: invalid built-in pass pipeline");
}

// Each pass that replaces weights (folds, packs or blocks them) is followed
// by convc-release-unused-blobs, which frees the replaced ones.

void buildCnnOptPipeline(OpPassManager &pm, const PipelineOptions &) {
  pm.addPass(createFoldBatchNormPass());
  pm.addPass(createReleaseUnusedBlobsPass());
}

void buildCnnToLinalgPipeline(OpPassManager &pm, const PipelineOptions &) {
  pm.addPass(createConvertCnnToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createReleaseUnusedBlobsPass());
}

void buildLinalgToVectorPipeline(OpPassManager &pm,
                                 const PipelineOptions &options) {
  ImplicitGemmPassOptions gemm;
  if (options.target == Target::Cpu)
    gemm.maxTapsPerOp = kMaxTapsPerStep;
  pm.addPass(createImplicitGemmPass(gemm));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createReleaseUnusedBlobsPass());
  TileAndVectorizePassOptions tiling;
  if (options.target == Target::Cpu) {
    CpuDesc cpu = describeCpu(options.cpu);
    tiling.vectorBits = cpu.vectorBits;
    tiling.vectorRegisters = cpu.vectorRegisters;
    tiling.l1KiB = cpu.l1Bytes / 1024;
    tiling.l2KiB = cpu.l2Bytes / 1024;
    tiling.threads = cpu.threads;
  } else {
    // The GPU schedule; its check on the host runs exactly the same one.
    tiling.gpuArch = options.gpuArch;
  }
  pm.addNestedPass<func::FuncOp>(createTileAndVectorizePass(tiling));
  if (options.target == Target::Cpu) {
    pm.addNestedPass<func::FuncOp>(createSkipPaddingTapsPass());
    pm.addNestedPass<func::FuncOp>(createReadThroughPaddingPass());
    pm.addNestedPass<func::FuncOp>(createFusePhaseLoopsPass());
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReleaseUnusedBlobsPass());
}

/// Bufferizes with identity layouts at the function boundary, turns the
/// returned buffers into output arguments (allocated in the returned shape,
/// so that none is copied), and frees every temporary. On a CPU, a cache
/// block's own small buffers are on its thread's stack.
static void addBufferization(OpPassManager &pm, bool cpu = false) {
  pm.addNestedPass<func::FuncOp>(createPadInPlacePass());
  addPipeline(pm, "eliminate-empty-tensors,"
                  "one-shot-bufferize{bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map}");
  pm.addNestedPass<func::FuncOp>(createAllocReturnedShapePass());
  if (cpu)
    pm.addNestedPass<func::FuncOp>(createBlockBuffersOnStackPass());
  addPipeline(pm, "buffer-results-to-out-params{hoist-static-allocs "
                  "modify-public-functions},"
                  "canonicalize,cse,buffer-deallocation-pipeline,"
                  "convert-bufferization-to-memref");
  if (cpu)
    pm.addNestedPass<func::FuncOp>(createMergeBorderFillsPass());
  pm.addPass(createMemrefCopyToLinalgPass());
}

/// Every linalg op the GPU schedule left as parallel loops mapped to
/// blocks and threads, then gpu.launch ops in the host function.
static void addGpuMapping(OpPassManager &pm) {
  addPipeline(pm, "func.func(convert-linalg-to-parallel-loops),"
                  "fold-memref-alias-ops,canonicalize");
  pm.addNestedPass<func::FuncOp>(createGpuMapLoopsPass());
  addPipeline(pm, "func.func(convert-parallel-loops-to-gpu),lower-affine,"
                  "canonicalize,cse");
}

#ifndef CONVC_CUDA_PATH
#define CONVC_CUDA_PATH "/usr/local/cuda"
#endif

/// Loop-carried register tiles stay out of memory: their read/write pairs
/// leave the loops, and a tile's initial write and first read fold into
/// one value (no temporary buffer per register tile).
static void addTileHoisting(OpPassManager &pm) {
  addPipeline(pm, "loop-invariant-subset-hoisting,canonicalize");
}

void buildLinalgToPtxPipeline(OpPassManager &pm,
                              const PipelineOptions &options) {
  addTileHoisting(pm);
  addBufferization(pm);
  pm.addNestedPass<func::FuncOp>(createGpuMapForallsPass());
  addGpuMapping(pm);
  // Kernels to NVVM, then PTX (format isa needs no toolkit; libdevice
  // from the toolkit provides the math functions). Empty PTX features
  // pick the chip's minimum PTX version.
  std::string libdevice = CONVC_CUDA_PATH "/nvvm/libdevice/libdevice.10.bc";
  std::string attach = "nvvm-attach-target{chip=" + options.gpuArch + " O=3";
  if (llvm::sys::fs::exists(libdevice))
    attach += " l=" + libdevice;
  // Timers around each layer's launches, labelled while each launch still
  // holds the ops of its kernel (the layers it computes).
  pm.addPass(createProfileLayersPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGpuMergeModulesPass());
  addPipeline(pm, attach +
                      "},"
                      "gpu.module(convert-vector-to-scf{full-unroll=true},"
                      "expand-strided-metadata,lower-affine,"
                      "convert-vector-to-llvm,convert-scf-to-cf,"
                      "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},"
                      "canonicalize,cse,reconcile-unrealized-casts),"
                      "gpu-module-to-binary{format=isa toolkit=" CONVC_CUDA_PATH
                      "}");
}

/// Loops (and vectors) to the LLVM dialect on the host. With `openmp`,
/// the cache-block loops (scf.forall) run on OpenMP threads; otherwise
/// they become sequential loops. Vector reductions (a global pooling
/// window's plane, a linear layer's partial sums) are trees, not chains:
/// LLVM may reassociate them. Vector transfers are unrolled in full (a
/// partial unroll allocates stack inside loops); contractions become outer
/// products of FMAs; 16x16 transposes (the squares channels-in-lanes tiles
/// leave through) become shuffles of whole registers. Math ops LLVM has no
/// intrinsic for (tanh) become libm calls. scf-to-cf must follow
/// memref-to-llvm. Buffers come from the runtime (`use-generic-functions`),
/// which keeps large ones from one inference to the next and, in a CUDA
/// process, allocates memory the GPU can read. A CUDA host also launches
/// kernels. Each layer's loop nests are bracketed by the runtime's per-layer
/// timers (a CUDA host's launches already are). Constant tensors become flat
/// byte arrays. With `maskLanes`, rows that end in part of a register are read
/// and written as masked registers of that many lanes.
static void addHostLowering(OpPassManager &pm, bool cuda, bool openmp,
                            int64_t maskLanes = 0) {
  if (!cuda) // the PTX pipeline brackets the launches
    pm.addPass(createProfileLayersPass());
  addPipeline(pm, openmp ? "scf-forall-to-parallel,convert-scf-to-openmp"
                         : "scf-forall-to-for");
  addPipeline(pm, "fold-memref-alias-ops,"
                  "convert-vector-to-scf{full-unroll=true}");
  pm.addPass(createMaskPartialVectorsPass({maskLanes}));
  addPipeline(pm, "func.func(convert-linalg-to-loops),lower-affine,"
                  "convert-vector-to-llvm{reassociate-fp-reductions=1 "
                  "vector-contract-lowering="
                  "outerproduct vector-transpose-lowering=shuffle16x16},"
                  "expand-strided-metadata,lower-affine");
  if (cuda)
    addPipeline(pm, "convert-scf-to-cf,"
                    "finalize-memref-to-llvm{use-generic-functions=1},"
                    "gpu-to-llvm{use-bare-pointers-for-host=1 "
                    "use-bare-pointers-for-kernels=1}");
  else
    addPipeline(pm, "finalize-memref-to-llvm{use-generic-functions=1}");
  addPipeline(pm, "convert-scf-to-cf,"
                  "convert-math-to-llvm,convert-math-to-libm,"
                  "convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
                  "convert-arith-to-llvm,convert-cf-to-llvm,"
                  "convert-index-to-llvm,convert-ub-to-llvm,"
                  "convert-openmp-to-llvm,"
                  "reconcile-unrealized-casts,"
                  "canonicalize,cse");
  pm.addPass(createFlattenConstantGlobalsPass());
  if (cuda)
    pm.addPass(createCudaConstantsPass());
}

void buildLinalgToLlvmPipeline(OpPassManager &pm,
                               const PipelineOptions &options) {
  switch (options.target) {
  case Target::Cuda:
    buildLinalgToPtxPipeline(pm, options);
    addHostLowering(pm, /*cuda=*/true, /*openmp=*/false);
    return;
  case Target::CudaHost:
    // The kernels of --target=cuda, run as loops.
    addTileHoisting(pm);
    addBufferization(pm);
    pm.addNestedPass<func::FuncOp>(createGpuMapForallsPass());
    addGpuMapping(pm);
    pm.addPass(createGpuLaunchToLoopsPass());
    addHostLowering(pm, /*cuda=*/false, /*openmp=*/false);
    return;
  case Target::Cpu:
    addTileHoisting(pm);
    addBufferization(pm, /*cpu=*/true);
    CpuDesc cpu = describeCpu(options.cpu);
    pm.addPass(createCopyPerThreadPass());
    pm.addPass(createVectorizeCopiesPass());
    pm.addPass(createPrefetchWeightsPass({cpu.l3Bytes / 1024}));
    pm.addPass(createCanonicalizerPass());
    // Rows ending in part of a register: masked on CPUs with mask
    // registers (AVX-512).
    addHostLowering(pm, /*cuda=*/false, /*openmp=*/true,
                    cpu.vectorBits >= 512 ? cpu.vectorBits / 32 : 0);
    return;
  }
}

void registerConvcPipelines() {
  PassPipelineRegistration<>(
      "convc-cnn-opt", "convc's graph passes on cnn ops",
      [](OpPassManager &pm) { buildCnnOptPipeline(pm, {}); });
  PassPipelineRegistration<>(
      "convc-cnn-to-linalg", "convc's cnn -> linalg stage",
      [](OpPassManager &pm) { buildCnnToLinalgPipeline(pm, {}); });
  PassPipelineRegistration<>(
      "convc-linalg-to-vector",
      "convc's linalg -> tiled and vectorized stage (for the host CPU)",
      [](OpPassManager &pm) { buildLinalgToVectorPipeline(pm, {}); });
  PassPipelineRegistration<>(
      "convc-vector-to-llvm", "convc's vector -> LLVM dialect stage",
      [](OpPassManager &pm) { buildLinalgToLlvmPipeline(pm, {}); });
}

} // namespace convc
