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

def FoldBatchNormPass : Pass<"cnn-fold-batchnorm"> {
  let summary = "Fold inference batch norm into the convolution before it";
  let description = [{
    Input: cnn ops. A `cnn.batch_norm` whose input is a `cnn.conv` used only
    there, with every parameter a constant (`cnn.weight` or `cnn.constant`),
    is folded at compile time: with `s = gamma / sqrt(var + eps)` per output
    channel, the convolution's weight becomes `w * s[f]` and its bias
    `(b - mean) * s + beta` (b = 0 without a bias). Output: the
    convolution, with the folded weight and bias under the convolution's
    weight keys; the batch norm is gone. Other batch norms stay.
  }];
}

#endif // CONVC_TRANSFORMS_PASSES
