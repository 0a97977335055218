//===- CopyPerThread.cpp - each thread's own padded copy of a model input -===//
//
// A convolution of a model input reads a padded copy of it, written before
// its loop over cache blocks (an scf.forall, an OpenMP loop). When every
// thread reads the whole copy (blocks over output channels), the sharing
// costs more than the copy on a machine whose cores are far apart: the next
// run's copy must take each line back from the other core's cache before
// writing it (256 KiB: 0.045 ms at two threads against 0.0023 ms at one,
// on this project's 2-core EPYC VMs in some of their placements), and the
// other thread's first reads fetch every line from the writer's cache.
// This pass gives each thread a copy of its own:
//
//   %p = memref.alloc                     scf.forall (%t) in (%threads) {
//   linalg.fill / linalg.copy into %p       %p = memref.view %all[t * size]
//   scf.forall (%i, %j) in (4, 2) {    ->   linalg.fill / linalg.copy into %p
//     ... reads %p ...                      scf.for %k = lo(%t) to hi(%t) {
//   }                                         %i, %j = block number %k
//                                             ... reads %p ...
//                                           }
//                                         }
//
// Thread t runs the contiguous share of the blocks that OpenMP's static
// schedule would give it; the threads are omp_get_max_threads(), at most
// one per block. With one thread, nothing changes but the loops' form.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace convc {
#define GEN_PASS_DEF_COPYPERTHREADPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kMaxThreads = "omp_get_max_threads";

/// A padded copy of a model input that the blocks of one loop read.
struct SharedCopy {
  memref::AllocOp alloc;
  SmallVector<Operation *> init; // its subviews, fills and copies, in order
  scf::ForallOp blocks;
  memref::DeallocOp dealloc;
};

/// Whether `v`, used inside `loop`, varies with its induction variable `iv`.
bool variesWith(Value v, scf::ForallOp loop, Value iv, int depth = 0) {
  if (v == iv || depth > 16)
    return true;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (auto f = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp()))
      return variesWith(f.getLowerBound(), loop, iv, depth + 1) ||
             variesWith(f.getUpperBound(), loop, iv, depth + 1);
    return false;
  }
  Operation *def = v.getDefiningOp();
  return def && loop->isAncestor(def) &&
         llvm::any_of(def->getOperands(), [&](Value operand) {
           return variesWith(operand, loop, iv, depth + 1);
         });
}

/// The indices at which `user` reads `buffer`, if known.
std::optional<SmallVector<OpFoldResult>> readIndices(Operation *user,
                                                     Value buffer) {
  auto values = [](ValueRange v) {
    return SmallVector<OpFoldResult>(getAsOpFoldResult(v));
  };
  if (auto read = dyn_cast<vector::TransferReadOp>(user))
    return values(read.getIndices());
  if (auto load = dyn_cast<vector::LoadOp>(user))
    return values(load.getIndices());
  if (auto load = dyn_cast<memref::LoadOp>(user))
    return values(load.getIndices());
  if (auto view = dyn_cast<memref::SubViewOp>(user);
      view && view.getSource() == buffer)
    return view.getMixedOffsets();
  return std::nullopt;
}

/// Whether `op` writes the whole of `view` (a view of the copy): a fill, or
/// a copy of a function argument (a model input).
bool initializes(Operation *op, Value view) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.getOutputs()[0] == view;
  auto copy = dyn_cast<linalg::CopyOp>(op);
  if (!copy || copy.getOutputs()[0] != view)
    return false;
  auto source = dyn_cast<BlockArgument>(copy.getInputs()[0]);
  return source && isa<func::FuncOp>(source.getOwner()->getParentOp());
}

/// The trip counts of `loop`'s dims; empty if one is not static.
SmallVector<int64_t> tripCounts(scf::ForallOp loop) {
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getMixedLowerBound(), loop.getMixedUpperBound(),
                 loop.getMixedStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb),
                           u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return {};
    counts.push_back(*u > *l ? (*u - *l + *s - 1) / *s : 0);
  }
  return counts;
}

