// RUN: convc-opt %s -cnn-fold-batchnorm -split-input-file | FileCheck %s

// gamma = [2, 6], var = [3, 8], eps = 1 -> s = gamma / sqrt(var + eps)
// = [2/2, 6/3] = [1, 2].
// w' = w * s[f]: channel 0 keeps [1, 2], channel 1 doubles [3, 4] -> [6, 8].
// b' = (b - mean) * s + beta = ([10, 20] - [1, 2]) * [1, 2] + [0.5, -1]
//    = [9.5, 35].
// CHECK-LABEL: func.func @fold
// CHECK: %[[W:.*]] = cnn.weight "conv.weight" = dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}6.000000e+00]], {{\[\[}}8.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK: %[[B:.*]] = cnn.weight "conv.bias" = dense<[9.500000e+00, 3.500000e+01]> : tensor<2xf32>
// CHECK: %[[C:.*]] = cnn.conv %arg0, %[[W]], %[[B]] strides [1, 1]
// CHECK-NOT: cnn.batch_norm
// CHECK: return %[[C]]
func.func @fold(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = cnn.weight "conv.weight" = dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %b = cnn.weight "conv.bias" = dense<[10.0, 20.0]> : tensor<2xf32>
  %g = cnn.weight "bn.weight" = dense<[2.0, 6.0]> : tensor<2xf32>
  %be = cnn.weight "bn.bias" = dense<[0.5, -1.0]> : tensor<2xf32>
  %m = cnn.weight "bn.running_mean" = dense<[1.0, 2.0]> : tensor<2xf32>
  %v = cnn.weight "bn.running_var" = dense<[3.0, 8.0]> : tensor<2xf32>
  %c = cnn.conv %x, %w, %b strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = cnn.batch_norm %c, %g, %be, %m, %v epsilon 1.0
         : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// A conv whose result is used elsewhere too keeps its batch norm.
// CHECK-LABEL: func.func @shared
// CHECK: cnn.conv
// CHECK: cnn.batch_norm
func.func @shared(%x: tensor<1x1x2x2xf32>, %c1: tensor<1xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %w = cnn.weight "conv.weight" = dense<1.0> : tensor<1x1x1x1xf32>
  %c = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %y = cnn.batch_norm %c, %c1, %c1, %c1, %c1 epsilon 1.0e-05
         : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %y, %c : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}
