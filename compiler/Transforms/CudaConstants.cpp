//===- CudaConstants.cpp - constants the host hands to kernels ------------===//
//
// Kernels cannot read the host's globals (the model's weights and other
// constant tensors). In a CUDA build every address of such a global taken
// in host code becomes a call to the runtime's
// `convc_cuda_constant(host address, bytes)`, which returns a copy in
// memory the GPU can read (made once, on first use, and cached).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

namespace convc {
#define GEN_PASS_DEF_CUDACONSTANTSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kConstantFn = "convc_cuda_constant";

struct CudaConstantsPass
    : convc::impl::CudaConstantsPassBase<CudaConstantsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    DataLayout layout(module);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);

    SmallVector<std::pair<LLVM::AddressOfOp, LLVM::GlobalOp>> uses;
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
      fn.walk([&](LLVM::AddressOfOp op) {
        auto global =
            module.lookupSymbol<LLVM::GlobalOp>(op.getGlobalNameAttr());
        if (global && global.getConstant())
          uses.push_back({op, global});
      });
    if (uses.empty())
      return;

    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    auto fnType = LLVM::LLVMFunctionType::get(ptr, {ptr, i64});
    auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(kConstantFn);
    if (!callee)
      callee = LLVM::LLVMFuncOp::create(b, module.getLoc(), kConstantFn,
                                        fnType);
    for (auto [op, global] : uses) {
      b.setInsertionPointAfter(op);
      Value bytes = LLVM::ConstantOp::create(
          b, op.getLoc(), i64,
          b.getI64IntegerAttr(layout.getTypeSize(global.getType())));
      auto call = LLVM::CallOp::create(b, op.getLoc(), callee,
                                       ValueRange{op.getResult(), bytes});
      op.getResult().replaceAllUsesExcept(call.getResult(), call);
    }
  }
};

} // namespace
