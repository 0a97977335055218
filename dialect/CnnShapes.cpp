//===- CnnShapes.cpp - output-shape formulas of the cnn layers ------------===//

#include "dialect/CnnShapes.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace convc::cnn {

int64_t convOutputSize(int64_t in, int64_t padTotal, int64_t kernel,
                       int64_t stride, int64_t dilation) {
  int64_t span = in + padTotal - dilation * (kernel - 1) - 1;
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

static bool allPositive(ArrayRef<int64_t> v) {
  return llvm::all_of(v, [](int64_t x) { return x > 0; });
}

/// Checks the window attributes and returns the output [OH, OW].
static FailureOr<std::pair<int64_t, int64_t>>
inferWindow(std::optional<Location> loc, StringRef layer, int64_t h, int64_t w,
            const Window2d &win) {
  if (win.kernel.size() != 2 || !allPositive(win.kernel))
    return emitOptionalError(loc, layer, ": kernel must be two positive sizes");
  if (win.strides.size() != 2 || !allPositive(win.strides))
    return emitOptionalError(loc, layer, ": stride must be two positive integers");
  if (win.dilations.size() != 2 || !allPositive(win.dilations))
    return emitOptionalError(loc, layer,
                             ": dilation must be two positive integers");
  if (win.pad.size() != 4 ||
      llvm::any_of(win.pad, [](int64_t p) { return p < 0; }))
    return emitOptionalError(
        loc, layer, ": padding must be four non-negative integers "
                    "[top, left, bottom, right]");
  int64_t ph = h + win.pad[0] + win.pad[2], pw = w + win.pad[1] + win.pad[3];
  int64_t kh = win.dilations[0] * (win.kernel[0] - 1) + 1;
  int64_t kw = win.dilations[1] * (win.kernel[1] - 1) + 1;
  if (kh > ph || kw > pw)
    return emitOptionalError(loc, layer, ": the ", kh, "x", kw,
                             " window (kernel ", win.kernel[0], "x",
                             win.kernel[1], ", dilation ", win.dilations[0],
                             "x", win.dilations[1],
                             ") does not fit in the padded input ", ph, "x", pw);
  return std::make_pair(
      convOutputSize(h, win.pad[0] + win.pad[2], win.kernel[0], win.strides[0],
                     win.dilations[0]),
      convOutputSize(w, win.pad[1] + win.pad[3], win.kernel[1], win.strides[1],
                     win.dilations[1]));
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

FailureOr<Shape> inferConv2dShape(std::optional<Location> loc,
                                  ArrayRef<int64_t> input,
                                  ArrayRef<int64_t> weight,
                                  std::optional<ArrayRef<int64_t>> bias,
                                  ArrayRef<int64_t> strides,
                                  ArrayRef<int64_t> dilations,
                                  ArrayRef<int64_t> pad, int64_t groups) {
  StringRef layer = "conv2d";
  if (failed(expectRank(loc, layer, "input", input, 4, "NCHW")) ||
      failed(expectRank(loc, layer, "weight", weight, 4, "[out, in/groups, KH, KW]")))
    return failure();
  if (groups < 1)
    return emitOptionalError(loc, layer, ": groups must be positive, got ",
                             groups);
  int64_t c = input[1], f = weight[0];
  if (c % groups != 0)
    return emitOptionalError(loc, layer, ": the input has ", c,
                             " channels, which is not divisible by groups=",
                             groups);
  if (f % groups != 0)
    return emitOptionalError(loc, layer, ": ", f,
                             " output channels are not divisible by groups=",
                             groups);
  if (weight[1] * groups != c)
    return emitOptionalError(loc, layer, ": weight ", formatShape(weight),
                             " expects ", weight[1] * groups,
                             " input channels, but the input has ", c);
  if (bias && (bias->size() != 1 || (*bias)[0] != f))
    return emitOptionalError(loc, layer, ": bias must have shape ", f,
                             ", got ", formatShape(*bias));
  auto hw = inferWindow(loc, layer, input[2], input[3],
                        {weight.drop_front(2), strides, dilations, pad});
  if (failed(hw))
    return failure();
  return Shape{input[0], f, hw->first, hw->second};
}

FailureOr<Shape> inferPool2dShape(std::optional<Location> loc, StringRef layer,
                                  ArrayRef<int64_t> input,
                                  const Window2d &window) {
  if (failed(expectRank(loc, layer, "input", input, 4, "NCHW")))
    return failure();
  auto hw = inferWindow(loc, layer, input[2], input[3], window);
  if (failed(hw))
    return failure();
  // As PyTorch: padding larger than half the (dilated) window would create
  // windows that see nothing but padding.
  for (int i = 0; i < 2; ++i) {
    int64_t half = (window.dilations[i] * (window.kernel[i] - 1) + 1) / 2;
    if (window.pad[i] > half || window.pad[i + 2] > half)
      return emitOptionalError(loc, layer,
                               ": padding must be at most half the window (",
                               half, "), got ", window.pad[i], " and ",
                               window.pad[i + 2]);
  }
  return Shape{input[0], input[1], hw->first, hw->second};
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
                                      ArrayRef<int64_t> input) {
  if (failed(expectRank(loc, "global_avg_pool", "input", input, 4, "NCHW")))
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
    return emitOptionalError(loc, "batch_norm: expects an input of rank >= 2 "
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