std::optional<SharedCopy> sharedCopy(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace())
    return std::nullopt;
  SharedCopy c{alloc, {}, {}, {}};
  Block *block = alloc->getBlock();
  bool copied = false;
  SmallVector<Operation *> reads;
  auto addInit = [&](Operation *op) {
    c.init.push_back(op);
    copied |= isa<linalg::CopyOp>(op);
  };
  for (Operation *user : alloc->getUsers()) {
    Operation *top = block->findAncestorOpInBlock(*user);
    if (!top)
      return std::nullopt;
    if (top != user) {
      auto loop = dyn_cast<scf::ForallOp>(top);
      if (!loop || (c.blocks && c.blocks != loop))
        return std::nullopt;
      c.blocks = loop;
      reads.push_back(user);
    } else if (auto free = dyn_cast<memref::DeallocOp>(user)) {
      c.dealloc = free;
    } else if (initializes(user, alloc)) {
      addInit(user);
    } else if (auto view = dyn_cast<memref::SubViewOp>(user);
               view && llvm::all_of(view->getUsers(), [&](Operation *u) {
                 return u->getBlock() == block && initializes(u, view);
               })) {
      c.init.push_back(view);
      for (Operation *u : view->getUsers())
        addInit(u);
    } else {
      return std::nullopt;
    }
  }
  scf::ForallOp loop = c.blocks;
  if (!copied || !loop || !c.dealloc || loop.getMapping() ||
      loop.getNumResults() || !loop.getTerminator().getYieldingOps().empty() ||
      c.dealloc->getBlock() != block || !loop->isBeforeInBlock(c.dealloc) ||
      llvm::any_of(c.init,
                   [&](Operation *op) { return !op->isBeforeInBlock(loop); }))
    return std::nullopt;
  llvm::sort(c.init,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  // OpenMP's static schedule gives each thread a contiguous share of the
  // blocks, which differ first in the outermost dim with more than one
  // block. Only if no read varies along that dim does every thread read the
  // whole copy; otherwise the threads read disjoint parts of it (images,
  // bands of rows), which the shared copy's own parallel loop writes on
  // about the threads that read them, and a copy each would only add
  // writes.
  SmallVector<int64_t> counts = tripCounts(loop);
  if (counts.empty() || llvm::product_of(counts) < 2)
    return std::nullopt;
  Value outer = loop.getInductionVar(
      llvm::find_if(counts, [](int64_t n) { return n > 1; }) - counts.begin());
  for (Operation *read : reads) {
    std::optional<SmallVector<OpFoldResult>> at = readIndices(read, alloc);
    if (!at || llvm::any_of(*at, [&](OpFoldResult index) {
          auto v = dyn_cast<Value>(index);
          return v && variesWith(v, loop, outer);
        }))
      return std::nullopt;
  }
  return c;
}

