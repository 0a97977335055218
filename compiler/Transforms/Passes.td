//===- Passes.td - convc transformation passes -----------------------------===//

#ifndef CONVC_TRANSFORMS_PASSES
#define CONVC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def MemrefCopyToLinalgPass : Pass<"convc-memref-copy-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Input: bufferized IR. Output: every `memref.copy` is a `linalg.copy`
    with the same operands, so it becomes plain loops with the rest of the
    linalg ops instead of a call to the `memrefCopy` runtime function that
    the LLVM lowering would otherwise emit for strided copies (such as the
    copy of an input into the interior of its padded buffer).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // CONVC_TRANSFORMS_PASSES
