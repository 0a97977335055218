// Every cnn op prints and parses back, in custom and generic form.
// RUN: convc-opt %s | convc-opt --mlir-print-op-generic | convc-opt | FileCheck %s

// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%x: tensor<1x4x8x8xf32>) -> (tensor<1x10xf32>, tensor<1x4x1x1xf32>) {
  // CHECK: %[[W:.*]] = cnn.weight "conv.weight" = dense<5.000000e-01> : tensor<4x2x3x3xf32>
  %w = cnn.weight "conv.weight" = dense<0.5> : tensor<4x2x3x3xf32>
  // CHECK: %[[B:.*]] = cnn.weight "conv.bias" = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
  %b = cnn.weight "conv.bias" = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  // CHECK: %[[C:.*]] = cnn.conv %{{.*}}, %[[W]], %[[B]] strides [1, 2] dilations [1, 1] pad [1, 1, 1, 1] groups 2 : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x4xf32>
  %c = cnn.conv %x, %w, %b strides [1, 2] dilations [1, 1] pad [1, 1, 1, 1] groups 2
         : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x4xf32>
  // CHECK: cnn.conv %{{.*}}, %[[W]] strides
  %c2 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 2
         : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: %[[R:.*]] = cnn.relu %[[C]] : tensor<1x4x8x4xf32>
  %r = cnn.relu %c : tensor<1x4x8x4xf32>
  // CHECK: %[[A:.*]] = cnn.add %[[R]], %[[C]] : tensor<1x4x8x4xf32>
  %a = cnn.add %r, %c : tensor<1x4x8x4xf32>
  // CHECK: cnn.max_pool2d %[[A]] kernel [2, 2] strides [2, 2] dilations [1, 1] pad [0, 0, 0, 0] : tensor<1x4x8x4xf32> -> tensor<1x4x4x2xf32>
  %m = cnn.max_pool2d %a kernel [2, 2] strides [2, 2] dilations [1, 1] pad [0, 0, 0, 0]
         : tensor<1x4x8x4xf32> -> tensor<1x4x4x2xf32>
  // CHECK: cnn.avg_pool2d %{{.*}} kernel [3, 1] strides [1, 1] pad [1, 0, 1, 0] count_include_pad false : tensor<1x4x4x2xf32> -> tensor<1x4x4x2xf32>
  %p = cnn.avg_pool2d %m kernel [3, 1] strides [1, 1] pad [1, 0, 1, 0] count_include_pad false
         : tensor<1x4x4x2xf32> -> tensor<1x4x4x2xf32>
  // CHECK: cnn.global_avg_pool %{{.*}} : tensor<1x4x4x2xf32> -> tensor<1x4x1x1xf32>
  %g = cnn.global_avg_pool %p : tensor<1x4x4x2xf32> -> tensor<1x4x1x1xf32>
  // CHECK: %[[F:.*]] = cnn.flatten %{{.*}} : tensor<1x4x4x2xf32> -> tensor<1x32xf32>
  %f = cnn.flatten %p : tensor<1x4x4x2xf32> -> tensor<1x32xf32>
  %fw = cnn.weight "fc.weight" = dense<0.1> : tensor<10x32xf32>
  // CHECK: cnn.linear %[[F]], %{{.*}} : (tensor<1x32xf32>, tensor<10x32xf32>) -> tensor<1x10xf32>
  %l = cnn.linear %f, %fw : (tensor<1x32xf32>, tensor<10x32xf32>) -> tensor<1x10xf32>
  return %l, %g : tensor<1x10xf32>, tensor<1x4x1x1xf32>
}

// CHECK-LABEL: func.func @more_ops
func.func @more_ops(%x: tensor<2x3x4x4xf32>, %c: tensor<3xf32>) -> tensor<2x6x4x4xf32> {
  // CHECK: cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} epsilon 1.000000e-05 : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  %bn = cnn.batch_norm %x, %c, %c, %c, %c epsilon 1.0e-05
        : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: cnn.relu6
  %a = cnn.relu6 %bn : tensor<2x3x4x4xf32>
  // CHECK: cnn.sigmoid
  %b = cnn.sigmoid %a : tensor<2x3x4x4xf32>
  // CHECK: cnn.tanh
  %t = cnn.tanh %b : tensor<2x3x4x4xf32>
  // CHECK: cnn.silu
  %s = cnn.silu %t : tensor<2x3x4x4xf32>
  // CHECK: cnn.hardswish
  %h = cnn.hardswish %s : tensor<2x3x4x4xf32>
  // CHECK: cnn.leaky_relu %{{.*}} negative_slope 2.000000e-01 : tensor<2x3x4x4xf32>
  %l = cnn.leaky_relu %h negative_slope 0.2 : tensor<2x3x4x4xf32>
  // CHECK: cnn.softmax %{{.*}} dim 1 : tensor<2x3x4x4xf32>
  %m = cnn.softmax %l dim 1 : tensor<2x3x4x4xf32>
  // CHECK: cnn.mul
  %p = cnn.mul %m, %x : tensor<2x3x4x4xf32>
  // CHECK: cnn.reshape %{{.*}} : tensor<2x3x4x4xf32> -> tensor<6x16xf32>
  %r = cnn.reshape %p : tensor<2x3x4x4xf32> -> tensor<6x16xf32>
  // CHECK: cnn.concat %{{.*}}, %{{.*}} dim 1 : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x6x4x4xf32>
  %cat = cnn.concat %p, %x dim 1 : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x6x4x4xf32>
  return %cat : tensor<2x6x4x4xf32>
}
