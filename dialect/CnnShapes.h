//===- CnnShapes.h - output-shape formulas of the cnn layers ---*- C++ -*-===//
//
// One implementation of every layer's shape rule, used by the ops' type
// inference and by the frontend (which checks a layer before it loads the
// layer's weights). Each function reports a violated rule at `loc`.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_DIALECT_CNNSHAPES_H
#define CONVC_DIALECT_CNNSHAPES_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace convc::cnn {

using Shape = llvm::SmallVector<int64_t, 4>;

/// floor((in + padTotal - dilation*(kernel-1) - 1) / stride) + 1.
int64_t convOutputSize(int64_t in, int64_t padTotal, int64_t kernel,
                       int64_t stride, int64_t dilation);

/// The window geometry shared by convolution and pooling over H and W.
struct Window2d {
  llvm::ArrayRef<int64_t> kernel;    // [KH, KW]
  llvm::ArrayRef<int64_t> strides;   // [SH, SW]
  llvm::ArrayRef<int64_t> dilations; // [DH, DW]
  llvm::ArrayRef<int64_t> pad;       // [top, left, bottom, right]
};

mlir::FailureOr<Shape> inferConv2dShape(std::optional<mlir::Location> loc,
                                        llvm::ArrayRef<int64_t> input,
                                        llvm::ArrayRef<int64_t> weight,
                                        std::optional<llvm::ArrayRef<int64_t>> bias,
                                        llvm::ArrayRef<int64_t> strides,
                                        llvm::ArrayRef<int64_t> dilations,
                                        llvm::ArrayRef<int64_t> pad,
                                        int64_t groups);

mlir::FailureOr<Shape> inferPool2dShape(std::optional<mlir::Location> loc,
                                        llvm::StringRef layer,
                                        llvm::ArrayRef<int64_t> input,
                                        const Window2d &window);

mlir::FailureOr<Shape> inferLinearShape(std::optional<mlir::Location> loc,
                                        llvm::ArrayRef<int64_t> input,
                                        llvm::ArrayRef<int64_t> weight,
                                        std::optional<llvm::ArrayRef<int64_t>> bias);

mlir::FailureOr<Shape> inferGlobalPoolShape(std::optional<mlir::Location> loc,
                                            llvm::ArrayRef<int64_t> input);

mlir::FailureOr<Shape> inferFlattenShape(std::optional<mlir::Location> loc,
                                         llvm::ArrayRef<int64_t> input);

mlir::FailureOr<Shape> inferBatchNormShape(std::optional<mlir::Location> loc,
                                           llvm::ArrayRef<int64_t> input,
                                           llvm::ArrayRef<llvm::ArrayRef<int64_t>> params);

mlir::FailureOr<Shape> inferConcatShape(std::optional<mlir::Location> loc,
                                        llvm::ArrayRef<llvm::ArrayRef<int64_t>> inputs,
                                        int64_t dim);

/// "1x3x32x32", as shapes appear in diagnostics.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace convc::cnn

#endif // CONVC_DIALECT_CNNSHAPES_H
