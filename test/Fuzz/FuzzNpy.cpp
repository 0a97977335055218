//===- FuzzNpy.cpp - libFuzzer target for the .npy reader -----------------===//

#include "convc/runtime.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  convc_tensor t;
  if (convc_status *s = convc_npy_parse(data, size, "fuzz.npy", &t)) {
    convc_status_free(s);
    return 0;
  }
  // Touch every byte the reader claims to hold.
  volatile uint8_t sink = 0;
  size_t bytes = convc_tensor_numel(&t) * convc_dtype_size(t.dtype);
  for (size_t i = 0; i < bytes; ++i)
    sink ^= static_cast<const uint8_t *>(t.data)[i];
  convc_tensor_free(&t);
  return 0;
}
