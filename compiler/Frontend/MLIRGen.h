//===- MLIRGen.h - AST to the cnn dialect -----------------------*- C++ -*-===//

#ifndef CONVC_FRONTEND_MLIRGEN_H
#define CONVC_FRONTEND_MLIRGEN_H

#include "compiler/Frontend/AST.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace convc {

class WeightSource;

/// Builds a module with one `func.func` per model: inputs and outputs carry
/// their names in `cnn.name`, layers become `cnn` ops, parameters become
/// `cnn.weight` ops filled from `weights`. Every misuse of a layer is
/// reported at its source location; returns null after an error. A model
/// with parameters and no `weights` is an error.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const ast::File &file,
                                          WeightSource *weights);

} // namespace convc

#endif // CONVC_FRONTEND_MLIRGEN_H
