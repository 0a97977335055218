//===- CpuTarget.cpp - LLVM dialect to native code ------------------------===//

#include "compiler/Target/CpuTarget.h"
#include "compiler/Target/Config.h"

#include "convc/runtime.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Pass.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include <thread>

using namespace mlir;
using namespace convc;

FailureOr<ModelSignature> convc::getModelSignature(ModuleOp module) {
  func::FuncOp model;
  for (auto f : module.getOps<func::FuncOp>())
    if (f.isPublic() && !f.isExternal()) {
      if (model)
        return emitError(f.getLoc()) << "more than one public function";
      model = f;
    }
  if (!model)
    return emitError(module.getLoc()) << "no model function in the module";
  ModelSignature sig;
  sig.name = model.getName().str();
  auto collect = [](ArrayRef<Type> types, auto attrOf,
                    std::vector<ModelSignature::Tensor> &out) {
    for (auto [i, t] : llvm::enumerate(types)) {
      auto tt = dyn_cast<RankedTensorType>(t);
      if (!tt || !tt.hasStaticShape() ||
          !(tt.getElementType().isF32() || tt.getElementType().isInteger(64)))
        return failure();
      StringAttr name = attrOf(i, "cnn.name"), layout = attrOf(i, "cnn.layout");
      out.push_back(
          {name ? name.str() : "t" + std::to_string(i),
           std::vector<int64_t>(tt.getShape().begin(), tt.getShape().end()),
           layout && layout.getValue() == "nhwc",
           tt.getElementType().isInteger(64)});
    }
    return success();
  };
  if (failed(collect(
          model.getArgumentTypes(),
          [&](unsigned i, StringRef key) {
            return model.getArgAttrOfType<StringAttr>(i, key);
          },
          sig.inputs)) ||
      failed(collect(
          model.getResultTypes(),
          [&](unsigned i, StringRef key) {
            return model.getResultAttrOfType<StringAttr>(i, key);
          },
          sig.outputs)))
    return emitError(model.getLoc())
           << "model inputs and outputs must be static f32 (or, for "
              "outputs, i64) tensors";
  return sig;
}

std::unique_ptr<llvm::TargetMachine>
convc::createTargetMachine(StringRef cpu, unsigned optLevel,
                           std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpuName = cpu.str(), features;
  if (cpu == "native") {
    cpuName = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures f;
    for (const auto &[feature, enabled] : llvm::sys::getHostCPUFeatures())
      f.AddFeature(feature, enabled);
    features = f.getString();
  }
  llvm::TargetOptions opts;
  // Constructors in .init_array, as clang emits them: glibc's start files
  // and lld never run a .ctors section, and a CUDA model loads its kernels
  // in a constructor.
  opts.UseInitArray = true;
  auto level = optLevel == 0   ? llvm::CodeGenOptLevel::None
               : optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : optLevel == 2 ? llvm::CodeGenOptLevel::Default
                               : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpuName, features, opts, llvm::Reloc::PIC_, std::nullopt, level));
  if (!tm)
    error = "cannot create a target machine for CPU '" + cpuName + "'";
  return tm;
}

