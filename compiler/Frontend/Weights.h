//===- Weights.h - where a model's parameters come from ---------*- C++ -*-===//

#ifndef CONVC_FRONTEND_WEIGHTS_H
#define CONVC_FRONTEND_WEIGHTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include <memory>
#include <string>

namespace convc {

/// How --random-weights fills a tensor: uniform in +-1/sqrt(fanIn) (the
/// number of inputs one output sums over, PyTorch's default bound), or in
/// [0.5, 1.5] for scales and variances that must stay positive.
struct RandomInit {
  int64_t fanIn = 1;
  bool positive = false;
};

/// Supplies a layer's parameters by their state_dict key.
class WeightSource {
public:
  virtual ~WeightSource();
  /// The tensor `key` as `type` (a constant that ConstantData.h reads), or
  /// an error reported at `loc`.
  virtual mlir::FailureOr<mlir::ElementsAttr> get(llvm::StringRef key,
                                                  mlir::RankedTensorType type,
                                                  RandomInit init,
                                                  mlir::Location loc) = 0;
  /// Called once the model is built: warns about unused tensors (except
  /// BatchNorm's num_batches_tracked, which inference does not need).
  virtual void finish(mlir::Location loc) {}
};

/// Deterministic weights drawn as RandomInit says from a generator seeded by
/// `seed` and the key, so a weight does not change when layers are added.
std::unique_ptr<WeightSource> createRandomWeights(uint64_t seed);

/// All-zero weights (splats, so free): for --stats and --emit=dot, which
/// need the shapes but not the values.
std::unique_ptr<WeightSource> createZeroWeights();

/// Weights from a safetensors file (F32, or F64/F16/BF16 converted to f32).
/// On failure returns null and sets `error`.
std::unique_ptr<WeightSource> openSafetensorsWeights(llvm::StringRef path,
                                                     std::string &error);

} // namespace convc

#endif // CONVC_FRONTEND_WEIGHTS_H
