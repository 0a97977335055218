// The verifiers and shape inference reject malformed cnn IR.
// RUN: convc-opt %s -split-input-file -verify-diagnostics

func.func @groups_not_dividing(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d: the input has 3 channels, which is not divisible by groups=2}}
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 2
         : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @weight_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d: weight 4x2x3x3 expects 2 input channels, but the input has 3}}
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @wrong_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'cnn.conv' op inferred type(s) 'tensor<1x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x4x8x8xf32>'}}
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @window_too_big(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d: the 3x3 window (kernel 3x3, dilation 1x1) does not fit in the padded input 2x2}}
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return
}

// -----

func.func @bad_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d: bias must have shape 4, got 3}}
  %0 = cnn.conv %x, %w, %b strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @bad_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d: stride must be 2 positive integer(s)}}
  %0 = cnn.conv %x, %w strides [1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @bad_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d: padding must be 4 non-negative integers (all leading pads, then all trailing ones)}}
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, -1, 0, 0] groups 1
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv1d: expects a rank-3 weight (out, in/groups, then the kernel's sizes), got 4x3x3x3}}
  %0 = cnn.conv %x, %w strides [1, 1] dilations [1, 1] pad [0, 0, 0, 0] groups 1
         : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @linear_features(%x: tensor<2x7xf32>, %w: tensor<3x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{linear: weight 3x8 expects 8 input features, but the input has 7}}
  %0 = cnn.linear %x, %w : (tensor<2x7xf32>, tensor<3x8xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @pool_pad(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{max_pool2d: padding must be at most half the window (1), got 2 and 0}}
  %0 = cnn.max_pool2d %x kernel [2, 2] strides [2, 2] dilations [1, 1] pad [2, 0, 0, 0]
         : tensor<1x3x8x8xf32> -> tensor<1x3x5x4xf32>
  return
}

// -----

func.func @avg_pool_result(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'cnn.avg_pool2d' op inferred type(s) 'tensor<1x3x4x4xf32>' are incompatible with return type(s) of operation 'tensor<1x3x8x8xf32>'}}
  %0 = cnn.avg_pool2d %x kernel [2, 2] strides [2, 2] pad [0, 0, 0, 0] count_include_pad true
         : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @flatten_result(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'cnn.flatten' op inferred type(s) 'tensor<1x192xf32>' are incompatible with return type(s) of operation 'tensor<1x190xf32>'}}
  %0 = cnn.flatten %x : tensor<1x3x8x8xf32> -> tensor<1x190xf32>
  return
}

// -----

func.func @add_types(%a: tensor<1x3xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'cnn.add' op requires the same type for all operands and results}}
  %0 = "cnn.add"(%a, %b) : (tensor<1x3xf32>, tensor<1x4xf32>) -> tensor<1x3xf32>
  return
}

// -----

func.func @weight_type() {
  // expected-error @+1 {{'cnn.weight' op result #0 must be ranked tensor of 32-bit float values}}
  %0 = cnn.weight "w" = dense<1> : tensor<2xi32>
  return
}

// -----

func.func @bn_channels(%x: tensor<1x3x4x4xf32>, %c: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{batch_norm: parameters must have shape 3 (the input's channels), got 4}}
  %0 = cnn.batch_norm %x, %c, %c, %c, %c epsilon 1.0e-05
        : (tensor<1x3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @concat_mismatch(%a: tensor<1x3x4x4xf32>, %b: tensor<1x3x5x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{concat: inputs 1x3x4x4 and 1x3x5x4 differ outside dimension 1}}
  %0 = cnn.concat %a, %b dim 1 : (tensor<1x3x4x4xf32>, tensor<1x3x5x4xf32>) -> tensor<1x6x4x4xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'cnn.reshape' op cannot reshape 2x3 into 7: the element counts differ}}
  %0 = cnn.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @softmax_dim(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'cnn.softmax' op dimension 2 is out of range for rank 2}}
  %0 = cnn.softmax %x dim 2 : tensor<2x3xf32>
  return
}