/// Adds `convc_model` (see convc_model_info in runtime.h) and
/// `convc_model_run(void **buffers)`, which calls the model function with
/// one pointer per input and output.
static void addDescriptor(llvm::Module &m, const ModelSignature &sig,
                          ArrayRef<std::string> layers, StringRef symbol) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  llvm::Type *i32 = b.getInt32Ty();
  auto *tensorInfo = llvm::StructType::create(ctx, {ptr, i32, i32, ptr, i32},
                                              "convc_tensor_info");
  auto *modelInfo = llvm::StructType::create(
      ctx, {ptr, i32, i32, ptr, ptr, ptr, i32, i32, ptr}, "convc_model_info");
  auto privateConst = [&](llvm::Constant *init, const llvm::Twine &name) {
    return new llvm::GlobalVariable(m, init->getType(), true,
                                    llvm::GlobalValue::PrivateLinkage, init,
                                    name);
  };
  auto infos = [&](const std::vector<ModelSignature::Tensor> &ts,
                   const char *kind) {
    std::vector<llvm::Constant *> elems;
    for (auto [i, t] : llvm::enumerate(ts)) {
      auto *shape = privateConst(
          llvm::ConstantDataArray::get(ctx, llvm::ArrayRef<int64_t>(t.shape)),
          llvm::Twine("convc.") + kind + ".shape." + llvm::Twine(i));
      elems.push_back(llvm::ConstantStruct::get(
          tensorInfo,
          {b.CreateGlobalString(t.name, "", 0, &m),
           llvm::ConstantInt::get(i32, t.int64 ? CONVC_I64 : CONVC_F32),
           llvm::ConstantInt::get(i32, t.shape.size()), shape,
           llvm::ConstantInt::get(i32, t.nhwc ? CONVC_NHWC : CONVC_NCHW)}));
    }
    auto *arrayTy = llvm::ArrayType::get(tensorInfo, elems.size());
    return privateConst(llvm::ConstantArray::get(arrayTy, elems),
                        llvm::Twine("convc.") + kind);
  };

  // void convc_model_entry(void **buffers) { model(buffers[0], ...); }
  llvm::Function *model = m.getFunction(sig.name);
  auto *runTy = llvm::FunctionType::get(b.getVoidTy(), {ptr}, false);
  auto *run = llvm::Function::Create(runTy, llvm::GlobalValue::InternalLinkage,
                                     "convc_model_entry", m);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", run));
  std::vector<llvm::Value *> args;
  size_t n = sig.inputs.size() + sig.outputs.size();
  for (size_t i = 0; i < n; ++i)
    args.push_back(
        b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, run->getArg(0), i)));
  b.CreateCall(model, args);
  b.CreateRetVoid();
  // Only the descriptor and its entry are part of the artifact's interface.
  model->setLinkage(llvm::GlobalValue::InternalLinkage);

  // The profiled layers' names, by id (convc-profile-layers).
  std::vector<llvm::Constant *> names;
  for (const std::string &name : layers)
    names.push_back(b.CreateGlobalString(name, "", 0, &m));
  llvm::Constant *layerNames =
      names.empty()
          ? static_cast<llvm::Constant *>(llvm::ConstantPointerNull::get(
                llvm::PointerType::getUnqual(ctx)))
          : privateConst(llvm::ConstantArray::get(
                             llvm::ArrayType::get(ptr, names.size()), names),
                         "convc.layers");
  auto *desc = llvm::ConstantStruct::get(
      modelInfo,
      {b.CreateGlobalString(sig.name, "", 0, &m),
       llvm::ConstantInt::get(i32, sig.inputs.size()),
       llvm::ConstantInt::get(i32, sig.outputs.size()),
       infos(sig.inputs, "inputs"), infos(sig.outputs, "outputs"), run,
       llvm::ConstantInt::get(i32,
                              sig.cuda ? CONVC_DEVICE_CUDA : CONVC_DEVICE_CPU),
       llvm::ConstantInt::get(i32, layers.size()), layerNames});
  new llvm::GlobalVariable(m, modelInfo, true,
                           llvm::GlobalValue::ExternalLinkage, desc, symbol);
}

