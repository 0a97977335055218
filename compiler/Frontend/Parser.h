//===- Parser.h - .cnn source to AST ----------------------------*- C++ -*-===//

#ifndef CONVC_FRONTEND_PARSER_H
#define CONVC_FRONTEND_PARSER_H

#include "compiler/Frontend/AST.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LLVM.h"

namespace convc {

/// Parses a whole .cnn file. Syntax errors are reported as MLIR diagnostics
/// at `filename:line:col`; the first one stops the parse.
mlir::FailureOr<ast::File> parseSource(llvm::StringRef source,
                                       llvm::StringRef filename,
                                       mlir::MLIRContext *context);

} // namespace convc

#endif // CONVC_FRONTEND_PARSER_H
