//===- ProfileLayers.cpp - per-layer timers in the model function ---------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <tuple>

namespace convc {
#define GEN_PASS_DEF_PROFILELAYERSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kEnter = "convc_profile_enter";
constexpr llvm::StringLiteral kExit = "convc_profile_exit";

/// The layer an op comes from (the first NameLoc in its location) and
/// where in the source the layer is, (0, 0) if unknown.
struct Layer {
  StringRef name;
  unsigned line = 0, column = 0;
  size_t seen = 0; // the order found in, among equals
};

std::optional<Layer> layerOf(Location loc) {
  std::optional<Layer> layer;
  loc->walk([&](Location l) {
    if (auto named = dyn_cast<NameLoc>(l)) {
      layer = Layer{named.getName().getValue()};
      // Inside a block's body: where in the block.
      Location child = named.getChildLoc();
      while (auto call = dyn_cast<CallSiteLoc>(child))
        child = call.getCallee();
      if (auto at = dyn_cast<FileLineColLoc>(child)) {
        layer->line = at.getLine();
        layer->column = at.getColumn();
      }
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return layer;
}

/// The layers an op computes, in source order, joined by '+': a fused loop
/// nest holds ops of several (a convolution and its activation, say).
std::string labelOf(Operation *op) {
  SmallVector<Layer> layers;
  op->walk([&](Operation *inner) {
    std::optional<Layer> layer = layerOf(inner->getLoc());
    if (!layer || llvm::any_of(layers, [&](const Layer &l) {
          return l.name == layer->name;
        }))
      return;
    layer->seen = layers.size();
    layers.push_back(*layer);
  });
  llvm::sort(layers, [](const Layer &a, const Layer &b) {
    return std::tie(a.line, a.column, a.seen) <
           std::tie(b.line, b.column, b.seen);
  });
  return llvm::join(
      llvm::map_range(layers, [](const Layer &l) { return l.name; }), "+");
}

/// Ops that compute (loop nests, copies, stores), as opposed to constants,
/// views and allocations.
bool doesWork(Operation *op) {
  if (op->hasTrait<OpTrait::IsTerminator>() ||
      isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(op))
    return false;
  return op->getNumRegions() > 0 || !isPure(op);
}

void declare(OpBuilder &b, ModuleOp module, StringRef name) {
  if (module.lookupSymbol(name))
    return;
  b.setInsertionPointToStart(module.getBody());
  auto f = func::FuncOp::create(b, module.getLoc(), name,
                                b.getFunctionType({b.getI32Type()}, {}));
  f.setPrivate();
}

struct ProfileLayersPass
    : convc::impl::ProfileLayersPassBase<ProfileLayersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(&getContext());
    SmallVector<Attribute> layers;
    llvm::StringMap<int32_t> ids;
    for (auto f : module.getOps<func::FuncOp>()) {
      if (f.isPrivate() || f.isExternal() || !f.getBody().hasOneBlock())
        continue;
      // Runs of consecutive working ops with the same label.
      SmallVector<std::pair<Operation *, Operation *>> runs;
      SmallVector<int32_t> runIds;
      for (Operation &op : f.getBody().front()) {
        if (!doesWork(&op))
          continue;
        std::string label = labelOf(&op);
        if (label.empty())
          continue;
        auto [it, added] = ids.try_emplace(label, layers.size());
        if (added)
          layers.push_back(b.getStringAttr(label));
        if (!runIds.empty() && runIds.back() == it->second)
          runs.back().second = &op;
        else {
          runs.push_back({&op, &op});
          runIds.push_back(it->second);
        }
      }
      for (auto [run, id] : llvm::zip(runs, runIds)) {
        Location loc = run.first->getLoc();
        b.setInsertionPoint(run.first);
        Value v = arith::ConstantIntOp::create(b, loc, id, 32);
        func::CallOp::create(b, loc, kEnter, TypeRange{}, v);
        b.setInsertionPointAfter(run.second);
        func::CallOp::create(b, loc, kExit, TypeRange{}, v);
      }
    }
    if (layers.empty())
      return;
    declare(b, module, kEnter);
    declare(b, module, kExit);
    module->setAttr("convc.layers", b.getArrayAttr(layers));
  }
};

} // namespace
