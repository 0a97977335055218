//===- convc.cpp - the convc compiler driver ------------------------------===//
//
//   convc MODEL.cnn [-o OUT] [--emit=STAGE] [--weights FILE.safetensors |
//         --random-weights=SEED] [--print-ir-after-all] [--timing]
//         [--verify-each]
//
//===----------------------------------------------------------------------===//

#include "compiler/Analysis/ModelStats.h"
#include "compiler/Frontend/MLIRGen.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Weights.h"
#include "compiler/Pipeline/InitAll.h"
#include "compiler/Pipeline/Pipeline.h"
#include "compiler/Target/CpuTarget.h"
#include "dialect/ConstantData.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include <algorithm>
#include <thread>

using namespace mlir;
using namespace convc;
namespace cl = llvm::cl;

#if CONVC_JEMALLOC
/// jemalloc's settings (read when it starts). A compile copies a model's
/// weights from one representation to the next, tens of MB at a time, and
/// most of its system time went to page faults on fresh memory: backed by
/// transparent huge pages, and with freed pages kept for reuse, ResNet-18
/// compiles in 3.5 s instead of 5.
extern "C" const char *malloc_conf =
    "thp:always,metadata_thp:always,dirty_decay_ms:-1,muzzy_decay_ms:-1";
#endif

namespace {

struct DriverOptions {
  std::string input, output, weights;
  std::optional<uint64_t> randomSeed;
  std::string symbol = "convc_model";
  bool printIrAfterAll = false;
  /// --timing: how long each stage and each MLIR pass took, to stderr.
  bool timing = false;
  /// --verify-each: verify the IR after every pass, not only after the last.
  bool verifyEach = false;
  std::string dumpDir; // one numbered file per pass, as a tree
  /// --stats: "" for none, "table" or "json".
  std::string stats;
  PipelineOptions pipeline;
};

int fail(const llvm::Twine &msg) {
  llvm::errs() << "convc: error: " << msg << "\n";
  return 1;
}

/// Where text stages go: -o, or stdout.
LogicalResult writeText(const DriverOptions &opts,
                        llvm::function_ref<void(llvm::raw_ostream &)> print) {
  std::string error;
  auto out = openOutputFile(opts.output.empty() ? "-" : opts.output, &error);
  if (!out) {
    llvm::errs() << "convc: error: " << error << "\n";
    return failure();
  }
  print(out->os());
  out->keep();
  return success();
}

OpPrintingFlags printingFlags() {
  // Weights would drown the IR; print only small constants.
  return OpPrintingFlags().elideLargeElementsAttrs(16).elideLargeResourceString(
      64);
}

/// The PTX of every kernel module of a CUDA build.
void printPtx(ModuleOp module, llvm::raw_ostream &os) {
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      if (object.getFormat() == gpu::CompilationTarget::Assembly)
        os << "// kernels of " << binary.getName() << "\n"
           << object.getObject().getValue() << "\n";
    }
  });
}

