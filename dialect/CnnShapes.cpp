//===- CnnShapes.cpp - output-shape formulas of the cnn layers ------------===//

#include "dialect/CnnShapes.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace convc::cnn {

int64_t convOutputSize(int64_t in, int64_t padTotal, int64_t kernel,
                       int64_t stride, int64_t dilation, bool ceil) {
  int64_t span = in + padTotal - dilation * (kernel - 1) - 1;
  if (ceil && span >= 0)
    return (span + stride - 1) / stride + 1;
  // Floor division: span is negative when the window does not fit.
  int64_t q = span >= 0 ? span / stride : -((-span + stride - 1) / stride);
  return q + 1;
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "x" : "") + std::to_string(d);
  return s;
}

std::string convName(StringRef base, int64_t rank) {
  return base.str() + std::to_string(std::max<int64_t>(rank - 2, 0)) + "d";
}

static bool allPositive(ArrayRef<int64_t> v) {
  return llvm::all_of(v, [](int64_t x) { return x > 0; });
}

/// Checks the window attributes for `spatial` dims (the input's trailing
/// sizes) and returns the output sizes.
static FailureOr<Shape> inferWindow(std::optional<Location> loc,
                                    StringRef layer, ArrayRef<int64_t> spatial,
                                    const Window &win, bool ceil = false) {
  size_t n = spatial.size();
  if (win.kernel.size() != n || !allPositive(win.kernel))
    return emitOptionalError(loc, layer, ": kernel must be ", n,
                             " positive size(s)");
  if (win.strides.size() != n || !allPositive(win.strides))
    return emitOptionalError(loc, layer, ": stride must be ", n,
                             " positive integer(s)");
  if (win.dilations.size() != n || !allPositive(win.dilations))
    return emitOptionalError(loc, layer, ": dilation must be ", n,
                             " positive integer(s)");
  if (win.pad.size() != 2 * n ||
      llvm::any_of(win.pad, [](int64_t p) { return p < 0; }))
    return emitOptionalError(loc, layer, ": padding must be ", 2 * n,
                             " non-negative integers (all leading pads, then "
                             "all trailing ones)");
  Shape padded, window, out;
  for (size_t i = 0; i < n; ++i) {
    padded.push_back(spatial[i] + win.pad[i] + win.pad[n + i]);
    window.push_back(win.dilations[i] * (win.kernel[i] - 1) + 1);
    out.push_back(convOutputSize(spatial[i], win.pad[i] + win.pad[n + i],
                                 win.kernel[i], win.strides[i],
                                 win.dilations[i], ceil));
  }
  for (size_t i = 0; i < n; ++i)
    if (window[i] > padded[i])
      return emitOptionalError(
          loc, layer, ": the ", formatShape(window), " window (kernel ",
          formatShape(win.kernel), ", dilation ", formatShape(win.dilations),
          ") does not fit in the padded input ", formatShape(padded));
  return out;
}

static LogicalResult expectRank(std::optional<Location> loc, StringRef layer,
                                StringRef what, ArrayRef<int64_t> shape,
                                size_t rank, StringRef layout) {
  if (shape.size() == rank)
    return success();
  return emitOptionalError(loc, layer, ": expects a rank-", rank, " ", what,
                           " (", layout, "), got ",
                           shape.empty() ? "a scalar" : formatShape(shape));
}

/// Checks an [N, C, ...] input and a weight of the same rank whose channel
/// dimensions relate to C and F through `groups`.
static LogicalResult checkConvOperands(std::optional<Location> loc,
                                       StringRef layer, ArrayRef<int64_t> input,
                                       ArrayRef<int64_t> weight, int64_t f,
                                       int64_t weightIn,
                                       std::optional<ArrayRef<int64_t>> bias,
                                       int64_t groups) {
  if (input.size() < 3 || input.size() > 5)
    return emitOptionalError(loc, layer,
                             ": expects an input of rank 3, 4 or 5 "
                             "(N, C, then 1 to 3 spatial dims), got ",
                             formatShape(input));
  if (failed(expectRank(loc, layer, "weight", weight, input.size(),
                        "out, in/groups, then the kernel's sizes")))
    return failure();
  if (groups < 1)
    return emitOptionalError(loc, layer, ": groups must be positive, got ",
                             groups);
  int64_t c = input[1];
  if (c % groups != 0)
    return emitOptionalError(
        loc, layer, ": the input has ", c,
        " channels, which is not divisible by groups=", groups);
  if (f % groups != 0)
    return emitOptionalError(
        loc, layer, ": ", f,
        " output channels are not divisible by groups=", groups);
  if (weightIn != c)
    return emitOptionalError(loc, layer, ": weight ", formatShape(weight),
                             " expects ", weightIn,
                             " input channels, but the input has ", c);
  if (bias && (bias->size() != 1 || (*bias)[0] != f))
    return emitOptionalError(loc, layer, ": bias must have shape ", f, ", got ",
                             formatShape(*bias));
  return success();
}

