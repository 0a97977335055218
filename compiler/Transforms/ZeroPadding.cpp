//===- ZeroPadding.cpp - reads of a zero-padded tensor --------------------===//

#include "compiler/Transforms/ZeroPadding.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

tensor::PadOp convc::zeroPadding(Value v) {
  auto pad = v.getDefiningOp<tensor::PadOp>();
  if (!pad || !pad.getResultType().hasStaticShape() ||
      !pad.getSourceType().hasStaticShape() ||
      ShapedType::isDynamicShape(pad.getStaticLow()))
    return {};
  Value value = pad.getConstantPaddingValue();
  if (!value || !matchPattern(value, m_AnyZeroFloat()))
    return {};
  return pad;
}

bool convc::inPadding(tensor::PadOp pad, int64_t d, int64_t i) {
  int64_t low = pad.getStaticLow()[d];
  return i < low || i >= low + pad.getSourceType().getDimSize(d);
}

tensor::PadOp convc::paddedRead(vector::TransferReadOp read) {
  if (read.getMask() || !read.getPermutationMap().isMinorIdentity() ||
      llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }))
    return {};
  return zeroPadding(read.getBase());
}
