// RUN: convc-opt %s -convc-implicit-gemm -split-input-file | FileCheck %s

// A strided, dilated 2x2 convolution: one strided view of the input and one
// [C, F] kernel slice per tap (the kernel packed as [C, KH, KW, F] at
// compile time: w[f, c, kh, kw] = 1000f + 100c + 10kh + kw), summed.
// Output 1x2x2x3 from 1x3x6x8 with stride [2, 3], dilation [2, 1].
// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x6x8xf32>
// CHECK: %[[P:.*]] = arith.constant dense<{{\[\[\[\[}}0.000000e+00, 1.000000e+03], [1.000000e+00, 1.001000e+03]], {{\[\[}}1.000000e+01, 1.010000e+03], [1.100000e+01, 1.011000e+03]]], {{\[\[\[}}1.000000e+02, 1.100000e+03]{{.*}} : tensor<3x2x2x2xf32>
// CHECK-DAG: %[[X00:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 3, 2, 3] [1, 1, 2, 3]
// CHECK-DAG: %[[W00:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [3, 1, 1, 2] [1, 1, 1, 1] : tensor<3x2x2x2xf32> to tensor<3x2xf32>
// CHECK-DAG: %[[X01:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 1] [1, 3, 2, 3] [1, 1, 2, 3]
// CHECK-DAG: %[[X10:.*]] = tensor.extract_slice %[[X]][0, 0, 2, 0] [1, 3, 2, 3] [1, 1, 2, 3]
// CHECK-DAG: %[[X11:.*]] = tensor.extract_slice %[[X]][0, 0, 2, 1] [1, 3, 2, 3] [1, 1, 2, 3]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[X00]], %[[W00]], %[[X01]], %{{.*}}, %[[X10]], %{{.*}}, %[[X11]], %{{.*}} :
// CHECK-SAME: convc.conv = "dense"
// CHECK: arith.mulf {{.*}} fastmath<contract>
// CHECK-COUNT-3: arith.addf {{.*}} fastmath<contract>
// CHECK: %[[ACC:.*]] = arith.addf %out, {{.*}} fastmath<contract>
// CHECK: linalg.yield %[[ACC]]
// CHECK-NOT: linalg.conv
#w = dense<[[[[0.0, 1.0], [10.0, 11.0]], [[100.0, 101.0], [110.0, 111.0]], [[200.0, 201.0], [210.0, 211.0]]],
            [[[1000.0, 1001.0], [1010.0, 1011.0]], [[1100.0, 1101.0], [1110.0, 1111.0]], [[1200.0, 1201.0], [1210.0, 1211.0]]]]> : tensor<2x3x2x2xf32>
func.func @dense(%x: tensor<1x3x6x8xf32>, %init: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %w = arith.constant #w
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
         ins(%x, %w : tensor<1x3x6x8xf32>, tensor<2x3x2x2xf32>) outs(%init : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  return %r : tensor<1x2x2x3xf32>
}

// -----

// A kernel that is not a constant is packed at run time.
// CHECK-LABEL: func.func @runtime_kernel
// CHECK: linalg.transpose ins(%{{.*}} : tensor<4x3x3x3xf32>) outs(%{{.*}} : tensor<3x3x3x4xf32>) permutation = [1, 2, 3, 0]
// CHECK: linalg.generic {{.*}}convc.conv = "dense"
func.func @runtime_kernel(%x: tensor<1x3x5x5xf32>, %w: tensor<4x3x3x3xf32>, %init: tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x3x5x5xf32>, tensor<4x3x3x3xf32>) outs(%init : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %r : tensor<1x4x3x3xf32>
}

// -----

// Depthwise: no reduction; one [C] kernel slice per tap.
// CHECK-LABEL: func.func @depthwise
// CHECK-COUNT-4: tensor.extract_slice %arg0
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: convc.conv = "depthwise"
// CHECK-NOT: linalg.depthwise
func.func @depthwise(%x: tensor<1x5x4x4xf32>, %w: tensor<5x2x2xf32>, %init: tensor<1x5x3x3xf32>) -> tensor<1x5x3x3xf32> {
  %r = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x5x4x4xf32>, tensor<5x2x2xf32>) outs(%init : tensor<1x5x3x3xf32>) -> tensor<1x5x3x3xf32>
  return %r : tensor<1x5x3x3xf32>
}