std::unique_ptr<llvm::Module>
convc::translateToLlvmIr(ModuleOp module, const ModelSignature &sig,
                         llvm::TargetMachine &tm, StringRef symbol,
                         llvm::LLVMContext &context) {
  // The tensor names are in the descriptor; LLVM has no use for them.
  module.walk([](LLVM::LLVMFuncOp f) {
    for (StringRef key : {"cnn.name", "cnn.layout"}) {
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        f.removeArgAttr(i, key);
      for (unsigned i = 0; i < f.getNumResults(); ++i)
        f.removeResultAttr(i, StringAttr::get(f.getContext(), key));
    }
  });
  std::vector<std::string> layers;
  if (auto names = module->getAttrOfType<ArrayAttr>("convc.layers"))
    for (auto name : names.getAsRange<StringAttr>())
      layers.push_back(name.str());
  auto llvmModule = translateModuleToLLVMIR(module, context, sig.name);
  if (!llvmModule)
    return nullptr;
  if (!llvmModule->getFunction(sig.name)) {
    emitError(module.getLoc())
        << "model function '" << sig.name << "' is missing after lowering";
    return nullptr;
  }
  llvmModule->setTargetTriple(tm.getTargetTriple());
  llvmModule->setDataLayout(tm.createDataLayout());
  addDescriptor(*llvmModule, sig, layers, symbol);
  std::string broken;
  llvm::raw_string_ostream brokenOs(broken);
  if (llvm::verifyModule(*llvmModule, &brokenOs)) {
    emitError(module.getLoc()) << "convc: invalid LLVM IR: " << broken;
    return nullptr;
  }
  return llvmModule;
}

void convc::optimizeLlvmIr(llvm::Module &module, llvm::TargetMachine &tm,
                           unsigned optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // Reports each pass's time under -time-passes (convc --timing).
  llvm::PassInstrumentationCallbacks callbacks;
  llvm::StandardInstrumentations instrumentations(module.getContext(),
                                                  /*DebugLogging=*/false);
  instrumentations.registerCallbacks(callbacks, &mam);
  llvm::PassBuilder pb(&tm, llvm::PipelineTuningOptions(), std::nullopt,
                       &callbacks);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  auto level = optLevel == 0   ? llvm::OptimizationLevel::O0
               : optLevel == 1 ? llvm::OptimizationLevel::O1
               : optLevel == 2 ? llvm::OptimizationLevel::O2
                               : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = optLevel == 0
                                    ? pb.buildO0DefaultPipeline(level)
                                    : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

LogicalResult convc::emitNative(llvm::Module &module, llvm::TargetMachine &tm,
                                bool assembly, StringRef path,
                                std::string &error) {
  std::error_code ec;
  llvm::ToolOutputFile out(
      path, ec, assembly ? llvm::sys::fs::OF_Text : llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return failure();
  }
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, out.os(), nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return failure();
  }
  pm.run(module);
  out.keep();
  return success();
}

/// Constants of at least this many bytes (a model's weights) are compiled
/// apart from the code, which moves to the threads as bitcode: ResNet-18's
/// 44 MB of weights took 0.6 s to write as bitcode and 0.2 s to read.
static constexpr uint64_t kSeparateConstantBytes = 64 * 1024;

/// Moves the large constants of `module` to a new module of its context,
/// leaving declarations of them (hidden, as their definitions).
static std::unique_ptr<llvm::Module> takeLargeConstants(llvm::Module &module) {
  auto constants =
      std::make_unique<llvm::Module>("constants", module.getContext());
  constants->setTargetTriple(module.getTargetTriple());
  constants->setDataLayout(module.getDataLayout());
  const llvm::DataLayout &layout = module.getDataLayout();
  for (llvm::GlobalVariable &g : module.globals()) {
    if (!g.isConstant() || !g.hasInitializer() ||
        layout.getTypeAllocSize(g.getValueType()) < kSeparateConstantBytes)
      continue;
    if (!g.hasName())
      g.setName("convc.constant");
    auto *definition = new llvm::GlobalVariable(
        *constants, g.getValueType(), /*isConstant=*/true,
        llvm::GlobalValue::ExternalLinkage, g.getInitializer(), g.getName());
    definition->setAlignment(g.getAlign());
    if (g.hasSection())
      definition->setSection(g.getSection());
    g.setInitializer(nullptr);
    g.setLinkage(llvm::GlobalValue::ExternalLinkage);
    for (llvm::GlobalVariable *v : {definition, &g}) {
      v->setVisibility(llvm::GlobalValue::HiddenVisibility);
      v->setDSOLocal(true);
    }
  }
  return constants;
}

