//===- CnnShapes.h - output-shape formulas of the cnn layers ---*- C++ -*-===//
//
// One implementation of every layer's shape rule, used by the ops' type
// inference and by the frontend (which checks a layer before it loads the
// layer's weights). Each function reports a violated rule at `loc`.
// Spatial attributes have one entry per spatial dimension (W; H, W; or
// D, H, W); padding has two, all the leading pads then all the trailing
// ones: [top, left, bottom, right] in 2-D.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_DIALECT_CNNSHAPES_H
#define CONVC_DIALECT_CNNSHAPES_H

#include "dialect/CnnEnums.h"
#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace convc::cnn {

using Shape = llvm::SmallVector<int64_t, 5>;

/// floor((in + padTotal - dilation*(kernel-1) - 1) / stride) + 1, or the
/// ceiling in place of the floor.
int64_t convOutputSize(int64_t in, int64_t padTotal, int64_t kernel,
                       int64_t stride, int64_t dilation, bool ceil = false);

/// The window geometry shared by convolution and pooling.
struct Window {
  llvm::ArrayRef<int64_t> kernel;
  llvm::ArrayRef<int64_t> strides;
  llvm::ArrayRef<int64_t> dilations;
  llvm::ArrayRef<int64_t> pad;
};

/// "conv1d", "conv2d" or "conv3d" for an input of `rank`.
std::string convName(llvm::StringRef base, int64_t rank);

/// Convolution (cross-correlation) over the spatial dims of an N, C, ...
/// input with an [F, C/groups, K...] weight.
mlir::FailureOr<Shape> inferConvShape(
    std::optional<mlir::Location> loc, llvm::ArrayRef<int64_t> input,
    llvm::ArrayRef<int64_t> weight, std::optional<llvm::ArrayRef<int64_t>> bias,
    llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> dilations,
    llvm::ArrayRef<int64_t> pad, int64_t groups);

/// Transposed convolution with a [C, F/groups, K...] weight: each output
/// size is (in-1)*stride - padLo - padHi + dilation*(K-1) + outputPad + 1.
mlir::FailureOr<Shape> inferConvTransposeShape(
    std::optional<mlir::Location> loc, llvm::ArrayRef<int64_t> input,
    llvm::ArrayRef<int64_t> weight, std::optional<llvm::ArrayRef<int64_t>> bias,
    llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> dilations,
    llvm::ArrayRef<int64_t> pad, llvm::ArrayRef<int64_t> outputPadding,
    int64_t groups);

mlir::FailureOr<Shape> inferPool2dShape(std::optional<mlir::Location> loc,
                                        llvm::StringRef layer,
                                        llvm::ArrayRef<int64_t> input,
                                        const Window &window,
                                        bool ceilMode = false);

mlir::FailureOr<Shape>
inferLinearShape(std::optional<mlir::Location> loc,
                 llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
                 std::optional<llvm::ArrayRef<int64_t>> bias);

mlir::FailureOr<Shape> inferGlobalPoolShape(std::optional<mlir::Location> loc,
                                            llvm::StringRef layer,
                                            llvm::ArrayRef<int64_t> input);

mlir::FailureOr<Shape> inferFlattenShape(std::optional<mlir::Location> loc,
                                         llvm::ArrayRef<int64_t> input);

mlir::FailureOr<Shape>
inferBatchNormShape(std::optional<mlir::Location> loc,
                    llvm::ArrayRef<int64_t> input,
                    llvm::ArrayRef<llvm::ArrayRef<int64_t>> params);

mlir::FailureOr<Shape>
inferConcatShape(std::optional<mlir::Location> loc,
                 llvm::ArrayRef<llvm::ArrayRef<int64_t>> inputs, int64_t dim);

mlir::FailureOr<Shape> inferPixelShuffleShape(std::optional<mlir::Location> loc,
                                              llvm::ArrayRef<int64_t> input,
                                              int64_t factor);

/// Output dim i is input dim permutation[i].
mlir::FailureOr<Shape> inferTransposeShape(std::optional<mlir::Location> loc,
                                           llvm::ArrayRef<int64_t> input,
                                           llvm::ArrayRef<int64_t> permutation);

/// Reflect padding must stay below each input size (the edge is not
/// repeated) and circular padding must not exceed it, as in PyTorch.
mlir::LogicalResult checkPaddingMode(std::optional<mlir::Location> loc,
                                     PaddingMode mode,
                                     llvm::ArrayRef<int64_t> spatial,
                                     llvm::ArrayRef<int64_t> pad);

/// "1x3x32x32", as shapes appear in diagnostics.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace convc::cnn

#endif // CONVC_DIALECT_CNNSHAPES_H
