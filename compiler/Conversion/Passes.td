//===- Passes.td - convc conversion passes ---------------------------------===//

#ifndef CONVC_CONVERSION_PASSES
#define CONVC_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertCnnToLinalgPass : Pass<"convert-cnn-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower cnn ops to linalg on tensors";
  let description = [{
    Input: `cnn` ops with inferred, static shapes. Output: no `cnn` ops;
    each layer becomes linalg named ops or `linalg.generic` on tensors,
    with `tensor.pad` for padding, `arith.constant` for `cnn.weight`, and
    reshapes (`tensor.expand_shape` / `collapse_shape`) for grouped
    convolution and flatten:

    - conv2d: groups = 1 → `linalg.conv_2d_nchw_fchw`; groups = C = F →
      `linalg.depthwise_conv_2d_nchw_chw`; otherwise
      `linalg.conv_2d_ngchw_gfchw`. The bias is broadcast into the
      accumulator, so the convolution adds onto it.
    - max_pool2d / avg_pool2d → `linalg.pooling_nchw_max` / `_sum`, the
      sum scaled by the reciprocal of each window's count.
    - linear, global_avg_pool, relu, add, flatten → `linalg.generic` and
      reshapes.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

#endif // CONVC_CONVERSION_PASSES
