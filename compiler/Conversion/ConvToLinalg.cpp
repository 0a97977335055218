//===- ConvToLinalg.cpp - convolutions and linear layers to linalg --------===//
//
// Every convolution ends in a 2-D linalg named op where one exists (so the
// later tiling and im2col passes see it): 1-D convolutions as 2-D ones of
// height 1, transposed convolutions as ordinary ones over the input with
// zeros inserted. 3-D convolutions are chains of 2-D ones over batches of
// depth planes.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/PopulatePatterns.h"
#include "dialect/CnnOps.h"
#include "dialect/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace convc::detail;
namespace cnn = convc::cnn;

namespace {

/// out[n, f, ...] = bias[f] (or 0), the accumulator a convolution or
/// linear layer adds onto.
Value biasInit(OpBuilder &b, Location loc, RankedTensorType type, Value bias) {
  if (!bias)
    return filled(b, loc, type, 0.0f);
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != 1)
      dims.push_back(d);
  return linalg::BroadcastOp::create(b, loc, bias, empty, dims).getResult()[0];
}

/// Pads the spatial dims with the values `mode` reads outside the input:
/// reflect mirrors without repeating the edge, replicate repeats it,
/// circular wraps around. A generic that gathers from the input.
Value padWithMode(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> pad,
                  cnn::PaddingMode mode) {
  if (mode == cnn::PaddingMode::zeros)
    return padSpatial(b, loc, x, pad, 0.0f);
  if (llvm::all_of(pad, [](int64_t p) { return p == 0; }))
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), n = rank - 2;
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t i = 0; i < n; ++i)
    shape[2 + i] += pad[i] + pad[n + i];
  auto outType = tensorOf(shape, type.getElementType());
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, outType, ValueRange{}, init,
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)}, iters,
             [&](OpBuilder &nb, Location nl, ValueRange) {
               SmallVector<Value> idx;
               auto cst = [&](int64_t v) {
                 return arith::ConstantIndexOp::create(nb, nl, v).getResult();
               };
               for (int64_t d = 0; d < rank; ++d) {
                 Value i = linalg::IndexOp::create(nb, nl, d);
                 if (d < 2) {
                   idx.push_back(i);
                   continue;
                 }
                 int64_t size = type.getDimSize(d);
                 // s = i - lo, then folded back into [0, size).
                 Value s = arith::SubIOp::create(nb, nl, i, cst(pad[d - 2]));
                 Value zero = cst(0), last = cst(size - 1);
                 if (mode == cnn::PaddingMode::replicate) {
                   s = arith::MaxSIOp::create(nb, nl, s, zero);
                   s = arith::MinSIOp::create(nb, nl, s, last);
                 } else if (mode == cnn::PaddingMode::reflect) {
                   // -s below the edge, 2*(size-1) - s above it.
                   Value neg = arith::SubIOp::create(nb, nl, zero, s);
                   s = arith::MaxSIOp::create(nb, nl, s, neg);
                   Value mirror =
                       arith::SubIOp::create(nb, nl, cst(2 * (size - 1)), s);
                   s = arith::MinSIOp::create(nb, nl, s, mirror);
                 } else { // circular
                   Value sz = cst(size);
                   s = arith::RemSIOp::create(
                       nb, nl, arith::AddIOp::create(nb, nl, s, sz), sz);
                 }
                 idx.push_back(s);
               }
               linalg::YieldOp::create(
                   nb, nl,
                   tensor::ExtractOp::create(nb, nl, x, idx).getResult());
             })
      .getResult(0);
}

