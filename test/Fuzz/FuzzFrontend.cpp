//===- FuzzFrontend.cpp - libFuzzer target for the .cnn frontend ----------===//
//
// Parses the input as a .cnn file and builds and verifies the cnn IR with
// all-zero weights. Every outcome must be a diagnostic, never a crash.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGen.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Weights.h"
#include "dialect/CnnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::MLIRContext *ctx = [] {
    auto *c = new mlir::MLIRContext(mlir::MLIRContext::Threading::DISABLED);
    c->loadDialect<convc::cnn::CnnDialect, mlir::func::FuncDialect>();
    return c;
  }();
  // Diagnostics are expected; keep them quiet.
  mlir::ScopedDiagnosticHandler quiet(
      ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  llvm::StringRef source(reinterpret_cast<const char *>(data), size);
  auto file = convc::parseSource(source, "fuzz.cnn", ctx);
  if (mlir::failed(file))
    return 0;
  auto weights = convc::createZeroWeights();
  (void)convc::mlirGen(*ctx, *file, weights.get());
  return 0;
}
