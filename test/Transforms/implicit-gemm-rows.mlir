// RUN: convc-opt %s -convc-implicit-gemm="max-taps-per-op=16" | FileCheck %s
// RUN: convc-opt %s -convc-implicit-gemm | FileCheck %s --check-prefix=WHOLE

// A 5x5 kernel has 25 taps, more than 16: one tap-sum generic per kernel
// row (5 taps each, rows 0 to 4 of the input's views), each accumulating
// onto the one before, the first onto the convolution's initial value.
// Without the option it stays one generic of all 25 taps.
// CHECK-LABEL: func.func @rows
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x9x9xf32>, %[[W:.*]]: tensor<3x2x5x5xf32>, %[[INIT:.*]]: tensor<1x3x5x5xf32>)
// CHECK: %[[R0:.*]] = linalg.generic
// CHECK-SAME: outs(%[[INIT]] : tensor<1x3x5x5xf32>)
// CHECK-SAME: convc.conv = "dense"
// CHECK-COUNT-5: arith.mulf
// CHECK: linalg.yield
// CHECK: %[[R1:.*]] = linalg.generic
// CHECK-SAME: outs(%[[R0]] : tensor<1x3x5x5xf32>)
// CHECK: %[[R2:.*]] = linalg.generic
// CHECK-SAME: outs(%[[R1]] : tensor<1x3x5x5xf32>)
// CHECK: %[[R3:.*]] = linalg.generic
// CHECK-SAME: outs(%[[R2]] : tensor<1x3x5x5xf32>)
// CHECK: tensor.extract_slice %[[X]][0, 0, 4, 0] [1, 2, 5, 5] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %[[X]][0, 0, 4, 4] [1, 2, 5, 5] [1, 1, 1, 1]
// CHECK: %[[R4:.*]] = linalg.generic
// CHECK-SAME: outs(%[[R3]] : tensor<1x3x5x5xf32>)
// CHECK: return %[[R4]]
// WHOLE-LABEL: func.func @rows
// WHOLE: linalg.generic
// WHOLE-COUNT-25: arith.mulf
// WHOLE-NOT: linalg.generic
func.func @rows(%x: tensor<1x2x9x9xf32>, %w: tensor<3x2x5x5xf32>, %init: tensor<1x3x5x5xf32>) -> tensor<1x3x5x5xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x2x9x9xf32>, tensor<3x2x5x5xf32>) outs(%init : tensor<1x3x5x5xf32>) -> tensor<1x3x5x5xf32>
  return %r : tensor<1x3x5x5xf32>
}
