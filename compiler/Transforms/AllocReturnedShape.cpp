//===- AllocReturnedShape.cpp - allocate a result in the shape returned ---===//
//
// A buffer computed in one shape and returned as a reshaped view of it
// (a 1x1 convolution computed over flattened pixels, returned as an image)
// is allocated in the returned shape instead, and the computation uses a
// view of that. `buffer-results-to-out-params` can then let the caller's
// output buffer be the allocation, where it would copy a view into it.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace convc {
#define GEN_PASS_DEF_ALLOCRETURNEDSHAPEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

struct AllocReturnedShapePass
    : convc::impl::AllocReturnedShapePassBase<AllocReturnedShapePass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](func::ReturnOp ret) {
      for (OpOperand &result : ret->getOpOperands()) {
        // expand_shape(collapse_shape(alloc)) with one reassociation.
        auto expand = result.get().getDefiningOp<memref::ExpandShapeOp>();
        if (!expand)
          continue;
        auto collapse =
            expand.getSrc().getDefiningOp<memref::CollapseShapeOp>();
        if (!collapse || collapse.getReassociationIndices() !=
                             expand.getReassociationIndices())
          continue;
        auto alloc = collapse.getSrc().getDefiningOp<memref::AllocOp>();
        MemRefType returned = expand.getType();
        if (!alloc || !alloc.getType().hasStaticShape() ||
            !returned.getLayout().isIdentity() ||
            !alloc.getType().getLayout().isIdentity())
          continue;
        rewriter.setInsertionPoint(alloc);
        Location loc = alloc.getLoc();
        auto image = memref::AllocOp::create(rewriter, loc, returned,
                                             alloc.getAlignmentAttr());
        Value flat = memref::CollapseShapeOp::create(
            rewriter, loc, image, expand.getReassociationIndices());
        Value view =
            memref::ExpandShapeOp::create(rewriter, loc, alloc.getType(), flat,
                                          collapse.getReassociationIndices());
        rewriter.replaceAllUsesWith(alloc.getResult(), view);
        rewriter.eraseOp(alloc);
        rewriter.modifyOpInPlace(ret, [&] { result.set(image); });
      }
    });
  }
};

} // namespace
