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

static LogicalResult setResult(FailureOr<Shape> shape, Value like,
                               SmallVectorImpl<Type> &inferred) {
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(
      *shape, cast<RankedTensorType>(like.getType()).getElementType()));
  return success();
}

// The ODS operand-type constraints are checked after type inference, so
// every function below first makes sure the operands are ranked tensors.
static bool allRanked(ValueRange operands) {
  return llvm::all_of(operands.getTypes(),
                      [](Type t) { return isa<RankedTensorType>(t); });
}

LogicalResult
ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                         ValueRange operands, DictionaryAttr attrs,
                         OpaqueProperties props, RegionRange regions,
                         SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "conv: operands must be ranked tensors");
  Adaptor op(operands, attrs, props, regions);
  return setResult(
      inferConvShape(loc, shapeOf(op.getInput()), shapeOf(op.getWeight()),
                     optionalShapeOf(op.getBias()), op.getStrides(),
                     op.getDilations(), op.getPad(), op.getGroups()),
      op.getInput(), inferred);
}

LogicalResult ConvOp::verify() {
  return checkPaddingMode(getLoc(), getPaddingMode(),
                          getInput().getType().getShape().drop_front(2),
                          getPad());
}

LogicalResult
ConvTransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  ValueRange operands, DictionaryAttr attrs,
                                  OpaqueProperties props, RegionRange regions,
                                  SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc,
                             "conv_transpose: operands must be ranked tensors");
  Adaptor op(operands, attrs, props, regions);
  return setResult(inferConvTransposeShape(
                       loc, shapeOf(op.getInput()), shapeOf(op.getWeight()),
                       optionalShapeOf(op.getBias()), op.getStrides(),
                       op.getDilations(), op.getPad(), op.getOutputPadding(),
                       op.getGroups()),
                   op.getInput(), inferred);
}

LogicalResult
LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attrs,
                           OpaqueProperties props, RegionRange regions,
                           SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "linear: operands must be ranked tensors");
  Adaptor op(operands, attrs, props, regions);
  return setResult(inferLinearShape(loc, shapeOf(op.getInput()),
                                    shapeOf(op.getWeight()),
                                    optionalShapeOf(op.getBias())),
                   op.getInput(), inferred);
}

LogicalResult
MaxPool2dOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attrs,
                              OpaqueProperties props, RegionRange regions,
                              SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "max_pool2d: input must be a ranked tensor");
  Adaptor op(operands, attrs, props, regions);
  return setResult(inferPool2dShape(loc, "max_pool2d", shapeOf(op.getInput()),
                                    {op.getKernel(), op.getStrides(),
                                     op.getDilations(), op.getPad()},
                                    op.getCeilMode()),
                   op.getInput(), inferred);
}

LogicalResult MaxPool2dIndicesOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "max_pool2d_indices: input must be ranked");
  Adaptor op(operands, attrs, props, regions);
  auto shape = inferPool2dShape(
      loc, "max_pool2d_indices", shapeOf(op.getInput()),
      {op.getKernel(), op.getStrides(), op.getDilations(), op.getPad()},
      op.getCeilMode());
  if (failed(shape))
    return failure();
  inferred.push_back(RankedTensorType::get(*shape, IntegerType::get(ctx, 64)));
  return success();
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

LogicalResult
AvgPool2dOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attrs,
                              OpaqueProperties props, RegionRange regions,
                              SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "avg_pool2d: input must be a ranked tensor");
  Adaptor op(operands, attrs, props, regions);
  int64_t unit[] = {1, 1};
  return setResult(
      inferPool2dShape(loc, "avg_pool2d", shapeOf(op.getInput()),
                       {op.getKernel(), op.getStrides(), unit, op.getPad()},
                       op.getCeilMode()),
      op.getInput(), inferred);
}

LogicalResult
GlobalAvgPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  ValueRange operands, DictionaryAttr attrs,
                                  OpaqueProperties props, RegionRange regions,
                                  SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "global_avg_pool: input must be ranked");
  Adaptor op(operands, attrs, props, regions);
  return setResult(
      inferGlobalPoolShape(loc, "global_avg_pool", shapeOf(op.getInput())),
      op.getInput(), inferred);
}

LogicalResult
GlobalMaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  ValueRange operands, DictionaryAttr attrs,
                                  OpaqueProperties props, RegionRange regions,
                                  SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "global_max_pool: input must be ranked");
  Adaptor op(operands, attrs, props, regions);
  return setResult(
      inferGlobalPoolShape(loc, "global_max_pool", shapeOf(op.getInput())),
      op.getInput(), inferred);
}

LogicalResult
FlattenOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                            ValueRange operands, DictionaryAttr attrs,
                            OpaqueProperties props, RegionRange regions,
                            SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "flatten: input must be a ranked tensor");
  Adaptor op(operands, attrs, props, regions);
  return setResult(inferFlattenShape(loc, shapeOf(op.getInput())),
                   op.getInput(), inferred);
}

LogicalResult
BatchNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attrs,
                              OpaqueProperties props, RegionRange regions,
                              SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "batch_norm: operands must be ranked");
  Adaptor op(operands, attrs, props, regions);
  ArrayRef<int64_t> params[] = {shapeOf(op.getWeight()), shapeOf(op.getBias()),
                                shapeOf(op.getRunningMean()),
                                shapeOf(op.getRunningVar())};
  return setResult(inferBatchNormShape(loc, shapeOf(op.getInput()), params),
                   op.getInput(), inferred);
}

LogicalResult
ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attrs,
                           OpaqueProperties props, RegionRange regions,
                           SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands) || operands.empty())
    return emitOptionalError(loc, "concat: needs ranked tensor inputs");
  Adaptor op(operands, attrs, props, regions);
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : op.getInputs())
    shapes.push_back(shapeOf(v));
  return setResult(inferConcatShape(loc, shapes, op.getDim()),
                   op.getInputs().front(), inferred);
}

LogicalResult
PixelShuffleOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                 ValueRange operands, DictionaryAttr attrs,
                                 OpaqueProperties props, RegionRange regions,
                                 SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "pixel_shuffle: input must be ranked");
  Adaptor op(operands, attrs, props, regions);
  return setResult(inferPixelShuffleShape(loc, shapeOf(op.getInput()),
                                          op.getUpscaleFactor()),
                   op.getInput(), inferred);
}

LogicalResult
TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attrs,
                              OpaqueProperties props, RegionRange regions,
                              SmallVectorImpl<Type> &inferred) {
  if (!allRanked(operands))
    return emitOptionalError(loc, "transpose: input must be ranked");
  Adaptor op(operands, attrs, props, regions);
  ArrayRef<int64_t> in = shapeOf(op.getInput());
  ArrayRef<int64_t> perm = op.getPermutation();
  llvm::SmallVector<bool> seen(in.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(in.size()) || seen[p])
      return emitOptionalError(loc, "transpose: [", formatShape(perm),
                               "] is not a permutation of ", in.size(),
                               " dimensions");
    seen[p] = true;
    out.push_back(in[p]);
  }
  if (perm.size() != in.size())
    return emitOptionalError(loc, "transpose: the permutation has ",
                             perm.size(), " entries for rank ", in.size());
  return setResult(out, op.getInput(), inferred);
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
