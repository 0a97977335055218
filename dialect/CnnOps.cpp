//===- CnnOps.cpp - cnn op type inference and folders ---------------------===//

#include "dialect/CnnOps.h"
#include "dialect/CnnShapes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace convc::cnn;

#define GET_OP_CLASSES
#include "dialect/CnnOps.cpp.inc"

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

static std::optional<ArrayRef<int64_t>> optionalShapeOf(Value v) {
  if (!v)
    return std::nullopt;
  return shapeOf(v);
}

/// The frame every inferReturnTypes shares: the operands must be ranked
/// (ODS checks operand types only after inference), `rule` maps the op's
/// adaptor to the result shape with a formula of CnnShapes, and the result
/// has the first operand's element type unless `element` is given.
template <typename OpTy, typename Rule>
static LogicalResult
inferWith(StringRef layer, std::optional<Location> loc, ValueRange operands,
          DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,
          SmallVectorImpl<Type> &inferred, Type element, Rule rule) {
  if (operands.empty() || !llvm::all_of(operands.getTypes(), [](Type t) {
        return isa<RankedTensorType>(t);
      }))
    return emitOptionalError(loc, layer, ": operands must be ranked tensors");
  typename OpTy::Adaptor op(operands, attrs, props, regions);
  FailureOr<Shape> shape = rule(op);
  if (failed(shape))
    return failure();
  if (!element)
    element =
        cast<RankedTensorType>(operands.front().getType()).getElementType();
  inferred.push_back(RankedTensorType::get(*shape, element));
  return success();
}

/// Defines OpTy::inferReturnTypes; the body maps `op` (the adaptor) to a
/// FailureOr<Shape>.
#define CNN_INFER(OpTy, layer, element, ...)                                   \
  LogicalResult OpTy::inferReturnTypes(                                        \
      MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,      \
      DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,       \
      SmallVectorImpl<Type> &inferred) {                                       \
    (void)ctx;                                                                 \
    return inferWith<OpTy>(                                                    \
        layer, loc, operands, attrs, props, regions, inferred, element,        \
        [&](OpTy::Adaptor op) -> FailureOr<Shape> { __VA_ARGS__ });            \
  }

CNN_INFER(ConvOp, "conv", Type(),
          return inferConvShape(loc, shapeOf(op.getInput()),
                                shapeOf(op.getWeight()),
                                optionalShapeOf(op.getBias()), op.getStrides(),
                                op.getDilations(), op.getPad(),
                                op.getGroups());)

CNN_INFER(ConvTransposeOp, "conv_transpose", Type(),
          return inferConvTransposeShape(
              loc, shapeOf(op.getInput()), shapeOf(op.getWeight()),
              optionalShapeOf(op.getBias()), op.getStrides(), op.getDilations(),
              op.getPad(), op.getOutputPadding(), op.getGroups());)

CNN_INFER(LinearOp, "linear", Type(),
          return inferLinearShape(loc, shapeOf(op.getInput()),
                                  shapeOf(op.getWeight()),
                                  optionalShapeOf(op.getBias()));)

CNN_INFER(MaxPool2dOp, "max_pool2d", Type(),
          return inferPool2dShape(loc, "max_pool2d", shapeOf(op.getInput()),
                                  {op.getKernel(), op.getStrides(),
                                   op.getDilations(), op.getPad()},
                                  op.getCeilMode());)

CNN_INFER(MaxPool2dIndicesOp, "max_pool2d_indices", IntegerType::get(ctx, 64),
          return inferPool2dShape(loc, "max_pool2d_indices",
                                  shapeOf(op.getInput()),
                                  {op.getKernel(), op.getStrides(),
                                   op.getDilations(), op.getPad()},
                                  op.getCeilMode());)

CNN_INFER(AvgPool2dOp, "avg_pool2d", Type(), int64_t unit[] = {1, 1};
          return inferPool2dShape(loc, "avg_pool2d", shapeOf(op.getInput()),
                                  {op.getKernel(), op.getStrides(), unit,
                                   op.getPad()},
                                  op.getCeilMode());)

CNN_INFER(GlobalAvgPoolOp, "global_avg_pool", Type(),
          return inferGlobalPoolShape(loc, "global_avg_pool",
                                      shapeOf(op.getInput()));)

CNN_INFER(GlobalMaxPoolOp, "global_max_pool", Type(),
          return inferGlobalPoolShape(loc, "global_max_pool",
                                      shapeOf(op.getInput()));)

CNN_INFER(FlattenOp, "flatten", Type(),
          return inferFlattenShape(loc, shapeOf(op.getInput()));)

CNN_INFER(BatchNormOp, "batch_norm", Type(),
          ArrayRef<int64_t> params[] = {shapeOf(op.getWeight()),
                                        shapeOf(op.getBias()),
                                        shapeOf(op.getRunningMean()),
                                        shapeOf(op.getRunningVar())};
          return inferBatchNormShape(loc, shapeOf(op.getInput()), params);)

CNN_INFER(ConcatOp, "concat", Type(), SmallVector<ArrayRef<int64_t>> shapes;
          for (Value v : op.getInputs()) shapes.push_back(shapeOf(v));
          return inferConcatShape(loc, shapes, op.getDim());)

CNN_INFER(PixelShuffleOp, "pixel_shuffle", Type(),
          return inferPixelShuffleShape(loc, shapeOf(op.getInput()),
                                        op.getUpscaleFactor());)

CNN_INFER(TransposeOp, "transpose", Type(),
          return inferTransposeShape(loc, shapeOf(op.getInput()),
                                     op.getPermutation());)

#undef CNN_INFER

LogicalResult ConvOp::verify() {
  return checkPaddingMode(getLoc(), getPaddingMode(),
                          getInput().getType().getShape().drop_front(2),
                          getPad());
}

LogicalResult MaxUnpool2dOp::verify() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> out = getOutput().getType().getShape();
  if (getIndices().getType().getShape() != in)
    return emitOpError("indices ")
           << formatShape(getIndices().getType().getShape())
           << " must have the input's shape " << formatShape(in);
  if (out[0] != in[0] || out[1] != in[1])
    return emitOpError("keeps N and C: ")
           << formatShape(in) << " -> " << formatShape(out);
  if (getKernel().size() != 2 || getStrides().size() != 2 ||
      getPad().size() != 4)
    return emitOpError("needs a 2-D kernel and stride and four pads");
  return success();
}

LogicalResult UpsampleOp::verify() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> out = getOutput().getType().getShape();
  if (in[0] != out[0] || in[1] != out[1])
    return emitOpError("keeps N and C: ")
           << formatShape(in) << " -> " << formatShape(out);
  if (getScales().size() != 2 ||
      llvm::any_of(getScales(), [](double s) { return !(s >= 0); }))
    return emitOpError("needs two non-negative scales");
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  auto dim = static_cast<int64_t>(getDim());
  if (dim < 0 || dim >= rank)
    return emitOpError("dimension ")
           << dim << " is out of range for rank " << rank;
  return success();
}

LogicalResult ReshapeOp::verify() {
  if (getInput().getType().getNumElements() !=
      getOutput().getType().getNumElements())
    return emitOpError("cannot reshape ")
           << formatShape(getInput().getType().getShape()) << " into "
           << formatShape(getOutput().getType().getShape())
           << ": the element counts differ";
  return success();
}

OpFoldResult WeightOp::fold(FoldAdaptor) { return getValue(); }
OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }
