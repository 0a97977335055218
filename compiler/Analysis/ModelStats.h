//===- ModelStats.h - per-layer cost accounting of a cnn model --*- C++ -*-===//
//
// The numbers `convc --stats` prints, computed from the cnn graph: per
// layer the output shape, parameters, MACs, FLOPs, activation and weight
// memory and receptive field, and the model's totals.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_ANALYSIS_MODELSTATS_H
#define CONVC_ANALYSIS_MODELSTATS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"
#include <string>
#include <vector>

namespace convc {

struct LayerStats {
  std::string name; // the binding that made the layer (from its NameLoc)
  std::string op;   // "conv2d", "relu", ...
  std::vector<int64_t> shape;
  /// Trainable parameters, as PyTorch counts them (a batch norm's running
  /// statistics are buffers, not parameters).
  int64_t params = 0;
  /// Multiply-accumulates of convolutions and linear layers.
  int64_t macs = 0;
  /// 2 per MAC, plus the element-wise and reduction work of other layers.
  int64_t flops = 0;
  int64_t activationBytes = 0; // the output tensor
  int64_t weightBytes = 0;     // every stored tensor: parameters and buffers
  /// Receptive field: the input window one output element sees (size) and
  /// the input distance between neighbouring outputs (jump), per H and W;
  /// `global` when it is the whole input (after flatten or global pooling).
  int64_t rfSize[2] = {1, 1}, rfJump[2] = {1, 1};
  bool rfGlobal = false;
};

/// Stats for every layer of the model function in `module`, in order.
std::vector<LayerStats> computeModelStats(mlir::ModuleOp module);

/// A table with a totals line.
void printStatsTable(llvm::ArrayRef<LayerStats> stats, llvm::raw_ostream &os);
/// {"layers": [...], "total": {...}}.
void printStatsJson(llvm::ArrayRef<LayerStats> stats, llvm::raw_ostream &os);

/// The model graph in Graphviz dot: one node per layer, tensor shapes on
/// the edges.
void printModelDot(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace convc

#endif // CONVC_ANALYSIS_MODELSTATS_H
