// RUN: convc-opt %s -convert-cnn-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @conv_bias_pad
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.0
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1, 2] high[0, 0, 1, 0]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x4x8x4xf32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%[[E]] : tensor<1x4x8x4xf32>) dimensions = [0, 2, 3]
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%[[P]], %[[W]] : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<1x4x8x4xf32>)
// CHECK: return %[[C]]
func.func @conv_bias_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x4xf32> {
  %0 = cnn.conv %x, %w, %b strides [1, 2] dilations [1, 1] pad [1, 2, 1, 0] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x4xf32>
  return %0 : tensor<1x4x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @depthwise
// CHECK: %[[FILL:.*]] = linalg.fill
// CHECK: %[[W3:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<4x1x3x3xf32> into tensor<4x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %[[W3]] : tensor<1x4x8x8xf32>, tensor<4x3x3xf32>) outs(%[[FILL]] : tensor<1x4x4x4xf32>)
func.func @depthwise(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %0 = cnn.conv %x, %w strides [1, 1] dilations [2, 2] pad [0, 0, 0, 0] groups 4
         : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @grouped
// CHECK-DAG: %[[X5:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 6, 6] : tensor<1x4x6x6xf32> into tensor<1x2x2x6x6xf32>
// CHECK-DAG: %[[W5:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[X5]], %[[W5]] : {{.*}}) outs(%{{.*}} : tensor<1x2x3x4x4xf32>)
// CHECK: tensor.collapse_shape %[[C]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x4x4xf32> into tensor<1x6x4x4xf32>
func.func @grouped(%x: tensor<1x4x6x6xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x4x4xf32> {
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 2
         : (tensor<1x4x6x6xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @max_pool
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEGINF]]
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[NEGINF2:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEGINF2]] : f32)
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %[[WIN]] : tensor<1x2x9x9xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x2x4x4xf32>)
func.func @max_pool(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32> {
  %0 = cnn.max_pool2d %x kernel [3, 3] strides [2, 2] dilations [1, 1] pad [1, 1, 1, 1]
         : tensor<1x2x7x7xf32> -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Without count_include_pad the corner windows hold 4 of 9 positions, the
// edges 6 and the centre 9.
// CHECK-LABEL: func.func @avg_pool_exclude_pad
// CHECK-DAG: %[[SCALE:.*]] = arith.constant dense<{{\[}}[2.500000e-01, 0.166666672, 2.500000e-01], [0.166666672, 0.111111112, 0.166666672], [2.500000e-01, 0.166666672, 2.500000e-01]]> : tensor<3x3xf32>
// CHECK-DAG: %[[SUM:.*]] = linalg.pooling_nchw_sum
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[SCALE]] : tensor<1x1x3x3xf32>, tensor<3x3xf32>)
// CHECK: arith.mulf
func.func @avg_pool_exclude_pad(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %0 = cnn.avg_pool2d %x kernel [3, 3] strides [1, 1] pad [1, 1, 1, 1] count_include_pad false
         : tensor<1x1x3x3xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear
// CHECK: %[[INIT:.*]] = linalg.broadcast
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<3x8xf32>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: %[[M:.*]] = arith.mulf
// CHECK: arith.addf %{{.*}}, %[[M]]
func.func @linear(%x: tensor<2x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = cnn.linear %x, %w, %b : (tensor<2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @global_flatten
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK: arith.constant 0.0833333358 : f32
// CHECK: %[[G:.*]] = tensor.expand_shape %[[MEAN]] {{\[}}[0], [1, 2, 3]] output_shape [1, 2, 1, 1]
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2, 3]] : tensor<1x2x1x1xf32> into tensor<1x2xf32>
func.func @global_flatten(%x: tensor<1x2x3x4xf32>) -> tensor<1x2xf32> {
  %0 = cnn.global_avg_pool %x : tensor<1x2x3x4xf32> -> tensor<1x2x1x1xf32>
  %1 = cnn.flatten %0 : tensor<1x2x1x1xf32> -> tensor<1x2xf32>
  return %1 : tensor<1x2xf32>
}

// -----

// A splat operand becomes a scalar in the loop body; others stay tensors.
// CHECK-LABEL: func.func @elementwise
// CHECK: %[[K:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[X]], %[[ZERO]] : f32
// CHECK: arith.select %[[NEG]], %[[ZERO]], %[[X]] : f32
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[R]] : tensor<2x2xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: arith.addf %[[IN]], %[[TWO]]
// CHECK: linalg.generic {{.*}} ins(%[[A]], %[[K]] : tensor<2x2xf32>, tensor<2x2xf32>)
// CHECK: arith.mulf
func.func @elementwise(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %c = cnn.constant dense<2.0> : tensor<2x2xf32>
  %k = cnn.weight "k" = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = cnn.relu %x : tensor<2x2xf32>
  %1 = cnn.add %0, %c : tensor<2x2xf32>
  %2 = cnn.mul %1, %k : tensor<2x2xf32>
  return %2 : tensor<2x2xf32>
}

