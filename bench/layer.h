//===- layer.h - what the benchmark harnesses know about a layer ---*- C++
//-*-===//
//
// Shared by the oneDNN (harness.cpp) and cuDNN (cuda_harness.cpp) harnesses:
// bench/bench.py generates layers.inc, which lists every layer with the
// convc model compiled for it (its descriptor symbol), its weights and the
// description of the same computation for the library.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_BENCH_LAYER_H
#define CONVC_BENCH_LAYER_H

#include "convc/runtime.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

enum Kind { Conv, Deconv, DepthwiseSeparable };

/// One convolution: input [n, cin, h, w], PyTorch weight layout.
struct ConvSpec {
  int n, cin, h, w, cout, kh, kw, stride, pad, dil, groups;
  bool relu;
};

struct Layer {
  const char *name;
  const convc_model_info *model;
  const char *weights; // safetensors with the keys the .cnn uses
  Kind kind;
  ConvSpec step[2]; // DepthwiseSeparable has two
  double gflop;
};

/// Exits with the status's message if `s` is an error.
inline void orDie(convc_status *s) {
  if (s) {
    std::fprintf(stderr, "bench: %s\n", convc_status_message(s));
    std::exit(1);
  }
}

inline std::vector<float> readWeight(convc_safetensors *file,
                                     const std::string &key) {
  convc_tensor t;
  orDie(convc_safetensors_get(file, key.c_str(), &t));
  std::vector<float> v(convc_tensor_numel(&t));
  std::memcpy(v.data(), t.data, v.size() * sizeof(float));
  return v;
}

/// The weights of each step of `l` (layer.weight, or step0/step1.weight).
inline std::vector<std::vector<float>> readWeights(const Layer &l) {
  convc_safetensors *file;
  orDie(convc_safetensors_open(l.weights, &file));
  std::vector<std::vector<float>> ws;
  if (l.kind == DepthwiseSeparable) {
    ws.push_back(readWeight(file, "step0.weight"));
    ws.push_back(readWeight(file, "step1.weight"));
  } else {
    ws.push_back(readWeight(file, "layer.weight"));
  }
  convc_safetensors_close(file);
  return ws;
}

inline int outSize(int in, int k, int s, int p, int d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

/// The largest difference between `a` and `b`, and the largest |b|.
inline void compare(const float *a, const float *b, size_t n, double &maxDiff,
                    double &maxRef) {
  maxDiff = maxRef = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    if (d != d) // a NaN on either side is a mismatch, not a zero difference
      d = HUGE_VAL;
    maxDiff = d > maxDiff ? d : maxDiff;
    double r = b[i] < 0 ? -b[i] : b[i];
    maxRef = r > maxRef ? r : maxRef;
  }
}

#include "layers.inc"

#endif // CONVC_BENCH_LAYER_H
