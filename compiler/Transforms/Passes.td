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

def ImplicitGemmPass : Pass<"convc-implicit-gemm"> {
  let summary = "Rewrite 2-D convolutions as sums of per-tap GEMMs";
  let description = [{
    Input: linalg on tensors. Every `linalg.conv_2d_nchw_fchw` and
    `linalg.depthwise_conv_2d_nchw_chw` with static shapes becomes one
    `linalg.generic` (marked `convc.conv = "dense"` or `"depthwise"`) whose
    operands are, for each kernel tap (kh, kw), the strided view of the
    padded input that the tap reads and the tap's slice of the kernel:
    `out += sum_t sum_c w_t[f, c] * x_t[n, c, oh, ow]` (dense, iteration
    space (n, c, f, oh, ow)) or `out += sum_t w_t[c] * x_t[n, c, oh, ow]`
    (depthwise, (n, c, oh, ow)). Every indexing map is a projected
    permutation, so the op tiles freely and vectorizes with the output
    width in the vector lanes; no im2col buffer is materialized.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def TileAndVectorizePass : Pass<"convc-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile convolutions for caches and registers, fuse their epilogues, vectorize";
  let description = [{
    Input: linalg on tensors with the tap-sum convolutions of
    `convc-implicit-gemm`. Each one, with its bias and the chain of
    element-wise ops that consume only its result (activation, residual
    add), is tiled into an `scf.forall` over cache blocks and an `scf.for`
    over register tiles (sizes from convc's cost model of the CPU described
    by the options), the reduction over input channels is a loop of single
    steps, and every op of the innermost tile is vectorized. Output: vector
    ops on tensors inside the loops; the rest of the function is unchanged.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "256",
           "Width of the CPU's vector registers in bits">,
    Option<"vectorRegisters", "vector-registers", "int64_t", "16",
           "Number of vector registers">,
    Option<"l1KiB", "l1-kib", "int64_t", "32", "L1 data cache per core (KiB)">,
    Option<"l2KiB", "l2-kib", "int64_t", "512", "L2 cache per core (KiB)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect"];
}

#endif // CONVC_TRANSFORMS_PASSES
