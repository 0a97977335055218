//===- Weights.cpp - random and safetensors weight sources ----------------===//

#include "compiler/Frontend/Weights.h"
#include "dialect/CnnShapes.h"
#include "dialect/ConstantData.h"

#include "convc/runtime.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/xxhash.h"
#include <cmath>
#include <cstring>
#include <vector>

using namespace mlir;
using namespace convc;

WeightSource::~WeightSource() = default;

namespace {

class RandomWeights : public WeightSource {
public:
  explicit RandomWeights(uint64_t seed) : seed(seed) {}

  FailureOr<ElementsAttr> get(StringRef key, RankedTensorType type,
                              RandomInit init, Location) override {
    // splitmix64, seeded per key.
    uint64_t state = seed ^ llvm::xxh3_64bits(key);
    auto next = [&state] {
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      return z ^ (z >> 31);
    };
    double bound =
        1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(init.fanIn, 1)));
    std::vector<float> values(type.getNumElements());
    for (float &v : values) {
      double u = static_cast<double>(next() >> 11) * 0x1.0p-53; // [0, 1)
      v = static_cast<float>(init.positive ? 0.5 + u : (2 * u - 1) * bound);
    }
    return cnn::makeF32Constant(type, std::move(values), key);
  }

private:
  uint64_t seed;
};

class ZeroWeights : public WeightSource {
public:
  FailureOr<ElementsAttr> get(StringRef, RankedTensorType type, RandomInit,
                              Location) override {
    return ElementsAttr(DenseElementsAttr::get(type, 0.0f));
  }
};

static float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal: renormalise
      int e = -1;
      do {
        man <<= 1;
        ++e;
      } while (!(man & 0x400));
      bits = sign | ((127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

class SafetensorsWeights : public WeightSource {
public:
  SafetensorsWeights(std::string path, convc_safetensors *file)
      : path(std::move(path)), file(file) {}
  ~SafetensorsWeights() override { convc_safetensors_close(file); }

  FailureOr<ElementsAttr> get(StringRef key, RankedTensorType type, RandomInit,
                              Location loc) override {
    convc_tensor t;
    std::string name = key.str();
    if (convc_status *s = convc_safetensors_get(file, name.c_str(), &t)) {
      convc_status_free(s);
      return emitError(loc)
                 << "weight '" << key << "' is not in '" << path << "'",
             failure();
    }
    used.insert(key);
    llvm::ArrayRef<int64_t> shape(t.shape, t.rank);
    if (shape != type.getShape())
      return emitError(loc)
                 << "weight '" << key << "' in '" << path << "' has shape "
                 << cnn::formatShape(shape) << ", the layer needs "
                 << cnn::formatShape(type.getShape()),
             failure();
    size_t n = convc_tensor_numel(&t);
    std::vector<float> values(n);
    const unsigned char *src = static_cast<const unsigned char *>(t.data);
    auto convert = [&](auto element) {
      for (size_t i = 0; i < n; ++i)
        values[i] = element(i);
    };
    switch (t.dtype) {
    case CONVC_F32:
      if (n)
        std::memcpy(values.data(), src, 4 * n);
      break;
    case CONVC_F64:
      convert([&](size_t i) {
        double d;
        std::memcpy(&d, src + 8 * i, 8);
        return static_cast<float>(d);
      });
      break;
    case CONVC_BF16:
      convert([&](size_t i) {
        uint32_t bits = static_cast<uint32_t>(src[2 * i] | src[2 * i + 1] << 8)
                        << 16;
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
      });
      break;
    case CONVC_F16:
      convert([&](size_t i) {
        return halfToFloat(
            static_cast<uint16_t>(src[2 * i] | src[2 * i + 1] << 8));
      });
      break;
    default:
      return emitError(loc) << "weight '" << key << "' in '" << path
                            << "' has dtype " << convc_dtype_name(t.dtype)
                            << "; convc reads float32, float64, float16 "
                               "and bfloat16 weights",
             failure();
    }
    return cnn::makeF32Constant(type, std::move(values), key);
  }

  void finish(Location loc) override {
    size_t count = convc_safetensors_count(file), unused = 0;
    std::string first;
    for (size_t i = 0; i < count; ++i) {
      StringRef name = convc_safetensors_name(file, i);
      if (used.contains(name) || name.ends_with(".num_batches_tracked"))
        continue;
      if (unused++ == 0)
        first = name.str();
    }
    if (unused)
      emitWarning(loc) << unused << " tensor(s) in '" << path
                       << "' are not used by the model, e.g. '" << first << "'";
  }

private:
  std::string path;
  convc_safetensors *file;
  llvm::StringSet<> used;
};

} // namespace

std::unique_ptr<WeightSource> convc::createRandomWeights(uint64_t seed) {
  return std::make_unique<RandomWeights>(seed);
}

std::unique_ptr<WeightSource> convc::createZeroWeights() {
  return std::make_unique<ZeroWeights>();
}

std::unique_ptr<WeightSource>
convc::openSafetensorsWeights(StringRef path, std::string &error) {
  convc_safetensors *file = nullptr;
  std::string p = path.str();
  if (convc_status *s = convc_safetensors_open(p.c_str(), &file)) {
    error = convc_status_message(s);
    convc_status_free(s);
    return nullptr;
  }
  return std::make_unique<SafetensorsWeights>(p, file);
}