FailureOr<Shape>
inferConvShape(std::optional<Location> loc, ArrayRef<int64_t> input,
               ArrayRef<int64_t> weight, std::optional<ArrayRef<int64_t>> bias,
               ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
               ArrayRef<int64_t> pad, int64_t groups) {
  std::string layer = convName("conv", input.size());
  int64_t f = weight.empty() ? 0 : weight[0];
  int64_t weightIn = weight.size() > 1 ? weight[1] * groups : 0;
  if (failed(checkConvOperands(loc, layer, input, weight, f, weightIn, bias,
                               groups)))
    return failure();
  auto spatial = inferWindow(loc, layer, input.drop_front(2),
                             {weight.drop_front(2), strides, dilations, pad});
  if (failed(spatial))
    return failure();
  Shape out{input[0], f};
  out.append(spatial->begin(), spatial->end());
  return out;
}

FailureOr<Shape> inferPixelShuffleShape(std::optional<Location> loc,
                                        ArrayRef<int64_t> input,
                                        int64_t factor) {
  if (failed(expectRank(loc, "pixel_shuffle", "input", input, 4, "NCHW")))
    return failure();
  if (factor < 1 || input[1] % (factor * factor) != 0)
    return emitOptionalError(loc, "pixel_shuffle: the input's ", input[1],
                             " channels are not divisible by the upscale "
                             "factor squared (",
                             factor * factor, ")");
  return Shape{input[0], input[1] / (factor * factor), input[2] * factor,
               input[3] * factor};
}

FailureOr<Shape> inferTransposeShape(std::optional<Location> loc,
                                     ArrayRef<int64_t> input,
                                     ArrayRef<int64_t> perm) {
  if (perm.size() != input.size())
    return emitOptionalError(loc, "transpose: the permutation has ",
                             perm.size(), " entries for rank ", input.size());
  llvm::SmallVector<bool> seen(input.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(input.size()) || seen[p])
      return emitOptionalError(loc, "transpose: [", formatShape(perm),
                               "] is not a permutation of ", input.size(),
                               " dimensions");
    seen[p] = true;
    out.push_back(input[p]);
  }
  return out;
}

LogicalResult checkPaddingMode(std::optional<Location> loc, PaddingMode mode,
                               ArrayRef<int64_t> spatial,
                               ArrayRef<int64_t> pad) {
  size_t n = spatial.size();
  if (pad.size() != 2 * n)
    return success(); // reported by the shape rules
  for (size_t i = 0; i < 2 * n; ++i) {
    int64_t size = spatial[i % n];
    if (mode == PaddingMode::reflect && pad[i] >= size)
      return emitOptionalError(loc, "reflect padding ", pad[i],
                               " must be smaller than the input size ", size);
    if (mode == PaddingMode::circular && pad[i] > size)
      return emitOptionalError(loc, "circular padding ", pad[i],
                               " must not exceed the input size ", size);
  }
  return success();
}

FailureOr<Shape> inferConvTransposeShape(
    std::optional<Location> loc, ArrayRef<int64_t> input,
    ArrayRef<int64_t> weight, std::optional<ArrayRef<int64_t>> bias,
    ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
    ArrayRef<int64_t> pad, ArrayRef<int64_t> outputPadding, int64_t groups) {
  std::string layer = convName("conv_transpose", input.size());
  int64_t f = weight.size() > 1 ? weight[1] * groups : 0;
  int64_t weightIn = weight.empty() ? 0 : weight[0];
  if (failed(checkConvOperands(loc, layer, input, weight, f, weightIn, bias,
                               groups)))
    return failure();
  size_t n = input.size() - 2;
  if (strides.size() != n || !allPositive(strides) || dilations.size() != n ||
      !allPositive(dilations))
    return emitOptionalError(loc, layer, ": stride and dilation must be ", n,
                             " positive integer(s) each");
  if (pad.size() != 2 * n || outputPadding.size() != n ||
      llvm::any_of(pad, [](int64_t p) { return p < 0; }) ||
      llvm::any_of(outputPadding, [](int64_t p) { return p < 0; }))
    return emitOptionalError(loc, layer, ": padding must be ", 2 * n,
                             " and output padding ", n,
                             " non-negative integers");
  Shape out{input[0], f};
  for (size_t i = 0; i < n; ++i) {
    // As PyTorch: output padding resolves the ambiguity of a stride, so it
    // must stay below the stride (or the dilation).
    if (outputPadding[i] >= std::max(strides[i], dilations[i]))
      return emitOptionalError(loc, layer, ": output padding ",
                               outputPadding[i],
                               " must be smaller than the stride or the "
                               "dilation");
    int64_t size = (input[2 + i] - 1) * strides[i] - pad[i] - pad[n + i] +
                   dilations[i] * (weight[2 + i] - 1) + outputPadding[i] + 1;
    if (size <= 0)
      return emitOptionalError(loc, layer, ": padding ", pad[i], "+",
                               pad[n + i], " leaves no output");
    out.push_back(size);
  }
  return out;
}

