//===- CnnOps.td - cnn dialect operations ----------------------------------===//

#ifndef CNN_OPS_TD
#define CNN_OPS_TD

include "dialect/CnnBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/EnumAttr.td"

def Cnn_PaddingMode : I32EnumAttr<"PaddingMode",
    "what a convolution reads outside its input", [
      I32EnumAttrCase<"zeros", 0>, I32EnumAttrCase<"reflect", 1>,
      I32EnumAttrCase<"replicate", 2>, I32EnumAttrCase<"circular", 3>]> {
  let cppNamespace = "::convc::cnn";
  let genSpecializedAttr = 0;
}
def Cnn_PaddingModeAttr : EnumAttr<Cnn_Dialect, Cnn_PaddingMode, "padding_mode">;

def Cnn_ResizeMode : I32EnumAttr<"ResizeMode", "how an upsampling interpolates", [
      I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"bilinear", 1>]> {
  let cppNamespace = "::convc::cnn";
  let genSpecializedAttr = 0;
}
def Cnn_ResizeModeAttr : EnumAttr<Cnn_Dialect, Cnn_ResizeMode, "resize_mode">;

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def Cnn_WeightOp : Cnn_Op<"weight",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a named parameter tensor";
  let description = [{
    A trained parameter of the model. `name` is its key in the weights file,
    the PyTorch `state_dict` way (`layer1.0.conv1.weight`); `value` holds the
    data that was loaded (or generated with `--random-weights`).

    ```mlir
    %w = cnn.weight "conv1.weight" = dense<1.0> : tensor<8x3x3x3xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, ElementsAttr:$value);
  let results = (outs Cnn_Tensor:$result);
  let assemblyFormat = "$name `=` $value attr-dict";
  let hasFolder = 1;
}

def Cnn_ConstantOp : Cnn_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor written in the model source";
  let description = [{
    A fixed tensor of the model itself, not a trained parameter: a Sobel or
    box filter, say.

    ```mlir
    %k = cnn.constant dense<[[[[-1.0, 0.0, 1.0]]]]> : tensor<1x1x1x3xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Cnn_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and linear layers
//===----------------------------------------------------------------------===//

def Cnn_ConvOp : Cnn_Op<"conv",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "1-D, 2-D or 3-D convolution (cross-correlation by default)";
  let description = [{
    In 2-D: `output[n, f, y, x] = bias[f] + sum_{c, i, j} input_pad[n,
    g*C/G + c, y*sh + i*dh, x*sw + j*dw] * weight[f, c, i, j]` where
    `g = f / (F/G)`; 1-D and 3-D likewise over one or three spatial dims.
    With `flip`, the kernel is mirrored along every spatial dimension first:
    the true convolution of signal processing rather than PyTorch's
    cross-correlation.

    `input` is N, C, spatial..., `weight` is `[F, C/groups, K...]`, `bias`
    is `[F]`. `strides` and `dilations` have one entry per spatial
    dimension, `pad` two (all leading pads, then all trailing ones:
    `[top, left, bottom, right]` in 2-D), filled as `padding_mode` says.
    Each output size is `floor((in + lo + hi - d*(K-1) - 1) / s) + 1`.

    ```mlir
    %y = cnn.conv %x, %w, %b strides [1, 1] dilations [1, 1]
           pad [1, 1, 1, 1] groups 1
           : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>)
           -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor:$weight,
                       Optional<Cnn_Tensor1D>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pad, I64Attr:$groups,
                       DefaultValuedAttr<Cnn_PaddingModeAttr,
                         "::convc::cnn::PaddingMode::zeros">:$padding_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$flip);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `strides` $strides `dilations` $dilations
    `pad` $pad `groups` $groups (`padding_mode` $padding_mode^)?
    (`flip` $flip^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Cnn_ConvTransposeOp : Cnn_Op<"conv_transpose",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "1-D or 2-D transposed convolution";
  let description = [{
    The gradient of `cnn.conv` with respect to its input, as PyTorch's
    `ConvTranspose*d`: every input element scatters `weight[c, f, ...]`
    times itself into a stride-spaced window of the output. `weight` is
    `[C, F/groups, K...]`. `pad` (leading, then trailing) crops the full
    output and `output_padding` adds to its trailing side: each output size
    is `(in-1)*s - lo - hi + d*(K-1) + output_padding + 1`.

    ```mlir
    %y = cnn.conv_transpose %x, %w strides [2, 2] dilations [1, 1]
           pad [1, 1, 1, 1] output_padding [0, 0] groups 1
           : (tensor<1x8x4x4xf32>, tensor<8x4x4x4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor:$weight,
                       Optional<Cnn_Tensor1D>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pad, DenseI64ArrayAttr:$output_padding,
                       I64Attr:$groups);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `strides` $strides `dilations` $dilations
    `pad` $pad `output_padding` $output_padding `groups` $groups attr-dict
    `:` functional-type(operands, results)
  }];
}

def Cnn_LinearOp : Cnn_Op<"linear",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "fully connected layer: y = x W^T + b";
  let description = [{
    `input` is `[N, K]`, `weight` is `[M, K]` (PyTorch's `Linear.weight`),
    `bias` is `[M]`; the result is `[N, M]`.

    ```mlir
    %y = cnn.linear %x, %w, %b : (tensor<1x84xf32>, tensor<10x84xf32>,
                                  tensor<10xf32>) -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor2D:$input, Cnn_Tensor2D:$weight,
                       Optional<Cnn_Tensor1D>:$bias);
  let results = (outs Cnn_Tensor2D:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Cnn_BatchNormOp : Cnn_Op<"batch_norm",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "batch normalization with running statistics (inference)";
  let description = [{
    `y = (x - running_mean[c]) / sqrt(running_var[c] + epsilon) * weight[c]
    + bias[c]` for the channel `c` (dimension 1) of each element, as
    PyTorch's `BatchNorm*d` in eval mode.

    ```mlir
    %y = cnn.batch_norm %x, %w, %b, %mean, %var epsilon 1.0e-05
           : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
              tensor<4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor1D:$weight,
                       Cnn_Tensor1D:$bias, Cnn_Tensor1D:$running_mean,
                       Cnn_Tensor1D:$running_var, F64Attr:$epsilon);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `,` $running_mean `,` $running_var
    `epsilon` $epsilon attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class Cnn_Pool2dOp<string mnemonic, string what> : Cnn_Op<mnemonic,
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D " # what # " pooling";
  let results = (outs Cnn_Tensor4D:$output);
}

def Cnn_MaxPool2dOp : Cnn_Pool2dOp<"max_pool2d", "max"> {
  let description = [{
    The maximum over each `kernel` window (dilated by `dilations`) of the
    NCHW input; padded positions never win (they are -inf). `pad` is
    `[top, left, bottom, right]`. Output size as for `cnn.conv`, rounded up
    with `ceil_mode` (a window that would start in the trailing padding is
    dropped, as in PyTorch).

    ```mlir
    %y = cnn.max_pool2d %x kernel [2, 2] strides [2, 2] dilations [1, 1]
           pad [0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pad,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let assemblyFormat = [{
    $input `kernel` $kernel `strides` $strides `dilations` $dilations `pad` $pad
    (`ceil_mode` $ceil_mode^)? attr-dict `:` type($input) `->` type($output)
  }];
}

def Cnn_AvgPool2dOp : Cnn_Pool2dOp<"avg_pool2d", "average"> {
  let description = [{
    The mean over each `kernel` window of the NCHW input. With
    `count_include_pad` (PyTorch's default) the divisor counts the window's
    positions inside the padded input; without it, only those inside the
    input. `ceil_mode` rounds the output size up as for `cnn.max_pool2d`.

    ```mlir
    %y = cnn.avg_pool2d %x kernel [2, 2] strides [2, 2] pad [0, 0, 0, 0]
           count_include_pad true : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pad,
                       BoolAttr:$count_include_pad,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let assemblyFormat = [{
    $input `kernel` $kernel `strides` $strides `pad` $pad
    `count_include_pad` $count_include_pad (`ceil_mode` $ceil_mode^)? attr-dict
    `:` type($input) `->` type($output)
  }];
}

def Cnn_GlobalAvgPoolOp : Cnn_Op<"global_avg_pool",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "mean over all spatial positions";
  let description = [{
    `[N, C, H, W] -> [N, C, 1, 1]`, as PyTorch's `AdaptiveAvgPool2d(1)`.

    ```mlir
    %y = cnn.global_avg_pool %x : tensor<1x8x7x7xf32> -> tensor<1x8x1x1xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Cnn_MaxPool2dIndicesOp : Cnn_Op<"max_pool2d_indices",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "where each window of a 2-D max pooling found its maximum";
  let description = [{
    For the `cnn.max_pool2d` with the same attributes, the flat index
    `h * W + w` within its (n, c) plane of the input element each output
    took, as PyTorch's `return_indices=True`: the first maximum in row-major
    window order (a NaN counts as the maximum). The result is int64.

    ```mlir
    %i = cnn.max_pool2d_indices %x kernel [2, 2] strides [2, 2] dilations [1, 1]
           pad [0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xi64>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pad,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs Cnn_IndexTensor4D:$output);
  let assemblyFormat = [{
    $input `kernel` $kernel `strides` $strides `dilations` $dilations `pad` $pad
    (`ceil_mode` $ceil_mode^)? attr-dict `:` type($input) `->` type($output)
  }];
}

def Cnn_MaxUnpool2dOp : Cnn_Op<"max_unpool2d", [Pure]> {
  let summary = "the partial inverse of max pooling";
  let description = [{
    Writes each element of `input` to the position `indices` names in its
    (n, c) plane of an all-zero output, as PyTorch's `MaxUnpool2d`. The
    indices come from a `cnn.max_pool2d_indices` with the same `kernel`,
    `strides` and `pad` (and no dilation), whose windows tell which inputs
    can land where.

    ```mlir
    %y = cnn.max_unpool2d %v, %i kernel [2, 2] strides [2, 2] pad [0, 0, 0, 0]
           : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xi64>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_IndexTensor4D:$indices,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pad);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `,` $indices `kernel` $kernel `strides` $strides `pad` $pad attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Cnn_GlobalMaxPoolOp : Cnn_Op<"global_max_pool",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "maximum over all spatial positions";
  let description = [{
    `[N, C, H, W] -> [N, C, 1, 1]`, as PyTorch's `AdaptiveMaxPool2d(1)`.

    ```mlir
    %y = cnn.global_max_pool %x : tensor<1x8x7x7xf32> -> tensor<1x8x1x1xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

def Cnn_FlattenOp : Cnn_Op<"flatten",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "collapse every dimension after the first";
  let description = [{
    `[N, d1, ..., dk] -> [N, d1*...*dk]`, as `torch.flatten(x, 1)`.

    ```mlir
    %y = cnn.flatten %x : tensor<1x16x5x5xf32> -> tensor<1x400xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input);
  let results = (outs Cnn_Tensor2D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Cnn_UpsampleOp : Cnn_Op<"upsample", [Pure]> {
  let summary = "nearest or bilinear resampling of H and W (PyTorch's interpolate)";
  let description = [{
    Each output pixel `(y, x)` reads the input at source coordinates
    computed with `scales` (input pixels per output pixel, per H and W), as
    PyTorch does: nearest takes `floor(y * scale)`; bilinear with
    `align_corners` maps `y * scale` (scale = (in-1)/(out-1)), without it
    `max((y + 0.5) * scale - 0.5, 0)`, and blends the two nearest rows and
    columns. The output size is the result type's.

    ```mlir
    %y = cnn.upsample %x mode bilinear align_corners false scales [5.0e-01, 5.0e-01]
           : tensor<1x4x8x8xf32> -> tensor<1x4x16x16xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_ResizeModeAttr:$mode,
                       BoolAttr:$align_corners, DenseF64ArrayAttr:$scales);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `mode` $mode `align_corners` $align_corners `scales` $scales attr-dict
    `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Cnn_PixelShuffleOp : Cnn_Op<"pixel_shuffle",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "depth to space: [N, C*r*r, H, W] -> [N, C, H*r, W*r]";
  let description = [{
    `output[n, c, h*r + i, w*r + j] = input[n, c*r*r + i*r + j, h, w]`, as
    PyTorch's `PixelShuffle(r)`.

    ```mlir
    %y = cnn.pixel_shuffle %x upscale_factor 2 : tensor<1x8x4x4xf32> -> tensor<1x2x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, I64Attr:$upscale_factor);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `upscale_factor` $upscale_factor attr-dict `:` type($input) `->` type($output)
  }];
}

def Cnn_TransposeOp : Cnn_Op<"transpose",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "permutes dimensions: output dim i is input dim permutation[i]";
  let description = [{
    Converts between layouts at the model's boundary (NHWC <-> NCHW).

    ```mlir
    %y = cnn.transpose %x permutation [0, 3, 1, 2]
           : tensor<1x8x8x3xf32> -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `permutation` $permutation attr-dict `:` type($input) `->` type($output)
  }];
}

def Cnn_ReshapeOp : Cnn_Op<"reshape", [Pure]> {
  let summary = "the same elements in row-major order, in another shape";
  let description = [{
    ```mlir
    %y = cnn.reshape %x : tensor<1x16x5x5xf32> -> tensor<1x16x25xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Cnn_ConcatOp : Cnn_Op<"concat",
    [Pure, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "concatenation along one dimension (channels by default)";
  let description = [{
    All inputs have the same rank and the same sizes except along `dim`.

    ```mlir
    %y = cnn.concat %a, %b dim 1 : (tensor<1x2x8x8xf32>, tensor<1x3x8x8xf32>)
           -> tensor<1x5x8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Cnn_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $inputs `dim` $dim attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

class Cnn_ActivationOp<string mnemonic, string formula>
    : Cnn_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise " # mnemonic # ": " # formula;
  let description = [{
    Applied to every element; the result has the input's type.

    ```mlir
    %y = cnn.}] # mnemonic # [{ %x : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def Cnn_ReluOp : Cnn_ActivationOp<"relu", "max(x, 0)">;
def Cnn_Relu6Op : Cnn_ActivationOp<"relu6", "min(max(x, 0), 6)">;
def Cnn_SigmoidOp : Cnn_ActivationOp<"sigmoid", "1 / (1 + exp(-x))">;
def Cnn_TanhOp : Cnn_ActivationOp<"tanh", "tanh(x)">;
def Cnn_SiluOp : Cnn_ActivationOp<"silu", "x * sigmoid(x)">;
def Cnn_HardswishOp : Cnn_ActivationOp<"hardswish", "x * relu6(x + 3) / 6">;
def Cnn_SqrtOp : Cnn_ActivationOp<"sqrt", "sqrt(x)">;
def Cnn_AbsOp : Cnn_ActivationOp<"abs", "|x|">;

def Cnn_LeakyReluOp : Cnn_Op<"leaky_relu", [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise leaky ReLU: x if x > 0 else negative_slope * x";
  let description = [{
    ```mlir
    %y = cnn.leaky_relu %x negative_slope 1.000000e-02 : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, F64Attr:$negative_slope);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `negative_slope` $negative_slope attr-dict `:` type($output)
  }];
}

def Cnn_SoftmaxOp : Cnn_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one dimension";
  let description = [{
    `y = exp(x - max(x)) / sum(exp(x - max(x)))` along `dim`.

    ```mlir
    %y = cnn.softmax %x dim 1 : tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, I64Attr:$dim);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = "$input `dim` $dim attr-dict `:` type($output)";
  let hasVerifier = 1;
}

class Cnn_BinaryOp<string mnemonic, string formula>
    : Cnn_Op<mnemonic, [Pure, SameOperandsAndResultType, Commutative]> {
  let summary = "element-wise " # mnemonic # ": " # formula;
  let description = [{
    Both operands have the same shape (a residual connection).

    ```mlir
    %y = cnn.}] # mnemonic # [{ %a, %b : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$lhs, Cnn_Tensor:$rhs);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($output)";
}

def Cnn_AddOp : Cnn_BinaryOp<"add", "a + b">;
def Cnn_MulOp : Cnn_BinaryOp<"mul", "a * b">;
def Cnn_SubOp : Cnn_Op<"sub", [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise sub: a - b";
  let description = [{
    ```mlir
    %y = cnn.sub %a, %b : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$lhs, Cnn_Tensor:$rhs);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($output)";
}

#endif // CNN_OPS_TD