// -----

// Batch norm: per-channel scale and shift first, then one pass over x.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm
// CHECK: %[[SCALE:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32>)
// CHECK: math.rsqrt
// CHECK: %[[SHIFT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[SCALE]] : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[ID]]], {{.*}} ins(%{{.*}}, %[[SCALE]], %[[SHIFT]] :
func.func @batch_norm(%x: tensor<2x3x4x4xf32>, %c: tensor<3xf32>) -> tensor<2x3x4x4xf32> {
  %0 = cnn.batch_norm %x, %c, %c, %c, %c epsilon 1.0e-05
        : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]] : tensor<2x5xf32>, tensor<2xf32>)
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<2x5xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<2x5xf32>, tensor<2xf32>)
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = cnn.softmax %x dim 1 : tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func.func @concat_reshape
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x5x2x2xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK: %[[B:.*]] = tensor.insert_slice %{{.*}} into %[[A]][0, 2, 0, 0] [1, 3, 2, 2] [1, 1, 1, 1]
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1, 2, 3]] : tensor<1x5x2x2xf32> into tensor<20xf32>
// CHECK: tensor.expand_shape %[[F]] {{\[}}[0, 1]] output_shape [4, 5] : tensor<20xf32> into tensor<4x5xf32>
func.func @concat_reshape(%a: tensor<1x2x2x2xf32>, %b: tensor<1x3x2x2xf32>) -> tensor<4x5xf32> {
  %0 = cnn.concat %a, %b dim 1 : (tensor<1x2x2x2xf32>, tensor<1x3x2x2xf32>) -> tensor<1x5x2x2xf32>
  %1 = cnn.reshape %0 : tensor<1x5x2x2xf32> -> tensor<4x5xf32>
  return %1 : tensor<4x5xf32>
}

// -----

