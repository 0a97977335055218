//===- ZeroPadding.h - reads of a zero-padded tensor ------------*- C++ -*-===//
//
// A convolution's input padded with zeros (`tensor.pad` by a constant
// zero, static sizes) is read by its micro-kernels at positions that
// `convc-skip-padding-taps` makes static at the borders. These helpers
// tell which reads and which of their elements are padding.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_TRANSFORMS_ZEROPADDING_H
#define CONVC_TRANSFORMS_ZEROPADDING_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace convc {

/// `v` as a tensor.pad with static sizes and a constant zero padding value.
mlir::tensor::PadOp zeroPadding(mlir::Value v);

/// Whether index `i` of dim `d` of `pad`'s result is in the padding.
bool inPadding(mlir::tensor::PadOp pad, int64_t d, int64_t i);

/// The zero-padded tensor that `read` reads, if the read is one whose
/// positions specialization can make static: minor-identity, unmasked, in
/// bounds.
mlir::tensor::PadOp paddedRead(mlir::vector::TransferReadOp read);

} // namespace convc

#endif // CONVC_TRANSFORMS_ZEROPADDING_H