FailureOr<Shape> inferPool2dShape(std::optional<Location> loc, StringRef layer,
                                  ArrayRef<int64_t> input, const Window &window,
                                  bool ceilMode) {
  if (failed(expectRank(loc, layer, "input", input, 4, "NCHW")))
    return failure();
  auto hw = inferWindow(loc, layer, input.drop_front(2), window, ceilMode);
  if (failed(hw))
    return failure();
  // As PyTorch: padding larger than half the (dilated) window would create
  // windows that see nothing but padding.
  for (int i = 0; i < 2; ++i) {
    int64_t half = (window.dilations[i] * (window.kernel[i] - 1) + 1) / 2;
    if (window.pad[i] > half || window.pad[i + 2] > half)
      return emitOptionalError(
          loc, layer, ": padding must be at most half the window (", half,
          "), got ", window.pad[i], " and ", window.pad[i + 2]);
  }
  Shape out{input[0], input[1], (*hw)[0], (*hw)[1]};
  // With ceil_mode, a last window that would start in the trailing padding
  // is dropped (PyTorch's rule).
  if (ceilMode)
    for (int i = 0; i < 2; ++i)
      if ((out[2 + i] - 1) * window.strides[i] >= input[2 + i] + window.pad[i])
        --out[2 + i];
  return out;
}

FailureOr<Shape> inferLinearShape(std::optional<Location> loc,
                                  ArrayRef<int64_t> input,
                                  ArrayRef<int64_t> weight,
                                  std::optional<ArrayRef<int64_t>> bias) {
  StringRef layer = "linear";
  if (failed(expectRank(loc, layer, "input", input, 2,
                        "[batch, features]; flatten it first")) ||
      failed(expectRank(loc, layer, "weight", weight, 2, "[out, in]")))
    return failure();
  if (weight[1] != input[1])
    return emitOptionalError(loc, layer, ": weight ", formatShape(weight),
                             " expects ", weight[1],
                             " input features, but the input has ", input[1]);
  if (bias && (bias->size() != 1 || (*bias)[0] != weight[0]))
    return emitOptionalError(loc, layer, ": bias must have shape ", weight[0],
                             ", got ", formatShape(*bias));
  return Shape{input[0], weight[0]};
}

FailureOr<Shape> inferGlobalPoolShape(std::optional<Location> loc,
                                      StringRef layer,
                                      ArrayRef<int64_t> input) {
  if (failed(expectRank(loc, layer, "input", input, 4, "NCHW")))
    return failure();
  return Shape{input[0], input[1], 1, 1};
}

FailureOr<Shape> inferFlattenShape(std::optional<Location> loc,
                                   ArrayRef<int64_t> input) {
  if (input.empty())
    return emitOptionalError(loc, "flatten: expects a tensor of rank >= 1");
  int64_t rest = 1;
  for (int64_t d : input.drop_front())
    rest *= d;
  return Shape{input[0], rest};
}

FailureOr<Shape> inferBatchNormShape(std::optional<Location> loc,
                                     ArrayRef<int64_t> input,
                                     ArrayRef<ArrayRef<int64_t>> params) {
  if (input.size() < 2)
    return emitOptionalError(loc,
                             "batch_norm: expects an input of rank >= 2 "
                             "with channels in dimension 1, got ",
                             formatShape(input));
  for (ArrayRef<int64_t> p : params)
    if (p.size() != 1 || p[0] != input[1])
      return emitOptionalError(loc, "batch_norm: parameters must have shape ",
                               input[1], " (the input's channels), got ",
                               formatShape(p));
  return Shape(input.begin(), input.end());
}

FailureOr<Shape> inferConcatShape(std::optional<Location> loc,
                                  ArrayRef<ArrayRef<int64_t>> inputs,
                                  int64_t dim) {
  if (inputs.empty())
    return emitOptionalError(loc, "concat: needs at least one input");
  ArrayRef<int64_t> first = inputs.front();
  if (dim < 0 || dim >= static_cast<int64_t>(first.size()))
    return emitOptionalError(loc, "concat: dimension ", dim,
                             " is out of range for rank ", first.size());
  Shape out(first.begin(), first.end());
  for (ArrayRef<int64_t> s : inputs.drop_front()) {
    bool same = s.size() == first.size();
    for (size_t d = 0; same && d < s.size(); ++d)
      same = d == static_cast<size_t>(dim) || s[d] == first[d];
    if (!same)
      return emitOptionalError(loc, "concat: inputs ", formatShape(first),
                               " and ", formatShape(s),
                               " differ outside dimension ", dim);
    out[dim] += s[dim];
  }
  return out;
}

} // namespace convc::cnn