/// Mirrors a [F, C, K...] kernel along every spatial dimension, or when
/// `transpose` a [C, F/groups, K...] transposed-convolution kernel into the
/// [F, C/groups, K...] kernel of the equivalent convolution (mirrored too).
Value flipKernel(OpBuilder &b, Location loc, Value w, int64_t groups,
                 bool transpose) {
  auto type = cast<RankedTensorType>(w.getType());
  ArrayRef<int64_t> ws = type.getShape();
  int64_t rank = type.getRank(), n = rank - 2;
  MLIRContext *ctx = b.getContext();
  Type f32 = type.getElementType();
  if (!transpose) {
    SmallVector<AffineExpr> exprs = {b.getAffineDimExpr(0),
                                     b.getAffineDimExpr(1)};
    for (int64_t i = 0; i < n; ++i)
      exprs.push_back(ws[2 + i] - 1 - b.getAffineDimExpr(2 + i));
    return elementwise(b, loc, type, w,
                       [](OpBuilder &, Location, ValueRange a) { return a[0]; },
                       {AffineMap::get(rank, 0, exprs, ctx)});
  }
  // [C, Fg, K...] -> [G, Cg, Fg, K...] -> (flip, swap) [G, Fg, Cg, K...]
  // -> [F, Cg, K...].
  int64_t g = groups, cg = ws[0] / g, fg = ws[1];
  SmallVector<int64_t> split = {g, cg, fg}, swapped = {g, fg, cg};
  split.append(ws.begin() + 2, ws.end());
  swapped.append(ws.begin() + 2, ws.end());
  SmallVector<ReassociationIndices> first = {{0, 1}, {2}};
  for (int64_t i = 0; i < n; ++i)
    first.push_back({3 + i});
  Value w5 =
      tensor::ExpandShapeOp::create(b, loc, tensorOf(split, f32), w, first);
  SmallVector<AffineExpr> exprs = {b.getAffineDimExpr(0), b.getAffineDimExpr(2),
                                   b.getAffineDimExpr(1)};
  for (int64_t i = 0; i < n; ++i)
    exprs.push_back(ws[2 + i] - 1 - b.getAffineDimExpr(3 + i));
  Value t =
      elementwise(b, loc, tensorOf(swapped, f32), w5,
                  [](OpBuilder &, Location, ValueRange a) { return a[0]; },
                  {AffineMap::get(rank + 1, 0, exprs, ctx)});
  SmallVector<int64_t> out = {g * fg, cg};
  out.append(ws.begin() + 2, ws.end());
  return tensor::CollapseShapeOp::create(b, loc, tensorOf(out, f32), t, first);
}