/// Compiles one source buffer through the stages up to opts.pipeline.emit.
LogicalResult compile(std::unique_ptr<llvm::MemoryBuffer> buffer,
                      const DriverOptions &opts, MLIRContext &ctx) {
  llvm::SourceMgr sourceMgr;
  std::string filename = buffer->getBufferIdentifier().str();
  llvm::StringRef source = buffer->getBuffer();
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &ctx);
  Stage emit = opts.pipeline.emit;
  // With --timing, the report goes to stderr when `timing` goes out of scope.
  DefaultTimingManager timing;
  timing.setEnabled(opts.timing);
  TimingScope rootTimer = timing.getRootScope();

  TimingScope stageTimer = rootTimer.nest("parse");
  auto file = parseSource(source, filename, &ctx);
  if (failed(file))
    return failure();
  stageTimer.stop();
  if (emit == Stage::Ast)
    return writeText(opts,
                     [&](llvm::raw_ostream &os) { ast::print(*file, os); });

  std::unique_ptr<WeightSource> weights;
  if (!opts.weights.empty()) {
    std::string error;
    weights = openSafetensorsWeights(opts.weights, error);
    if (!weights) {
      llvm::errs() << "convc: error: " << error << "\n";
      return failure();
    }
  } else if (opts.randomSeed) {
    weights = createRandomWeights(*opts.randomSeed);
  } else if (!opts.stats.empty() || emit == Stage::Dot) {
    weights = createZeroWeights(); // only the shapes matter
  }
  stageTimer = rootTimer.nest("weights and cnn IR");
  OwningOpRef<ModuleOp> module = mlirGen(ctx, *file, weights.get());
  if (!module)
    return failure();
  stageTimer.stop();
  auto signature = getModelSignature(*module);
  if (failed(signature))
    return failure();
  signature->cuda = opts.pipeline.target == Target::Cuda;
  auto printModule = [&](llvm::raw_ostream &os) {
    module->print(os, printingFlags());
  };
  if (!opts.stats.empty())
    return writeText(opts, [&](llvm::raw_ostream &os) {
      auto stats = computeModelStats(*module);
      if (opts.stats == "json")
        printStatsJson(stats, os);
      else
        printStatsTable(stats, os);
    });
  if (emit == Stage::Dot)
    return writeText(
        opts, [&](llvm::raw_ostream &os) { printModelDot(*module, os); });
  if (emit == Stage::Cnn)
    return writeText(opts, printModule);

  PassManager pm(&ctx);
  if (opts.printIrAfterAll) {
    ctx.disableMultithreading();
    pm.enableIRPrinting(
        [](Pass *, Operation *) { return false; },
        [](Pass *, Operation *) { return true; },
        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
        /*printAfterOnlyOnFailure=*/false, llvm::errs(), printingFlags());
  }
  if (!opts.dumpDir.empty()) {
    ctx.disableMultithreading();
    pm.enableIRPrintingToFileTree(
        [](Pass *, Operation *) { return false; },
        [](Pass *, Operation *) { return true; },
        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
        /*printAfterOnlyOnFailure=*/false, opts.dumpDir, printingFlags());
  }
  // The stages after `cnn` are in pipeline order.
  buildCnnOptPipeline(pm, opts.pipeline);
  if (emit >= Stage::Linalg)
    buildCnnToLinalgPipeline(pm, opts.pipeline);
  if (emit >= Stage::Vector)
    buildLinalgToVectorPipeline(pm, opts.pipeline);
  if (emit == Stage::Ptx)
    buildLinalgToPtxPipeline(pm, opts.pipeline);
  if (emit >= Stage::Llvm)
    buildLinalgToLlvmPipeline(pm, opts.pipeline);
  stageTimer = rootTimer.nest("MLIR passes");
  pm.enableTiming(stageTimer);
  // Verifying the IR after every pass takes a fifth of a ResNet-18 compile:
  // by default it is verified once, after the last pass.
  pm.enableVerifier(opts.verifyEach);
  if (failed(pm.run(*module)) || (!opts.verifyEach && failed(verify(*module))))
    return failure();
  stageTimer.stop();
  if (emit == Stage::Ptx)
    return writeText(opts,
                     [&](llvm::raw_ostream &os) { printPtx(*module, os); });
  if (emit <= Stage::Llvm)
    return writeText(opts, printModule);

  std::string error;
  auto tm =
      createTargetMachine(opts.pipeline.cpu, opts.pipeline.optLevel, error);
  if (!tm) {
    llvm::errs() << "convc: error: " << error << "\n";
    return failure();
  }
  llvm::LLVMContext llvmContext;
  stageTimer = rootTimer.nest("translation to LLVM IR");
  auto llvmModule =
      translateToLlvmIr(*module, *signature, *tm, opts.symbol, llvmContext);
  if (!llvmModule)
    return failure();
  // The LLVM module has its own copy of the weights: free the MLIR one.
  module->getBody()->clear();
  cnn::releaseUnusedBlobs(*module);
  std::string stem = llvm::sys::path::stem(opts.input).str();
  if (emit == Stage::Exe || emit == Stage::Obj) {
    // The weights, and the code in parts that compile on all of the
    // machine's cores, each to an object; linked into the executable or
    // into one object.
    unsigned parts = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    llvm::SmallVector<std::string> objects;
    // (A FileRemover is copied, and then removes its file, as a vector of
    // them grows: the vector is made at its size.)
    std::vector<llvm::FileRemover> removeObjects(parts + 1);
    for (unsigned i = 0; i <= parts; ++i) {
      llvm::SmallString<128> object;
      if (auto ec =
              llvm::sys::fs::createTemporaryFile("convc-" + stem, "o", object))
        return llvm::errs() << "convc: error: cannot create a temporary file: "
                            << ec.message() << "\n",
               failure();
      removeObjects[i].setFile(object);
      objects.push_back(object.str().str());
    }
    stageTimer = rootTimer.nest("LLVM optimizer and code generation");
    if (failed(compileInParts(std::move(llvmModule), opts.pipeline.cpu,
                              opts.pipeline.optLevel, objects, error)))
      return llvm::errs() << "convc: error: " << error << "\n", failure();
    stageTimer = rootTimer.nest("link");
    std::string out = opts.output;
    if (out.empty())
      out = emit == Stage::Obj ? stem + ".o" : stem;
    if (failed(emit == Stage::Obj ? linkObject(objects, out, error)
                                  : linkExecutable(objects, out, error)))
      return llvm::errs() << "convc: error: " << error << "\n", failure();
    return success();
  }

  stageTimer = rootTimer.nest("LLVM optimizer");
  optimizeLlvmIr(*llvmModule, *tm, opts.pipeline.optLevel);
  stageTimer.stop();
  if (emit == Stage::LlvmIr)
    return writeText(
        opts, [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });

  stageTimer = rootTimer.nest("code generation");
  std::string out = opts.output.empty() ? "-" : opts.output;
  if (failed(emitNative(*llvmModule, *tm, /*assembly=*/true, out, error)))
    return llvm::errs() << "convc: error: " << error << "\n", failure();
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::OptionCategory category("convc options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<model.cnn>"),
                             cl::Required, cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Output file"),
                              cl::value_desc("path"), cl::cat(category));
  // cl::desc keeps a pointer to its text: the text must outlive parsing.
  std::string emitHelp = "What to produce: " + stageList() + " (default: exe)";
  cl::opt<std::string> emit("emit", cl::desc(emitHelp), cl::init("exe"),
                            cl::cat(category));
  cl::opt<std::string> weights(
      "weights", cl::desc("Weights in safetensors format, keyed by layer name"),
      cl::value_desc("file.safetensors"), cl::cat(category));
  cl::opt<uint64_t> randomWeights(
      "random-weights",
      cl::desc("Deterministic random weights from this seed (for demos and "
               "benchmarks)"),
      cl::value_desc("seed"), cl::cat(category));
  // LLVM owns the option name "stats" (its statistics), so --stats is
  // taken out of argv before LLVM parses the rest.
  cl::extrahelp statsHelp(
      "\n  --stats[=table|json]  Print per-layer statistics (shapes, "
      "parameters, MACs,\n                        FLOPs, memory, receptive "
      "field) instead of compiling\n");
  std::optional<std::string> stats;
  llvm::SmallVector<char *> args;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--stats" || arg == "-stats")
      stats = "table";
    else if (arg.consume_front("--stats=") || arg.consume_front("-stats="))
      stats = arg.str();
    else
      args.push_back(argv[i]);
  }
  cl::opt<bool> printIrAfterAll(
      "print-ir-after-all", cl::desc("Print the IR after every pass to stderr"),
      cl::cat(category));
  cl::opt<std::string> dumpDir(
      "dump-dir",
      cl::desc("Write the IR after every pass to DIR, one numbered file per "
               "pass"),
      cl::value_desc("dir"), cl::cat(category));
  cl::opt<bool> timing(
      "timing",
      cl::desc("Print how long each stage and each MLIR pass took to stderr"),
      cl::cat(category));
  cl::opt<bool> verifyEach(
      "verify-each",
      cl::desc("Verify the IR after every pass (by default, after the last; "
               "the tests verify each)"),
      cl::cat(category));
  cl::opt<bool> splitInputFile(
      "split-input-file",
      cl::desc("Compile each '// -----' separated chunk on its own"),
      cl::cat(category));
  cl::opt<std::string> symbol(
      "symbol",
      cl::desc("The model descriptor's symbol in --emit=obj (default "
               "convc_model; executables always use that)"),
      cl::init("convc_model"), cl::cat(category));
  cl::opt<std::string> cpu("cpu", cl::desc("Target CPU (default: native)"),
                           cl::init("native"), cl::cat(category));
  cl::opt<std::string> target(
      "target", cl::desc("What the model runs on: cpu, cuda (NVIDIA GPUs), or "
                         "cuda-host (the CUDA schedule run on the CPU, to "
                         "check it without a GPU); default cpu"),
      cl::init("cpu"), cl::cat(category));
  cl::opt<std::string> gpuArch(
      "gpu-arch", cl::desc("GPU architecture for --target=cuda (default "
                           "sm_80; also sm_70, sm_75, sm_86, sm_87, sm_89, "
                           "sm_90)"),
      cl::init("sm_80"), cl::cat(category));
  cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level (0-3)"),
                             cl::init(3), cl::Prefix, cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(),
                              "convc: compiles a convolutional network (.cnn) "
                              "to native code\n");

  DriverOptions opts;
  opts.input = input;
  opts.output = output;
  opts.weights = weights;
  if (randomWeights.getNumOccurrences())
    opts.randomSeed = randomWeights;
  opts.printIrAfterAll = printIrAfterAll;
  opts.dumpDir = dumpDir;
  opts.timing = timing;
  opts.verifyEach = verifyEach;
  if (stats) {
    opts.stats = *stats;
    if (opts.stats != "table" && opts.stats != "json")
      return fail("--stats takes 'table' or 'json', not '" + *stats + "'");
  }
  opts.pipeline.cpu = cpu;
  opts.pipeline.optLevel = optLevel;
  auto parsedTarget = parseTarget(target);
  if (!parsedTarget)
    return fail("unknown --target=" + target +
                "; choose one of cpu, cuda, cuda-host");
  opts.pipeline.target = *parsedTarget;
  if (!isKnownGpuArch(gpuArch))
    return fail("unknown --gpu-arch=" + gpuArch +
                "; choose one of sm_70, sm_75, sm_80, sm_86, sm_87, sm_89, "
                "sm_90");
  opts.pipeline.gpuArch = gpuArch;
  auto stage = parseStage(emit);
  if (!stage)
    return fail("unknown --emit=" + emit + "; choose one of " + stageList());
  opts.pipeline.emit = *stage;
  if (opts.pipeline.emit == Stage::Ptx && opts.pipeline.target != Target::Cuda)
    return fail("--emit=ptx needs --target=cuda");
  opts.symbol = symbol;
  if (opts.pipeline.emit == Stage::Exe && symbol != "convc_model")
    return fail("--symbol applies to --emit=obj (an executable's main calls "
                "convc_model)");
  if (!llvm::all_of(opts.symbol,
                    [](char c) { return llvm::isAlnum(c) || c == '_'; }) ||
      opts.symbol.empty() || llvm::isDigit(opts.symbol[0]))
    return fail("--symbol must be a C identifier, not '" + opts.symbol + "'");
  if (optLevel > 3)
    return fail("-O must be 0, 1, 2 or 3");
  if (!opts.weights.empty() && opts.randomSeed)
    return fail("--weights and --random-weights exclude each other");

  std::string error;
  auto buffer = openInputFile(input, &error);
  if (!buffer)
    return fail(error);

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllPasses();
  MLIRContext ctx(registry);
  ctx.printOpOnDiagnostic(false);

  if (!splitInputFile)
    return failed(compile(std::move(buffer), opts, ctx)) ? 1 : 0;
  // Each chunk reports its own errors; the exit code says if any failed.
  bool anyFailed = false;
  (void)splitAndProcessBuffer(
      std::move(buffer),
      [&](std::unique_ptr<llvm::MemoryBuffer> chunk, llvm::raw_ostream &) {
        if (failed(compile(std::move(chunk), opts, ctx)))
          anyFailed = true;
        return success();
      },
      llvm::outs());
  return anyFailed ? 1 : 0;
}
