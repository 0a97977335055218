//===- MaskPartialVectors.cpp - row tails as masked whole registers -------===//
//
// A micro-kernel's row of n pixels need not fill whole registers: a 56-pixel
// output row is tiled in rows of 14 (four per row, 87.5 % of 16 lanes). LLVM
// loads a vector<14xf32> in pieces of 8, 4 and 2 elements and inserts them
// into one register (five instructions, and the registers to hold the
// pieces): a depthwise 3x3 micro-kernel spent more instructions assembling
// its rows than multiplying them. With AVX-512's mask registers the row is
// one masked load of 16 lanes, the lanes past the row untouched in memory.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/bit.h"

namespace convc {
#define GEN_PASS_DEF_MASKPARTIALVECTORSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

/// The width a 1-D transfer of `type` is widened to on registers of
/// `lanes` 32-bit elements, if it should be: when its last, partial
/// register is not a power of two (LLVM splits those into pieces).
std::optional<int64_t> widenedLength(VectorType type, int64_t lanes) {
  if (type.getRank() != 1 || type.isScalable() ||
      type.getElementTypeBitWidth() != 32)
    return std::nullopt;
  int64_t n = type.getDimSize(0);
  if (llvm::has_single_bit(static_cast<uint64_t>(n % lanes)) || n % lanes == 0)
    return std::nullopt;
  return llvm::alignTo(n, lanes);
}

/// Whether `xfer` reads or writes a contiguous row of a memref in bounds,
/// unmasked: the transfers this pass widens.
bool isPlainRow(VectorTransferOpInterface xfer) {
  auto memref = dyn_cast<MemRefType>(xfer.getShapedType());
  if (!memref || xfer.getMask() ||
      !xfer.getPermutationMap().isMinorIdentity() || !xfer.isDimInBounds(0))
    return false;
  return memref.getRank() > 0 && memref.isLastDimUnitStride();
}

/// Whether the elements of `row` are broadcast one by one (a
/// channels-in-lanes micro-kernel's input pixels), through the inserts and
/// shape casts that assemble n-D vectors, the shuffles that pick a
/// strided convolution's pixels and the slices that put a border row's
/// pixels after its padding: LLVM then loads each element on its own,
/// folded into its FMA as an embedded broadcast, which a load of the whole
/// row would prevent (3x3 convolutions ran 1.7x slower, stride-2 ones
/// 12 %).
bool isBroadcastElementwise(Value row) {
  SmallVector<Value> values = {row};
  while (!values.empty()) {
    Value v = values.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isa<vector::BroadcastOp>(user))
        return true;
      auto extract = dyn_cast<vector::ExtractOp>(user);
      if (extract && !isa<VectorType>(extract.getType()))
        return true;
      if (isa<vector::InsertOp, vector::ShapeCastOp, vector::ExtractOp,
              vector::ShuffleOp, vector::ExtractStridedSliceOp,
              vector::InsertStridedSliceOp>(user))
        llvm::append_range(values, user->getResults());
    }
  }
  return false;
}

/// The constant mask of the first `n` of `width` lanes.
Value firstLanes(PatternRewriter &rewriter, Location loc, int64_t n,
                 int64_t width) {
  SmallVector<bool> bits(width, false);
  std::fill_n(bits.begin(), n, true);
  auto type = VectorType::get({width}, rewriter.getI1Type());
  return arith::ConstantOp::create(rewriter, loc,
                                   DenseElementsAttr::get(type, bits));
}

/// A pattern on a transfer op `Op` that widens to registers of `lanes`.
template <typename Op> struct WidenTransfer : OpRewritePattern<Op> {
  WidenTransfer(MLIRContext *ctx, int64_t lanes)
      : OpRewritePattern<Op>(ctx), lanes(lanes) {}

  int64_t lanes;
};

struct MaskPartialRead : WidenTransfer<vector::TransferReadOp> {
  using WidenTransfer::WidenTransfer;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    VectorType type = read.getVectorType();
    std::optional<int64_t> width = widenedLength(type, lanes);
    if (!width || !isPlainRow(read) || isBroadcastElementwise(read))
      return failure();
    Location loc = read.getLoc();
    auto wideType = VectorType::get({*width}, type.getElementType());
    Value wide = vector::TransferReadOp::create(
        rewriter, loc, wideType, read.getBase(), read.getIndices(),
        read.getPermutationMapAttr(), read.getPadding(),
        firstLanes(rewriter, loc, type.getDimSize(0), *width),
        rewriter.getBoolArrayAttr({true}));
    rewriter.replaceOpWithNewOp<vector::ExtractStridedSliceOp>(
        read, wide, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{type.getDimSize(0)},
        ArrayRef<int64_t>{1});
    return success();
  }
};

struct MaskPartialWrite : WidenTransfer<vector::TransferWriteOp> {
  using WidenTransfer::WidenTransfer;

  LogicalResult matchAndRewrite(vector::TransferWriteOp write,
                                PatternRewriter &rewriter) const override {
    VectorType type = write.getVectorType();
    std::optional<int64_t> width = widenedLength(type, lanes);
    if (!width || !isPlainRow(write))
      return failure();
    Location loc = write.getLoc();
    auto wideType = VectorType::get({*width}, type.getElementType());
    Value wide = vector::InsertStridedSliceOp::create(
        rewriter, loc, write.getVector(),
        ub::PoisonOp::create(rewriter, loc, wideType), ArrayRef<int64_t>{0},
        ArrayRef<int64_t>{1});
    rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(
        write, wide, write.getBase(), write.getIndices(),
        write.getPermutationMapAttr(),
        firstLanes(rewriter, loc, type.getDimSize(0), *width),
        rewriter.getBoolArrayAttr({true}));
    return success();
  }
};

struct MaskPartialVectorsPass
    : convc::impl::MaskPartialVectorsPassBase<MaskPartialVectorsPass> {
  using MaskPartialVectorsPassBase::MaskPartialVectorsPassBase;

  void runOnOperation() override {
    if (lanes <= 1)
      return;
    RewritePatternSet patterns(&getContext());
    patterns.add<MaskPartialRead, MaskPartialWrite>(&getContext(), lanes);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
