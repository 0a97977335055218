//===- Weights.h - where a model's parameters come from ---------*- C++ -*-===//

#ifndef CONVC_FRONTEND_WEIGHTS_H
#define CONVC_FRONTEND_WEIGHTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include <memory>
#include <string>

namespace convc {

/// Supplies a layer's parameters by their state_dict key.
class WeightSource {
public:
  virtual ~WeightSource();
  /// The tensor `key` as `type`, or an error reported at `loc`.
  /// `fanIn` is the number of inputs one output sums over (for random init).
  virtual mlir::FailureOr<mlir::DenseElementsAttr>
  get(llvm::StringRef key, mlir::RankedTensorType type, int64_t fanIn,
      mlir::Location loc) = 0;
  /// Called once the model is built: warns about unused tensors.
  virtual void finish(mlir::Location loc) {}
};

/// Deterministic weights: uniform in +-1/sqrt(fanIn) (PyTorch's default
/// bound), drawn from a generator seeded by `seed` and the key, so a weight
/// does not change when other layers are added.
std::unique_ptr<WeightSource> createRandomWeights(uint64_t seed);

/// Weights from a safetensors file (F32, or F64/F16/BF16 converted to f32).
/// On failure returns null and sets `error`.
std::unique_ptr<WeightSource> openSafetensorsWeights(llvm::StringRef path,
                                                     std::string &error);

} // namespace convc

#endif // CONVC_FRONTEND_WEIGHTS_H