LogicalResult convc::compileInParts(std::unique_ptr<llvm::Module> module,
                                    StringRef cpu, unsigned optLevel,
                                    ArrayRef<std::string> paths,
                                    std::string &error) {
  std::unique_ptr<llvm::Module> constants = takeLargeConstants(*module);
  // Each part of the code moves to a context of its own: a context is used
  // by one thread at a time.
  std::vector<llvm::SmallVector<char, 0>> parts;
  llvm::SplitModule(*module, paths.size() - 1,
                    [&](std::unique_ptr<llvm::Module> part) {
                      llvm::raw_svector_ostream os(parts.emplace_back());
                      llvm::WriteBitcodeToFile(*part, os);
                    });
  module.reset();
  // The target machines are made here: making one registers the target,
  // which is not thread-safe.
  std::vector<std::string> errors(paths.size());
  std::vector<std::unique_ptr<llvm::TargetMachine>> machines;
  for (size_t i = 0; i < paths.size(); ++i) {
    machines.push_back(createTargetMachine(cpu, optLevel, errors[i]));
    if (!machines.back())
      return error = std::move(errors[i]), failure();
  }
  auto compile = [&](size_t i) {
    llvm::LLVMContext context;
    auto part = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(StringRef(parts[i].data(), parts[i].size()),
                              paths[i + 1]),
        context);
    if (!part) {
      errors[i + 1] = llvm::toString(part.takeError());
      return;
    }
    optimizeLlvmIr(**part, *machines[i + 1], optLevel);
    (void)emitNative(**part, *machines[i + 1], /*assembly=*/false, paths[i + 1],
                     errors[i + 1]);
  };
  // LLVM's -time-passes keeps its codegen timers in one global: with it,
  // the parts compile one after the other.
  std::vector<std::thread> threads;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (llvm::TimePassesIsEnabled)
      compile(i);
    else
      threads.emplace_back(compile, i);
  }
  (void)emitNative(*constants, *machines[0], /*assembly=*/false, paths[0],
                   errors[0]);
  for (std::thread &thread : threads)
    thread.join();
  for (std::string &partError : errors)
    if (!partError.empty())
      return error = std::move(partError), failure();
  return success();
}

/// Runs `program` with `args` (args[0] being its name); fails with a
/// message naming `what` if it does not exit with 0.
static LogicalResult runTool(StringRef program, ArrayRef<StringRef> args,
                             StringRef what, std::string &error) {
  int rc =
      llvm::sys::ExecuteAndWait(program, args, std::nullopt, {}, 0, 0, &error);
  if (rc == 0)
    return success();
  if (error.empty())
    error = ("the " + what + " (" + program + ") failed with exit code " +
             std::to_string(rc))
                .str();
  return failure();
}

LogicalResult convc::linkObject(ArrayRef<std::string> objects, StringRef output,
                                std::string &error) {
  llvm::SmallVector<StringRef> link = {CONVC_LLD, "-r"};
  link.append(objects.begin(), objects.end());
  link.append({"-o", output});
  // The parts share the symbols that were local to the model (as hidden
  // globals): local again, two models link into one program.
  return failure(failed(runTool(CONVC_LLD, link, "linker", error)) ||
                 failed(runTool(CONVC_OBJCOPY,
                                {CONVC_OBJCOPY, "--localize-hidden", output},
                                "object copier", error)));
}

LogicalResult convc::linkExecutable(ArrayRef<std::string> objects,
                                    StringRef output, std::string &error) {
  llvm::SmallVector<StringRef> args = {CONVC_LINKER, "--ld-path=" CONVC_LLD};
  args.append(objects.begin(), objects.end());
  args.append({CONVC_LIB_DIR "/libconvc_exe_main.a",
               CONVC_LIB_DIR "/libconvc_runtime.a", CONVC_STB_LIBRARY,
               "-fopenmp=libomp", "-lm", "-o", output});
  if (StringRef(CONVC_LINK_FLAGS).size())
    args.push_back(CONVC_LINK_FLAGS);
  return runTool(CONVC_LINKER, args, "linker", error);
}
