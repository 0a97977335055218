//===- FuzzSafetensors.cpp - libFuzzer target for the safetensors reader --===//

#include "convc/runtime.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  convc_safetensors *file;
  if (convc_status *s =
          convc_safetensors_parse(data, size, "fuzz.safetensors", &file)) {
    convc_status_free(s);
    return 0;
  }
  volatile uint8_t sink = 0;
  for (size_t k = 0; k < convc_safetensors_count(file); ++k) {
    convc_tensor t;
    convc_status *s =
        convc_safetensors_get(file, convc_safetensors_name(file, k), &t);
    if (s) {
      convc_status_free(s);
      continue;
    }
    size_t bytes = convc_tensor_numel(&t) * convc_dtype_size(t.dtype);
    for (size_t i = 0; i < bytes; ++i)
      sink ^= static_cast<const uint8_t *>(t.data)[i];
  }
  convc_safetensors_close(file);
  return 0;
}
