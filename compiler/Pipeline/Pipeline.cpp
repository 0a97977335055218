//===- Pipeline.cpp - convc's stages and pass pipelines -------------------===//

#include "compiler/Pipeline/Pipeline.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/ConvSchedule.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace convc {

static const std::pair<Stage, const char *> kStages[] = {
    {Stage::Ast, "ast"},        {Stage::Cnn, "cnn"},
    {Stage::Dot, "dot"},        {Stage::CnnOpt, "cnn-opt"},
    {Stage::Linalg, "linalg"},  {Stage::Vector, "vector"},
    {Stage::Llvm, "llvm"},
    {Stage::LlvmIr, "llvm-ir"}, {Stage::Asm, "asm"},
    {Stage::Obj, "obj"},        {Stage::Exe, "exe"},
};

std::optional<Stage> parseStage(llvm::StringRef name) {
  for (auto [stage, n] : kStages)
    if (name == n)
      return stage;
  return std::nullopt;
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

void buildCnnOptPipeline(OpPassManager &pm, const PipelineOptions &) {
  pm.addPass(createFoldBatchNormPass());
}

void buildCnnToLinalgPipeline(OpPassManager &pm, const PipelineOptions &) {
  pm.addPass(createConvertCnnToLinalgPass());
  pm.addPass(createCanonicalizerPass());
}

void buildLinalgToVectorPipeline(OpPassManager &pm,
                                 const PipelineOptions &options) {
  pm.addPass(createImplicitGemmPass());
  pm.addPass(createCanonicalizerPass());
  CpuDesc cpu = describeCpu(options.cpu);
  TileAndVectorizePassOptions tiling;
  tiling.vectorBits = cpu.vectorBits;
  tiling.vectorRegisters = cpu.vectorRegisters;
  tiling.l1KiB = cpu.l1Bytes / 1024;
  tiling.l2KiB = cpu.l2Bytes / 1024;
  pm.addNestedPass<func::FuncOp>(createTileAndVectorizePass(tiling));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildLinalgToLlvmPipeline(OpPassManager &pm, const PipelineOptions &) {
  // Keep each register tile's accumulators out of memory across the
  // reduction loop (hoist the read/write pairs of loop-carried tiles).
  addPipeline(pm, "loop-invariant-subset-hoisting");
  // Bufferize with identity layouts at the function boundary, turn the
  // returned buffers into output arguments, and free every temporary.
  addPipeline(pm, "one-shot-bufferize{bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map},"
                  "buffer-results-to-out-params{hoist-static-allocs "
                  "modify-public-functions},"
                  "canonicalize,cse,buffer-deallocation-pipeline,"
                  "convert-bufferization-to-memref");
  pm.addPass(createMemrefCopyToLinalgPass());
  // Loops, then the LLVM dialect. Vector transfers are unrolled in full
  // (a partial unroll allocates stack inside loops); contractions become
  // outer products of FMAs. Math ops LLVM has no intrinsic for (tanh)
  // become libm calls. scf-to-cf must follow memref-to-llvm.
  addPipeline(pm, "scf-forall-to-for,fold-memref-alias-ops,"
                  "convert-vector-to-scf{full-unroll=true},"
                  "func.func(convert-linalg-to-loops),lower-affine,"
                  "convert-vector-to-llvm{vector-contract-lowering="
                  "outerproduct},"
                  "expand-strided-metadata,lower-affine,"
                  "finalize-memref-to-llvm,convert-scf-to-cf,"
                  "convert-math-to-llvm,convert-math-to-libm,"
                  "convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
                  "convert-arith-to-llvm,convert-cf-to-llvm,"
                  "convert-index-to-llvm,convert-ub-to-llvm,"
                  "reconcile-unrealized-casts,"
                  "canonicalize,cse");
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