/// A 2-D convolution of an already padded NCHW `x` accumulated onto `init`
/// with the linalg named op that fits the grouping.
Value conv2dNamed(OpBuilder &b, Location loc, Value x, Value w, Value init,
                  ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                  int64_t g) {
  auto outType = cast<RankedTensorType>(init.getType());
  Type f32 = outType.getElementType();
  auto stridesAttr = b.getI64TensorAttr(strides);
  auto dilationsAttr = b.getI64TensorAttr(dilations);
  ArrayRef<int64_t> ws = cast<RankedTensorType>(w.getType()).getShape();
  ArrayRef<int64_t> xs = cast<RankedTensorType>(x.getType()).getShape();
  ArrayRef<int64_t> os = outType.getShape();
  int64_t c = xs[1], f = ws[0];
  if (g == 1)
    return linalg::Conv2DNchwFchwOp::create(b, loc, TypeRange{outType},
                                            ValueRange{x, w}, ValueRange{init},
                                            stridesAttr, dilationsAttr)
        .getResult(0);
  if (g == c && f == c) {
    // [C, 1, KH, KW] -> [C, KH, KW]
    Value w3 = tensor::CollapseShapeOp::create(
        b, loc, tensorOf({c, ws[2], ws[3]}, f32), w,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    return linalg::DepthwiseConv2DNchwChwOp::create(
               b, loc, TypeRange{outType}, ValueRange{x, w3}, ValueRange{init},
               stridesAttr, dilationsAttr)
        .getResult(0);
  }
  // Grouped: NCHW -> NGCHW, FCHW -> GFCHW, NFHW -> NGFHW.
  SmallVector<ReassociationIndices> splitDim1 = {{0}, {1, 2}, {3}, {4}};
  SmallVector<ReassociationIndices> splitDim0 = {{0, 1}, {2}, {3}, {4}};
  Value x5 = tensor::ExpandShapeOp::create(
      b, loc, tensorOf({xs[0], g, c / g, xs[2], xs[3]}, f32), x, splitDim1);
  Value w5 = tensor::ExpandShapeOp::create(
      b, loc, tensorOf({g, f / g, ws[1], ws[2], ws[3]}, f32), w, splitDim0);
  auto out5Type = tensorOf({os[0], g, f / g, os[2], os[3]}, f32);
  Value init5 =
      tensor::ExpandShapeOp::create(b, loc, out5Type, init, splitDim1);
  Value conv = linalg::Conv2DNgchwGfchwOp::create(
                   b, loc, TypeRange{out5Type}, ValueRange{x5, w5},
                   ValueRange{init5}, stridesAttr, dilationsAttr)
                   .getResult(0);
  return tensor::CollapseShapeOp::create(b, loc, outType, conv, splitDim1);
}

/// Plane `kd` of a [F, C, KD, KH, KW] kernel, [F, C, KH, KW]: computed
/// here when the kernel is a constant (so that the later passes pack it at
/// compile time), a slice otherwise.
Value kernelPlane(OpBuilder &b, Location loc, Value w, int64_t kd) {
  auto type = cast<RankedTensorType>(w.getType());
  ArrayRef<int64_t> ws = type.getShape();
  auto planeType =
      tensorOf({ws[0], ws[1], ws[3], ws[4]}, type.getElementType());
  Attribute attr;
  std::vector<float> storage;
  std::optional<ArrayRef<float>> in;
  if (matchPattern(w, m_Constant(&attr)) &&
      (in = cnn::f32Elements(attr, storage))) {
    int64_t planes = ws[0] * ws[1], taps = ws[3] * ws[4];
    std::vector<float> out(planes * taps);
    for (int64_t i = 0; i < planes; ++i)
      for (int64_t t = 0; t < taps; ++t)
        out[i * taps + t] = (*in)[(i * ws[2] + kd) * taps + t];
    return arith::ConstantOp::create(
        b, loc,
        cnn::makeF32Constant(planeType, std::move(out), cnn::blobKey(attr)));
  }
  SmallVector<int64_t> offsets = {0, 0, kd, 0, 0},
                       sizes = {ws[0], ws[1], 1, ws[3], ws[4]};
  return tensor::ExtractSliceOp::create(
      b, loc, planeType, w, ValueRange{}, ValueRange{}, ValueRange{},
      b.getDenseI64ArrayAttr(offsets), b.getDenseI64ArrayAttr(sizes),
      b.getDenseI64ArrayAttr(SmallVector<int64_t>(5, 1)));
}

/// A 3-D convolution of a padded NCDHW `x` plus `bias`, as a chain of 2-D
/// convolutions (one per kernel plane kd) over a batch of depth planes,
/// each accumulating onto the one before. The input is reordered once so
/// that the planes every kd reads are one contiguous batch: depth d = j *
/// sd + p (sd the depth stride) goes to batch row (p * P + j) * N + n, with
/// P = ceil(D / sd). Output depth od of kernel plane kd reads depth od * sd
/// + kd * dd = (od + q) * sd + p, so kd's batch is the OD * N rows from
/// (p * P + q) * N on, in the order (od, n) of the result. The 2-D
/// convolutions then get the same implicit-GEMM schedule as any other;
/// the result is reordered back into NCDHW.
Value conv3d(OpBuilder &b, Location loc, Value x, Value w, Value bias,
             RankedTensorType outType, ArrayRef<int64_t> strides,
             ArrayRef<int64_t> dilations, int64_t groups) {
  Type f32 = outType.getElementType();
  ArrayRef<int64_t> os = outType.getShape();
  int64_t n = os[0], f = os[1], od = os[2];
  int64_t sd = strides[0], dd = dilations[0];
  int64_t kernelDepth = cast<RankedTensorType>(w.getType()).getDimSize(2);
  int64_t depth = cast<RankedTensorType>(x.getType()).getDimSize(2);
  int64_t p = (depth + sd - 1) / sd;
  if (p * sd != depth) // rows past the last one read: any value will do
    x = padSpatial(b, loc, x, {0, 0, 0, p * sd - depth, 0, 0}, 0.0f);
  ArrayRef<int64_t> xs = cast<RankedTensorType>(x.getType()).getShape();
  Value x6 = tensor::ExpandShapeOp::create(
      b, loc, tensorOf({n, xs[1], p, sd, xs[3], xs[4]}, f32), x,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}, {4}, {5}});
  Value phaseMajor =
      linalg::TransposeOp::create(
          b, loc, x6,
          tensor::EmptyOp::create(
              b, loc, ArrayRef<int64_t>{sd, p, n, xs[1], xs[3], xs[4]}, f32),
          ArrayRef<int64_t>{3, 2, 0, 1, 4, 5})
          .getResult()[0];
  Value planes = tensor::CollapseShapeOp::create(
      b, loc, tensorOf({sd * p * n, xs[1], xs[3], xs[4]}, f32), phaseMajor,
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}, {4}, {5}});

  Value acc = biasInit(b, loc, tensorOf({od * n, f, os[3], os[4]}, f32), bias);
  int64_t strides2[] = {strides[1], strides[2]};
  int64_t dilations2[] = {dilations[1], dilations[2]};
  for (int64_t kd = 0; kd < kernelDepth; ++kd) {
    int64_t first = ((kd * dd) % sd * p + kd * dd / sd) * n;
    SmallVector<int64_t> offsets = {first, 0, 0, 0},
                         sizes = {od * n, xs[1], xs[3], xs[4]};
    Value batch = tensor::ExtractSliceOp::create(
        b, loc, tensorOf(sizes, f32), planes, ValueRange{}, ValueRange{},
        ValueRange{}, b.getDenseI64ArrayAttr(offsets),
        b.getDenseI64ArrayAttr(sizes),
        b.getDenseI64ArrayAttr(SmallVector<int64_t>(4, 1)));
    acc = conv2dNamed(b, loc, batch, kernelPlane(b, loc, w, kd), acc, strides2,
                      dilations2, groups);
  }
  Value byDepth = tensor::ExpandShapeOp::create(
      b, loc, tensorOf({od, n, f, os[3], os[4]}, f32), acc,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
  return linalg::TransposeOp::create(b, loc, byDepth,
                                     tensor::EmptyOp::create(b, loc, os, f32),
                                     ArrayRef<int64_t>{1, 2, 0, 3, 4})
      .getResult()[0];
}

