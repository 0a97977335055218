//===- ShapeToLinalg.cpp - weights, reshapes and concat to tensor ops -----===//

#include "compiler/Conversion/PopulatePatterns.h"
#include "dialect/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace convc::detail;
namespace cnn = convc::cnn;

namespace {

/// cnn.weight and cnn.constant become arith.constant.
template <typename OpTy> struct ConstantLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.template replaceOpWithNewOp<arith::ConstantOp>(op, op.getValue());
    return success();
  }
};

struct FlattenLowering : OpConversionPattern<cnn::FlattenOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::FlattenOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    auto outType = cast<RankedTensorType>(op.getType());
    int64_t rank = op.getInput().getType().getRank();
    Value x = adaptor.getInput();
    if (rank == 2) {
      b.replaceOp(op, x);
    } else if (rank == 1) {
      b.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, outType, x, ArrayRef<ReassociationIndices>{{0, 1}});
    } else {
      ReassociationIndices rest;
      for (int64_t d = 1; d < rank; ++d)
        rest.push_back(d);
      b.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, outType, x, ArrayRef<ReassociationIndices>{{0}, rest});
    }
    return success();
  }
};

/// Through the flat vector: collapse to 1-D, expand to the target shape.
struct ReshapeLowering : OpConversionPattern<cnn::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::ReshapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    auto inType = op.getInput().getType();
    auto outType = op.getOutput().getType();
    Value x = adaptor.getInput();
    if (inType == outType) {
      b.replaceOp(op, x);
      return success();
    }
    auto flatType =
        tensorOf({inType.getNumElements()}, inType.getElementType());
    auto all = [](int64_t rank) {
      ReassociationIndices r;
      for (int64_t d = 0; d < rank; ++d)
        r.push_back(d);
      return SmallVector<ReassociationIndices>{r};
    };
    if (inType.getRank() > 1)
      x = tensor::CollapseShapeOp::create(b, op.getLoc(), flatType, x,
                                          all(inType.getRank()));
    if (outType.getRank() > 1)
      x = tensor::ExpandShapeOp::create(b, op.getLoc(), outType, x,
                                        all(outType.getRank()));
    b.replaceOp(op, x);
    return success();
  }
};

/// Each input inserted at its offset along `dim` of an empty result.
struct ConcatLowering : OpConversionPattern<cnn::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = tensor::EmptyOp::create(b, op.getLoc(), type.getShape(),
                                           type.getElementType());
    int64_t offset = 0, dim = op.getDim();
    for (Value in : adaptor.getInputs()) {
      auto inType = cast<RankedTensorType>(in.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes,
          strides(type.getRank(), b.getIndexAttr(1));
      for (int64_t s : inType.getShape())
        sizes.push_back(b.getIndexAttr(s));
      offsets[dim] = b.getIndexAttr(offset);
      result = tensor::InsertSliceOp::create(b, op.getLoc(), in, result,
                                             offsets, sizes, strides);
      offset += inType.getDimSize(dim);
    }
    b.replaceOp(op, result);
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<cnn::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(cnn::TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value init = tensor::EmptyOp::create(b, op.getLoc(), type.getShape(),
                                         type.getElementType());
    b.replaceOp(op,
                linalg::TransposeOp::create(b, op.getLoc(), adaptor.getInput(),
                                            init, op.getPermutation())
                    .getResult()[0]);
    return success();
  }
};

} // namespace

void convc::detail::populateShapePatterns(RewritePatternSet &patterns) {
  patterns
      .add<ConstantLowering<cnn::WeightOp>, ConstantLowering<cnn::ConstantOp>,
           FlattenLowering, ReshapeLowering, ConcatLowering, TransposeLowering>(
          patterns.getContext());
}
