//===- ConstantData.h - the data of large constant tensors ------*- C++ -*-===//
//
// A model's weights are constant tensors of megabytes, and several passes
// replace them with new ones (batch norm folded in, packed for the GEMM,
// blocked for the vector kernels). As DenseElementsAttr each new tensor is
// hashed and copied into the MLIRContext, which keeps it to the end: the
// 44 MB of ResNet-18 were held five times over, and most of the passes' time
// went to faulting in fresh memory for the copies. Large tensors are
// therefore DenseResourceElementsAttr blobs: made from a vector without a
// copy, and released once no op refers to them.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_DIALECT_CONSTANTDATA_H
#define CONVC_DIALECT_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include <optional>
#include <vector>

namespace convc::cnn {

/// Constants of at least this many bytes are resource blobs; smaller ones
/// stay DenseElementsAttr, which the IR prints in full and folders read.
constexpr int64_t kBlobMinBytes = 4096;

/// An f32 constant of `type` holding `values` (row-major), which it takes
/// over: a resource blob whose key starts with `name` when large, else a
/// DenseElementsAttr.
mlir::ElementsAttr makeF32Constant(mlir::ShapedType type,
                                   std::vector<float> values,
                                   llvm::StringRef name);

/// The elements of an f32 constant (a resource blob, or a DenseElementsAttr,
/// whose splat is expanded into `storage`), or nullopt for any other
/// attribute or a blob already released.
std::optional<llvm::ArrayRef<float>> f32Elements(mlir::Attribute attr,
                                                 std::vector<float> &storage);

/// The key of a blob constant, or "": a name for the constants made from it.
llvm::StringRef blobKey(mlir::Attribute attr);

/// Frees the data of every blob that no op nested in `root` refers to; the
/// caller makes sure no attribute outside `root` still needs one.
void releaseUnusedBlobs(mlir::Operation *root);

} // namespace convc::cnn

#endif // CONVC_DIALECT_CONSTANTDATA_H