// -----

// A grouped kernel that is not a constant is packed at run time, as
// [G, C', KH, KW, F'].
// CHECK-LABEL: func.func @grouped_runtime_kernel
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x2x3x3xf32>) outs(%{{.*}} : tensor<2x2x3x3x3xf32>) permutation = [0, 2, 3, 4, 1]
// CHECK: linalg.generic {{.*}}convc.conv = "grouped"
// CHECK-NOT: linalg.conv_2d_ngchw_gfchw
func.func @grouped_runtime_kernel(%x: tensor<1x2x2x4x4xf32>, %w: tensor<2x3x2x3x3xf32>, %init: tensor<1x2x3x2x2xf32>) -> tensor<1x2x3x2x2xf32> {
  %r = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x2x2x4x4xf32>, tensor<2x3x2x3x3xf32>) outs(%init : tensor<1x2x3x2x2xf32>) -> tensor<1x2x3x2x2xf32>
  return %r : tensor<1x2x3x2x2xf32>
}

// -----

// Max pooling, 3x2 window, stride 2, dilation [1, 2]: one strided view of
// the input per window tap, combined by a tree of maximumf and then onto the
// accumulator; no weights.
// CHECK-LABEL: func.func @max_pool
// CHECK-DAG: %[[T0:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [1, 2, 3, 2] [1, 1, 2, 2]
// CHECK-DAG: %[[T1:.*]] = tensor.extract_slice %arg0[0, 0, 0, 2] [1, 2, 3, 2] [1, 1, 2, 2]
// CHECK-DAG: %[[T5:.*]] = tensor.extract_slice %arg0[0, 0, 2, 2] [1, 2, 3, 2] [1, 1, 2, 2]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[T0]], %[[T1]], %{{.*}}, %{{.*}}, %{{.*}}, %[[T5]] :
// CHECK-SAME: attrs = {convc.conv = "pool"}
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %[[D:.*]]: f32, %[[E:.*]]: f32, %[[F:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK:   %[[AB:.*]] = arith.maximumf %[[A]], %[[B]]
// CHECK:   %[[CD:.*]] = arith.maximumf %[[C]], %[[D]]
// CHECK:   %[[EF:.*]] = arith.maximumf %[[E]], %[[F]]
// CHECK:   %[[ABCD:.*]] = arith.maximumf %[[AB]], %[[CD]]
// CHECK:   %[[ALL:.*]] = arith.maximumf %[[ABCD]], %[[EF]]
// CHECK:   %[[R:.*]] = arith.maximumf %[[OUT]], %[[ALL]]
// CHECK:   linalg.yield %[[R]]
// CHECK-NOT: linalg.pooling_nchw_max
func.func @max_pool(%x: tensor<1x2x7x6xf32>, %init: tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32> {
  %window = tensor.empty() : tensor<3x2xf32>
  %r = linalg.pooling_nchw_max {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : tensor<1x2x7x6xf32>, tensor<3x2xf32>)
      outs(%init : tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  return %r : tensor<1x2x3x2xf32>
}

// -----

// Sum pooling (the sum of an average pool): the same, with addf.
// CHECK-LABEL: func.func @sum_pool
// CHECK: linalg.generic
// CHECK-SAME: attrs = {convc.conv = "pool"}
// CHECK-COUNT-4: arith.addf
// CHECK-NOT: arith.addf
// CHECK: linalg.yield
func.func @sum_pool(%x: tensor<1x3x4x4xf32>, %init: tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32> {
  %window = tensor.empty() : tensor<2x2xf32>
  %r = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : tensor<1x3x4x4xf32>, tensor<2x2xf32>)
      outs(%init : tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  return %r : tensor<1x3x2x2xf32>
}

// -----

// A grouped convolution of one image: its 2 groups are the batch of one
// tap-sum, whose weights are indexed by the group as well, (n, c, f). The
// kernel [G F', C', KH, KW] = [2 x 2, 1, 1, 2], w[f, 0, 0, kw] = 10f + kw,
// is packed as [G, C', KH, KW, F'] at compile time.
// CHECK-LABEL: func.func @grouped
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x1x3xf32>, %[[INIT:.*]]: tensor<1x4x1x2xf32>)
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[\[\[}}0.000000e+00, 1.000000e+01], [1.000000e+00, 1.100000e+01]]]], {{\[\[\[\[}}2.000000e+01, 3.000000e+01], [2.100000e+01, 3.100000e+01]]]]]> : tensor<2x1x1x2x2xf32>
// CHECK-DAG: %[[XG:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] : tensor<1x2x1x1x3xf32> into tensor<2x1x1x3xf32>
// CHECK-DAG: %[[IG:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] : tensor<1x2x2x1x2xf32> into tensor<2x2x1x2xf32>
// CHECK-DAG: %[[X0:.*]] = tensor.extract_slice %[[XG]][0, 0, 0, 0] [2, 1, 1, 2] [1, 1, 1, 1]
// CHECK-DAG: %[[W0:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0, 0] [2, 1, 1, 1, 2] [1, 1, 1, 1, 1] : tensor<2x1x1x2x2xf32> to tensor<2x1x2xf32>
// CHECK-DAG: %[[X1:.*]] = tensor.extract_slice %[[XG]][0, 0, 0, 1] [2, 1, 1, 2] [1, 1, 1, 1]
// CHECK-DAG: %[[W1:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 1, 0] [2, 1, 1, 1, 2] [1, 1, 1, 1, 1] : tensor<2x1x1x2x2xf32> to tensor<2x1x2xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[XMAP:.*]], #[[WMAP:.*]], #[[XMAP]], #[[WMAP]], #[[OMAP:.*]]], iterator_types = ["parallel", "reduction", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X0]], %[[W0]], %[[X1]], %[[W1]] :
// CHECK-SAME: outs(%[[IG]] : tensor<2x2x1x2xf32>)
// CHECK-SAME: convc.conv = "grouped"
// CHECK: tensor.expand_shape %[[G]] {{\[}}[0, 1], [2], [3], [4]] output_shape [1, 2, 2, 1, 2] : tensor<2x2x1x2xf32> into tensor<1x2x2x1x2xf32>
#wg = dense<[[[[0.0, 1.0]]], [[[10.0, 11.0]]], [[[20.0, 21.0]]], [[[30.0, 31.0]]]]> : tensor<4x1x1x2xf32>
func.func @grouped(%x: tensor<1x2x1x3xf32>, %init: tensor<1x4x1x2xf32>) -> tensor<1x4x1x2xf32> {
  %w = arith.constant #wg
  %x5 = tensor.expand_shape %x [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 1, 3] : tensor<1x2x1x3xf32> into tensor<1x2x1x1x3xf32>
  %w5 = tensor.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [2, 2, 1, 1, 2] : tensor<4x1x1x2xf32> into tensor<2x2x1x1x2xf32>
  %i5 = tensor.expand_shape %init [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 1, 2] : tensor<1x4x1x2xf32> into tensor<1x2x2x1x2xf32>
  %r = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x5, %w5 : tensor<1x2x1x1x3xf32>, tensor<2x2x1x1x2xf32>) outs(%i5 : tensor<1x2x2x1x2xf32>) -> tensor<1x2x2x1x2xf32>
  %c = tensor.collapse_shape %r [[0], [1, 2], [3], [4]] : tensor<1x2x2x1x2xf32> into tensor<1x4x1x2xf32>
  return %c : tensor<1x4x1x2xf32>
}
// CHECK-DAG: #[[XMAP]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[WMAP]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
// CHECK-DAG: #[[OMAP]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d3, d4)>

// -----

// Two images: a grouped convolution of each.
// CHECK-LABEL: func.func @grouped_batch
// CHECK-COUNT-2: convc.conv = "grouped"
// CHECK-NOT: linalg.conv_2d_ngchw_gfchw
func.func @grouped_batch(%x: tensor<2x2x2x4x4xf32>, %w: tensor<2x3x2x3x3xf32>, %init: tensor<2x2x3x2x2xf32>) -> tensor<2x2x3x2x2xf32> {
  %r = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<2x2x2x4x4xf32>, tensor<2x3x2x3x3xf32>) outs(%init : tensor<2x2x3x2x2xf32>) -> tensor<2x2x3x2x2xf32>
  return %r : tensor<2x2x3x2x2xf32>
}
