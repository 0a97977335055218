//===- FlattenConstantGlobals.cpp - constant tensors as byte arrays -------===//
//
// A weight tensor such as tensor<256x128x3x3xf32> becomes, in the LLVM
// dialect, a global of type !llvm.array<256 x array<128 x array<3 x array<3
// x f32>>>>. Its translation builds one uniqued LLVM constant per innermost
// row, and code generation writes the data one float at a time: for
// ResNet-18's 11.7 M weights, most of a second. As an !llvm.array<N x i8>
// of the same bytes the global is one constant, written in one piece.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace convc {
#define GEN_PASS_DEF_FLATTENCONSTANTGLOBALSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

struct FlattenConstantGlobalsPass
    : convc::impl::FlattenConstantGlobalsPassBase<FlattenConstantGlobalsPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto i8 = IntegerType::get(ctx, 8);
    for (auto global : getOperation().getOps<LLVM::GlobalOp>()) {
      auto value =
          dyn_cast_if_present<DenseElementsAttr>(global.getValueOrNull());
      if (!global.getConstant() || !value || value.isSplat() ||
          !isa<LLVM::LLVMArrayType>(global.getGlobalType()))
        continue;
      // Raw data of a non-splat tensor holds every element, densely packed
      // (i1 aside, which is bit-packed: left as is).
      Type element = value.getElementType();
      if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8)
        continue;
      ArrayRef<char> bytes = value.getRawData();
      if (static_cast<int64_t>(bytes.size()) < minBytes)
        continue;
      auto type = RankedTensorType::get({(int64_t)bytes.size()}, i8);
      global.setGlobalTypeAttr(TypeAttr::get(
          LLVM::LLVMArrayType::get(i8, static_cast<unsigned>(bytes.size()))));
      global.setValueAttr(DenseElementsAttr::getFromRawBuffer(type, bytes));
    }
  }
};

} // namespace
