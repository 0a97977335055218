//===- InitAll.h - registration of everything convc uses --------*- C++ -*-===//

#ifndef CONVC_PIPELINE_INITALL_H
#define CONVC_PIPELINE_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace convc {

/// The cnn dialect, every upstream dialect and extension, and the LLVM IR
/// translations.
void registerAllDialects(mlir::DialectRegistry &registry);
/// convc's passes and pipelines and every upstream pass.
void registerAllPasses();

} // namespace convc

#endif // CONVC_PIPELINE_INITALL_H