/// Rewrites `c` into a loop over threads, each with its own copy and its
/// share of the blocks.
void copyPerThread(RewriterBase &rewriter, SharedCopy &c) {
  scf::ForallOp loop = c.blocks;
  Location loc = loop.getLoc();
  SmallVector<int64_t> counts = tripCounts(loop);
  int64_t blocks = llvm::product_of(counts);
  rewriter.setInsertionPoint(loop);
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  Value threads = func::CallOp::create(rewriter, loc, kMaxThreads,
                                       rewriter.getI32Type(), ValueRange{})
                      .getResult(0);
  threads = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                       threads);
  threads = arith::MinSIOp::create(rewriter, loc, threads, constant(blocks));
  threads = arith::MaxSIOp::create(rewriter, loc, threads, constant(1));
  // The copies, one after another in one allocation of the function (one
  // per thread inside the loop made LLVM schedule R4's micro-kernel worse:
  // 5 % slower at one thread).
  MemRefType type = c.alloc.getType();
  int64_t bytes = llvm::alignTo(
      type.getNumElements() * type.getElementTypeBitWidth() / 8, 64);
  Value all = arith::MulIOp::create(rewriter, loc, threads, constant(bytes));
  auto copies = memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get({ShapedType::kDynamic}, rewriter.getI8Type()), all,
      rewriter.getI64IntegerAttr(64));
  auto perThread =
      scf::ForallOp::create(rewriter, loc, ArrayRef<OpFoldResult>{threads},
                            ValueRange{}, std::nullopt);
  rewriter.setInsertionPointToStart(perThread.getBody());
  Value t = perThread.getInductionVar(0);
  Value offset = arith::MulIOp::create(rewriter, loc, t, constant(bytes));
  auto mine =
      memref::ViewOp::create(rewriter, loc, type, copies, offset, ValueRange{});
  IRMapping map;
  map.map(c.alloc.getResult(), mine.getResult());
  for (Operation *op : c.init)
    rewriter.clone(*op, map);
  // Thread t's blocks: [t * blocks / threads, (t + 1) * blocks / threads).
  auto start = [&](Value t) -> Value {
    Value scaled = arith::MulIOp::create(rewriter, loc, t, constant(blocks));
    return arith::DivUIOp::create(rewriter, loc, scaled, threads);
  };
  Value next = arith::AddIOp::create(rewriter, loc, t, constant(1));
  auto share =
      scf::ForOp::create(rewriter, loc, start(t), start(next), constant(1));
  rewriter.setInsertionPointToStart(share.getBody());
  // Each block's allocas last one block, as in the loop over blocks.
  auto scope = memref::AllocaScopeOp::create(rewriter, loc, TypeRange{});
  rewriter.createBlock(&scope.getBodyRegion());
  // Block number k's induction variables, the last dim fastest.
  Value k = share.getInductionVar();
  for (int64_t d = counts.size() - 1; d >= 0; --d) {
    Value i = k;
    if (d) {
      i = arith::RemUIOp::create(rewriter, loc, k, constant(counts[d]));
      k = arith::DivUIOp::create(rewriter, loc, k, constant(counts[d]));
    }
    Value scaled = arith::MulIOp::create(
        rewriter, loc, i,
        getValueOrCreateConstantIndexOp(rewriter, loc, loop.getMixedStep()[d]));
    map.map(loop.getInductionVar(d),
            arith::AddIOp::create(
                rewriter, loc, scaled,
                getValueOrCreateConstantIndexOp(rewriter, loc,
                                                loop.getMixedLowerBound()[d])));
  }
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, map);
  memref::AllocaScopeReturnOp::create(rewriter, loc, ValueRange{});
  rewriter.setInsertionPointAfter(perThread);
  memref::DeallocOp::create(rewriter, loc, copies);

  rewriter.eraseOp(loop);
  rewriter.eraseOp(c.dealloc);
  for (Operation *op : llvm::reverse(c.init))
    rewriter.eraseOp(op);
  rewriter.eraseOp(c.alloc);
}

struct CopyPerThreadPass
    : convc::impl::CopyPerThreadPassBase<CopyPerThreadPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<SharedCopy> copies;
    module.walk([&](memref::AllocOp alloc) {
      if (std::optional<SharedCopy> c = sharedCopy(alloc))
        copies.push_back(std::move(*c));
    });
    if (copies.empty())
      return;
    if (!module.lookupSymbol(kMaxThreads)) {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      auto f = func::FuncOp::create(b, module.getLoc(), kMaxThreads,
                                    b.getFunctionType({}, {b.getI32Type()}));
      f.setPrivate();
    }
    IRRewriter rewriter(&getContext());
    for (SharedCopy &c : copies)
      copyPerThread(rewriter, c);
  }
};

} // namespace