/// Adds a unit H dimension to an N, C, W tensor (1-D convolutions run as
/// 2-D ones of height 1).
Value addUnitHeight(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> s = type.getShape();
  return tensor::ExpandShapeOp::create(
      b, loc, tensorOf({s[0], s[1], 1, s[2]}, type.getElementType()), v,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// A convolution over 1 or 2 spatial dims of an already padded `x`.
Value convolve(OpBuilder &b, Location loc, Value x, Value w, Value init,
               ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
               int64_t groups) {
  auto outType = cast<RankedTensorType>(init.getType());
  switch (outType.getRank()) {
  case 3: {
    int64_t s2[] = {1, strides[0]}, d2[] = {1, dilations[0]};
    Value out =
        conv2dNamed(b, loc, addUnitHeight(b, loc, x), addUnitHeight(b, loc, w),
                    addUnitHeight(b, loc, init), s2, d2, groups);
    return tensor::CollapseShapeOp::create(
        b, loc, outType, out, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  }
  default:
    return conv2dNamed(b, loc, x, w, init, strides, dilations, groups);
  }
}

struct ConvLowering : OpConversionPattern<cnn::ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    Value x = padWithMode(b, loc, adaptor.getInput(), op.getPad(),
                          op.getPaddingMode());
    Value w = adaptor.getWeight();
    if (op.getFlip())
      w = flipKernel(b, loc, w, op.getGroups(), /*transpose=*/false);
    if (outType.getRank() == 5) {
      b.replaceOp(op,
                  conv3d(b, loc, x, w, adaptor.getBias(), outType,
                         op.getStrides(), op.getDilations(), op.getGroups()));
      return success();
    }
    Value init = biasInit(b, loc, outType, adaptor.getBias());
    b.replaceOp(op, convolve(b, loc, x, w, init, op.getStrides(),
                             op.getDilations(), op.getGroups()));
    return success();
  }
};

/// A transposed convolution with stride s > 1 (and no dilation) as s^n
/// ordinary convolutions, one per output phase: along each spatial dim,
/// output o = phi + s*j (j = 0 .. O_phi-1) is, with t = o + pad and
/// r = t mod s, the sum over the taps k = r + s*m (m = 0 .. M) of
/// x[j + q0 - m] * w[k], q0 = (phi + pad) div s. That is a stride-1
/// convolution, with the M+1 taps w[r + s*(M-u)] (u = 0 .. M: a strided
/// slice of the mirrored kernel), of x padded with M zeros in front and
/// read from offset q0. No product of the zero-inserted formulation is
/// computed; each phase's result lands in a strided slice of the output.
Value convTransposeByPhases(OpBuilder &b, Location loc, Value x, Value w,
                            Value bias, cnn::ConvTransposeOp op) {
  auto outType = cast<RankedTensorType>(op.getType());
  Type f32 = outType.getElementType();
  ArrayRef<int64_t> xs = op.getInput().getType().getShape();
  ArrayRef<int64_t> ws = op.getWeight().getType().getShape();
  ArrayRef<int64_t> s = op.getStrides(), pad = op.getPad();
  int64_t rank = outType.getRank(), n = rank - 2;
  int64_t f = outType.getDimSize(1), cg = ws[0] / op.getGroups();

  // Per dim and phase: r, M (-1: no tap), q0, O_phi. The input is padded
  // once with the largest front and back pads any phase needs.
  struct Phase {
    int64_t r, m, q0, size;
  };
  SmallVector<SmallVector<Phase>> phases(n);
  SmallVector<int64_t> front(n, 0), back(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = ws[2 + i], o = outType.getDimSize(2 + i), in = xs[2 + i];
    for (int64_t phi = 0; phi < s[i] && phi < o; ++phi) {
      Phase p;
      p.r = (phi + pad[i]) % s[i];
      p.m = p.r < k ? (k - 1 - p.r) / s[i] : -1;
      p.q0 = (phi + pad[i]) / s[i];
      p.size = (o - phi + s[i] - 1) / s[i];
      front[i] = std::max(front[i], p.m);
      back[i] = std::max(back[i], p.q0 + p.size - in);
      phases[i].push_back(p);
    }
  }
  SmallVector<int64_t> pads(front);
  pads.append(back);
  Value xp = padSpatial(b, loc, x, pads, 0.0f);
  // A constant kernel's phase kernels are computed here, at compile time:
  // w'[gi*fg + fi, ci, u...] = w[gi*cg + ci, fi, r + s*(M-u)...].
  Attribute constant;
  std::vector<float> storage;
  std::optional<ArrayRef<float>> wValues;
  if (matchPattern(w, m_Constant(&constant)))
    wValues = cnn::f32Elements(constant, storage);
  int64_t fg = ws[1];
  auto phaseKernel = [&](ArrayRef<Phase> ps) -> Value {
    SmallVector<int64_t> shape = {f, cg};
    int64_t taps = 1;
    for (const Phase &p : ps) {
      shape.push_back(p.m + 1);
      taps *= p.m + 1;
    }
    std::vector<float> values(f * cg * taps);
    SmallVector<int64_t> u(n);
    for (int64_t fo = 0; fo < f; ++fo) {
      for (int64_t ci = 0; ci < cg; ++ci) {
        int64_t src = (fo / fg * cg + ci) * fg + fo % fg;
        for (int64_t t = 0; t < taps; ++t) {
          int64_t rest = t, from = src;
          for (int64_t i = n - 1; i >= 0; --i) {
            u[i] = rest % (ps[i].m + 1);
            rest /= ps[i].m + 1;
          }
          for (int64_t i = 0; i < n; ++i)
            from = from * ws[2 + i] + ps[i].r + s[i] * (ps[i].m - u[i]);
          values[(fo * cg + ci) * taps + t] = (*wValues)[from];
        }
      }
    }
    return arith::ConstantOp::create(
        b, loc,
        cnn::makeF32Constant(tensorOf(shape, f32), std::move(values),
                             cnn::blobKey(constant)));
  };

  // Otherwise: the [F, C/groups, K...] kernel of the equivalent
  // convolution, mirrored, sliced per phase.
  Value flipped;
  if (!wValues)
    flipped = flipKernel(b, loc, w, op.getGroups(), /*transpose=*/true);

  Value out = tensor::EmptyOp::create(b, loc, outType.getShape(), f32);
  SmallVector<int64_t> idx(n, 0);
  while (true) {
    SmallVector<int64_t> outShape = {xs[0], f}, xOff(rank, 0), xSize = {xs[0],
                                                                        xs[1]},
                         wOff(rank, 0), wSize = {f, cg}, wStride(rank, 1),
                         oOff(rank, 0), oStride(rank, 1);
    bool empty = false;
    SmallVector<Phase> current;
    for (int64_t i = 0; i < n; ++i) {
      const Phase &p = phases[i][idx[i]];
      current.push_back(p);
      empty |= p.m < 0;
      outShape.push_back(p.size);
      xOff[2 + i] = p.q0 + front[i] - std::max<int64_t>(p.m, 0);
      xSize.push_back(p.size + std::max<int64_t>(p.m, 0));
      wOff[2 + i] = ws[2 + i] - 1 - p.r - s[i] * std::max<int64_t>(p.m, 0);
      wSize.push_back(p.m + 1);
      wStride[2 + i] = s[i];
      oOff[2 + i] = idx[i];
      oStride[2 + i] = s[i];
    }
    auto phaseType = tensorOf(outShape, f32);
    Value result = biasInit(b, loc, phaseType, bias);
    if (!empty) {
      SmallVector<int64_t> unit(rank, 1), ones(n, 1);
      Value xv = tensor::ExtractSliceOp::create(
          b, loc, tensorOf(xSize, f32), xp, ValueRange{}, ValueRange{},
          ValueRange{}, b.getDenseI64ArrayAttr(xOff),
          b.getDenseI64ArrayAttr(xSize), b.getDenseI64ArrayAttr(unit));
      Value wv = !wValues ? tensor::ExtractSliceOp::create(
                                b, loc, tensorOf(wSize, f32), flipped,
                                ValueRange{}, ValueRange{}, ValueRange{},
                                b.getDenseI64ArrayAttr(wOff),
                                b.getDenseI64ArrayAttr(wSize),
                                b.getDenseI64ArrayAttr(wStride))
                          : phaseKernel(current);
      result = convolve(b, loc, xv, wv, result, ones, ones, op.getGroups());
    }
    out = tensor::InsertSliceOp::create(
        b, loc, result, out, ValueRange{}, ValueRange{}, ValueRange{},
        b.getDenseI64ArrayAttr(oOff), b.getDenseI64ArrayAttr(outShape),
        b.getDenseI64ArrayAttr(oStride));
    // The next phase, the last dim fastest.
    int64_t i = n - 1;
    while (i >= 0 && ++idx[i] == static_cast<int64_t>(phases[i].size()))
      idx[i--] = 0;
    if (i < 0)
      break;
  }
  return out;
}

/// A transposed convolution with a stride > 1 and no dilation runs as one
/// convolution per output phase (above). Otherwise it is the convolution,
/// with the transposed and mirrored kernel, of the input with stride-1
/// zeros inserted between its elements and d*(K-1) zeros around it (plus
/// the output padding); `pad` then crops that full result.
struct ConvTransposeLowering : OpConversionPattern<cnn::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    if (llvm::any_of(op.getStrides(), [](int64_t v) { return v > 1; }) &&
        llvm::all_of(op.getDilations(), [](int64_t v) { return v == 1; })) {
      b.replaceOp(op, convTransposeByPhases(b, loc, adaptor.getInput(),
                                            adaptor.getWeight(),
                                            adaptor.getBias(), op));
      return success();
    }
    auto outType = cast<RankedTensorType>(op.getType());
    Type f32 = outType.getElementType();
    ArrayRef<int64_t> xs = op.getInput().getType().getShape();
    ArrayRef<int64_t> ws = op.getWeight().getType().getShape();
    ArrayRef<int64_t> s = op.getStrides(), d = op.getDilations(),
                      pad = op.getPad(), outPad = op.getOutputPadding();
    int64_t rank = outType.getRank(), n = rank - 2;

    SmallVector<int64_t> zShape = {xs[0], xs[1]},
                         fullShape = {xs[0], outType.getDimSize(1)};
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    for (int64_t i = 0; i < rank; ++i)
      sizes.push_back(b.getIndexAttr(xs[i]));
    SmallVector<int64_t> ones(n, 1);
    for (int64_t i = 0; i < n; ++i) {
      int64_t border = d[i] * (ws[2 + i] - 1);
      zShape.push_back((xs[2 + i] - 1) * s[i] + 1 + 2 * border + outPad[i]);
      fullShape.push_back(zShape.back() - border);
      offsets[2 + i] = b.getIndexAttr(border);
      strides[2 + i] = b.getIndexAttr(s[i]);
    }
    Value z = filled(b, loc, tensorOf(zShape, f32), 0.0f);
    z = tensor::InsertSliceOp::create(b, loc, adaptor.getInput(), z, offsets,
                                      sizes, strides);
    Value w = flipKernel(b, loc, adaptor.getWeight(), op.getGroups(),
                         /*transpose=*/true);
    Value init = biasInit(b, loc, tensorOf(fullShape, f32), adaptor.getBias());
    Value full = convolve(b, loc, z, w, init, ones, d, op.getGroups());
    SmallVector<OpFoldResult> cropOffsets(rank, b.getIndexAttr(0)), cropSizes,
        unit(rank, b.getIndexAttr(1));
    for (int64_t i = 0; i < rank; ++i)
      cropSizes.push_back(b.getIndexAttr(outType.getDimSize(i)));
    for (int64_t i = 0; i < n; ++i)
      cropOffsets[2 + i] = b.getIndexAttr(pad[i]);
    b.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, outType, full, cropOffsets,
                                                 cropSizes, unit);
    return success();
  }
};

struct LinearLowering : OpConversionPattern<cnn::LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::LinearOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = cast<RankedTensorType>(op.getType());
    Value init = biasInit(b, loc, outType, adaptor.getBias());
    // out[n, m] += x[n, k] * w[m, k]
    AffineExpr n, m, k;
    bindDims(b.getContext(), n, m, k);
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {n, k}, ctx),
                                   AffineMap::get(3, 0, {m, k}, ctx),
                                   AffineMap::get(3, 0, {n, m}, ctx)};
    SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction};
    b.replaceOpWithNewOp<linalg::GenericOp>(
        op, outType, ValueRange{adaptor.getInput(), adaptor.getWeight()}, init,
        maps, iters, [](OpBuilder &nb, Location nl, ValueRange args) {
          Value mul = arith::MulFOp::create(nb, nl, args[0], args[1]);
          linalg::YieldOp::create(
              nb, nl, arith::AddFOp::create(nb, nl, args[2], mul).getResult());
        });
    return success();
  }
};

} // namespace

void convc::detail::populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering, LinearLowering>(
      patterns.getContext());
}
