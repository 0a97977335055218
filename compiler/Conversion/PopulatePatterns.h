//===- PopulatePatterns.h - cnn -> linalg, by op family ---------*- C++ -*-===//
//
// Private to the conversion: the helpers every family uses and one
// populate function per family.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_CONVERSION_POPULATEPATTERNS_H
#define CONVC_CONVERSION_POPULATEPATTERNS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace convc::detail {

mlir::RankedTensorType tensorOf(llvm::ArrayRef<int64_t> shape, mlir::Type elem);
mlir::Value constantF32(mlir::OpBuilder &b, mlir::Location loc, float v);
/// A tensor of `type` filled with `value`.
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::RankedTensorType type, float value);
/// Pads the spatial dims of an N, C, spatial... tensor with `value`; `pad`
/// holds the leading pads, then the trailing ones.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       llvm::ArrayRef<int64_t> pad, float value);
/// A linalg.generic over `type`'s iteration space: one result of `type`,
/// `inputs` read through `inputMaps` (identity if empty), and `body`
/// computing an element from the inputs' elements.
mlir::Value
elementwise(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
            mlir::ValueRange inputs,
            llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                           mlir::ValueRange)>
                body,
            llvm::ArrayRef<mlir::AffineMap> inputMaps = {});
/// The map from `rank` loops to dimension `dim` alone (per-channel operands).
mlir::AffineMap dimMap(mlir::MLIRContext *ctx, unsigned rank, unsigned dim);

void populateConvPatterns(mlir::RewritePatternSet &patterns);
void populatePoolPatterns(mlir::RewritePatternSet &patterns);
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
void populateResamplePatterns(mlir::RewritePatternSet &patterns);

} // namespace convc::detail

#endif // CONVC_CONVERSION_POPULATEPATTERNS_H
