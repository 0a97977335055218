//===- FlattenConstantGlobals.cpp - constant tensors as byte arrays -------===//
//
// A weight tensor such as tensor<256x128x3x3xf32> becomes, in the LLVM
// dialect, a global of type !llvm.array<256 x array<128 x array<3 x array<3
// x f32>>>>. Its translation builds one uniqued LLVM constant per innermost
// row, and code generation writes the data one float at a time: for
// ResNet-18's 11.7 M weights, most of a second. As an !llvm.array<N x i8>
// of the same bytes the global is one constant, written in one piece. A
// resource blob keeps its data: only the attribute's type changes.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

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
      auto value = dyn_cast_if_present<ElementsAttr>(global.getValueOrNull());
      if (!global.getConstant() || !value ||
          !isa<LLVM::LLVMArrayType>(global.getGlobalType()))
        continue;
      // Raw data of a non-splat tensor holds every element, densely packed
      // (i1 aside, which is bit-packed: left as is).
      Type element = value.getElementType();
      if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8)
        continue;
      int64_t bytes =
          value.getNumElements() * (element.getIntOrFloatBitWidth() / 8);
      if (bytes < minBytes)
        continue;
      auto type = RankedTensorType::get({bytes}, i8);
      Attribute flat;
      if (auto blob = dyn_cast<DenseResourceElementsAttr>(value)) {
        flat = DenseResourceElementsAttr::get(type, blob.getRawHandle());
      } else if (auto dense = dyn_cast<DenseElementsAttr>(value);
                 dense && !dense.isSplat()) {
        flat = DenseElementsAttr::getFromRawBuffer(type, dense.getRawData());
      } else {
        continue;
      }
      global.setGlobalTypeAttr(TypeAttr::get(
          LLVM::LLVMArrayType::get(i8, static_cast<unsigned>(bytes))));
      global.setValueAttr(flat);
    }
  }
};

} // namespace
