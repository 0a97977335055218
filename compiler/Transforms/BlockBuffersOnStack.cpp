//===- BlockBuffersOnStack.cpp - a block's own buffers on its stack -------===//
//
// A cache block (an iteration of an scf.forall, an OpenMP loop on the CPU)
// that allocates a small buffer for itself (its padded planes, the column
// phases of its band of rows) takes it from its thread's stack instead of
// the heap: a malloc and a free per block cost a stride-2 depthwise layer
// whose 672 blocks copy two 4 KiB phases each 15 % of its time, and a
// buffer that comes back at the same address every block stays in L1.
// `convert-scf-to-openmp` gives every iteration its own alloca scope, so
// the stack does not grow with the iterations.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace convc {
#define GEN_PASS_DEF_BLOCKBUFFERSONSTACKPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

struct BlockBuffersOnStackPass
    : convc::impl::BlockBuffersOnStackPassBase<BlockBuffersOnStackPass> {
  using BlockBuffersOnStackPassBase::BlockBuffersOnStackPassBase;

  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      // Directly in a block's body (not in a loop inside it), in the
      // default memory space, static and small.
      if (!isa_and_nonnull<scf::ForallOp>(alloc->getParentOp()) ||
          type.getMemorySpace() || !type.hasStaticShape() ||
          !type.getLayout().isIdentity() ||
          type.getNumElements() * type.getElementTypeBitWidth() / 8 >
              maxKib * 1024)
        return;
      allocs.push_back(alloc);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocOp alloc : allocs) {
      rewriter.setInsertionPoint(alloc);
      rewriter.replaceOpWithNewOp<memref::AllocaOp>(alloc, alloc.getType(),
                                                    alloc.getAlignmentAttr());
    }
  }
};

} // namespace