// relu6: x < 0 ? 0 : x, then y > 6 ? 6 : y (a NaN passes through).
// CHECK-LABEL: func.func @activations
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[X]], %[[ZERO]] : f32
// CHECK: %[[Y:.*]] = arith.select %[[NEG]], %[[ZERO]], %[[X]] : f32
// CHECK: %[[SIX:.*]] = arith.constant 6.000000e+00 : f32
// CHECK: %[[BIG:.*]] = arith.cmpf ogt, %[[Y]], %[[SIX]] : f32
// CHECK: arith.select %[[BIG]], %[[SIX]], %[[Y]] : f32
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.tanh
// CHECK: arith.cmpf ogt
// CHECK: arith.select
func.func @activations(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = cnn.relu6 %x : tensor<4xf32>
  %1 = cnn.sigmoid %0 : tensor<4xf32>
  %2 = cnn.tanh %1 : tensor<4xf32>
  %3 = cnn.leaky_relu %2 negative_slope 0.1 : tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// 1-D convolutions run as 2-D ones of height 1.
// CHECK-LABEL: func.func @conv1d
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [1, 3, 1, 10] : tensor<1x3x10xf32> into tensor<1x3x1x10xf32>
// CHECK: %[[W:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 1, 3] : tensor<2x3x3xf32> into tensor<2x3x1x3xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%[[X]], %[[W]] :
// CHECK: tensor.collapse_shape %[[C]] {{\[}}[0], [1], [2, 3]] : tensor<1x2x1x4xf32> into tensor<1x2x4xf32>
func.func @conv1d(%x: tensor<1x3x8xf32>, %w: tensor<2x3x3xf32>) -> tensor<1x2x4xf32> {
  %0 = cnn.conv %x, %w strides [2] dilations [1] pad [1, 1] groups 1
         : (tensor<1x3x8xf32>, tensor<2x3x3xf32>) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// -----

// Non-zero padding modes gather from the input; flip mirrors the kernel.
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, -d2 + 2, -d3 + 2)>
// CHECK-LABEL: func.func @reflect_flip
// CHECK: %[[P:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x7x7xf32>)
// CHECK: linalg.index 2
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract
// CHECK: %[[W:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}]
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[P]], %[[W]] :
func.func @reflect_flip(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x5x5xf32> {
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [1, 1, 1, 1] groups 1 padding_mode reflect flip true
         : (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x5x5xf32>
  return %0 : tensor<1x3x5x5xf32>
}

// -----

// Transposed, strided: one convolution per output phase (2 x 2 here), each
// over the once-padded input with a strided slice of the mirrored kernel,
// its result inserted at the phase's positions.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} : tensor<1x2x4x4x4xf32> into tensor<2x4x4x4xf32>
// CHECK: tensor.empty() : tensor<1x2x8x8xf32>
// CHECK: %[[X00:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0] [1, 4, 5, 5] [1, 1, 1, 1]
// CHECK: %[[W00:.*]] = tensor.extract_slice %[[F]][0, 0, 0, 0] [2, 4, 2, 2] [1, 1, 2, 2]
// CHECK: %[[C00:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X00]], %[[W00]] : tensor<1x4x5x5xf32>, tensor<2x4x2x2xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>)
// CHECK: tensor.insert_slice %[[C00]] into %{{.*}}[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[P]][0, 0, 0, 1] [1, 4, 5, 5] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %[[F]][0, 0, 0, 1] [2, 4, 2, 2] [1, 1, 2, 2]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 1] [1, 2, 4, 4] [1, 1, 2, 2]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 0] [1, 2, 4, 4] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[P]][0, 0, 1, 1] [1, 4, 5, 5] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %[[F]][0, 0, 1, 1] [2, 4, 2, 2] [1, 1, 2, 2]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 2, 2]
func.func @conv_transpose(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x4x4xf32>) -> tensor<1x2x8x8xf32> {
  %0 = cnn.conv_transpose %x, %w strides [2, 2] dilations [1, 1] pad [1, 1, 1, 1] output_padding [0, 0] groups 1
         : (tensor<1x4x4x4xf32>, tensor<4x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

// Transposed and dilated: zeros inserted between inputs (a strided
// insert_slice into a zero tensor with d*(K-1) borders), the equivalent
// convolution, a crop.
// CHECK-LABEL: func.func @conv_transpose_dilated
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<1x4x11x12xf32>
// CHECK: %[[I:.*]] = tensor.insert_slice %{{.*}} into %[[Z]][0, 0, 2, 4] [1, 4, 4, 4] [1, 1, 2, 1]
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[I]], %{{.*}} : tensor<1x4x11x12xf32>, tensor<2x4x3x3xf32>) outs(%{{.*}} : tensor<1x2x9x8xf32>)
// CHECK: tensor.extract_slice %[[C]][0, 0, 1, 1] [1, 2, 7, 6] [1, 1, 1, 1]
func.func @conv_transpose_dilated(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x2x7x6xf32> {
  %0 = cnn.conv_transpose %x, %w strides [2, 1] dilations [1, 2] pad [1, 1, 1, 1] output_padding [0, 0] groups 1
         : (tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x7x6xf32>
  return %0 : tensor<1x2x7x6xf32>
}

// -----

// CHECK-LABEL: func.func @resample
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x8x8xf32>)
// CHECK: math.floor
// CHECK: tensor.extract
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4], [5]] output_shape [1, 2, 2, 2, 4, 4]
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 4, 2, 5, 3]
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3], [4, 5]] : tensor<1x2x4x2x4x2xf32> into tensor<1x2x8x8xf32>
func.func @resample(%x: tensor<1x2x4x4xf32>, %y: tensor<1x8x4x4xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %0 = cnn.upsample %x mode nearest align_corners false scales [0.5, 0.5] : tensor<1x2x4x4xf32> -> tensor<1x2x8x8xf32>
  %1 = cnn.pixel_shuffle %y upscale_factor 2 : tensor<1x8x4x4xf32> -> tensor<1x2x8x8xf32>
  return %0, %1 : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// A 3-D convolution is a chain of 2-D ones, one per kernel plane, over a
// batch of depth planes: D = 5 padded to 6 = 3 x stride 2, reordered so
// that depth j * 2 + p of image n is batch row (p * 3 + j) * 2 + n. Kernel
// plane kd reads its OD x N = 4 rows from (kd % 2 * 3 + kd / 2) * 2 on:
// rows 0, 6 and 2.
// CHECK-LABEL: func.func @conv3d
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x5x4x4xf32>, %[[W:.*]]: tensor<4x3x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 0, 0, 0] high[0, 0, 1, 0, 0]
// CHECK: %[[X6:.*]] = tensor.expand_shape %[[P]] {{\[}}[0], [1], [2, 3], [4], [5]] output_shape [2, 3, 3, 2, 4, 4]
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[X6]] : tensor<2x3x3x2x4x4xf32>) outs(%{{.*}} : tensor<2x3x2x3x4x4xf32>) permutation = [3, 2, 0, 1, 4, 5]
// CHECK: %[[PLANES:.*]] = tensor.collapse_shape %[[T]] {{\[}}[0, 1, 2], [3], [4], [5]] : tensor<2x3x2x3x4x4xf32> into tensor<12x3x4x4xf32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<4x4x2x2xf32>) dimensions = [0, 2, 3]
// CHECK: %[[X0:.*]] = tensor.extract_slice %[[PLANES]][0, 0, 0, 0] [4, 3, 4, 4] [1, 1, 1, 1]
// CHECK: %[[W0:.*]] = tensor.extract_slice %[[W]][0, 0, 0, 0, 0] [4, 3, 1, 3, 3] [1, 1, 1, 1, 1] : tensor<4x3x3x3x3xf32> to tensor<4x3x3x3xf32>
// CHECK: %[[C0:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[X0]], %[[W0]] : {{.*}}) outs(%[[INIT]] : tensor<4x4x2x2xf32>)
// CHECK: %[[X1:.*]] = tensor.extract_slice %[[PLANES]][6, 0, 0, 0] [4, 3, 4, 4]
// CHECK: %[[W1:.*]] = tensor.extract_slice %[[W]][0, 0, 1, 0, 0]
// CHECK: %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X1]], %[[W1]] : {{.*}}) outs(%[[C0]] : tensor<4x4x2x2xf32>)
// CHECK: %[[X2:.*]] = tensor.extract_slice %[[PLANES]][2, 0, 0, 0] [4, 3, 4, 4]
// CHECK: %[[W2:.*]] = tensor.extract_slice %[[W]][0, 0, 2, 0, 0]
// CHECK: %[[C2:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X2]], %[[W2]] : {{.*}}) outs(%[[C1]] : tensor<4x4x2x2xf32>)
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[C2]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 2, 4, 2, 2]
// CHECK: %[[R:.*]] = linalg.transpose ins(%[[OUT]] : tensor<2x2x4x2x2xf32>) outs(%{{.*}} : tensor<2x4x2x2x2xf32>) permutation = [1, 2, 0, 3, 4]
// CHECK: return %[[R]]
func.func @conv3d(%x: tensor<2x3x5x4x4xf32>, %w: tensor<4x3x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x2x2x2xf32> {
  %0 = cnn.conv %x, %w, %b strides [2, 1, 1] dilations [1, 1, 1] pad [0, 0, 0, 0, 0, 0] groups 1
         : (tensor<2x3x5x4x4xf32>, tensor<4x3x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x2x2x2xf32>
  return %0 : tensor<2x4x2x2x2xf32>
}
