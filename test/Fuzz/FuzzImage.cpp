//===- FuzzImage.cpp - libFuzzer target for the image reader --------------===//

#include "convc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int channels : {1, 3}) {
    convc_tensor t;
    if (convc_status *s =
            convc_image_parse(data, size, "fuzz.png", channels, &t)) {
      convc_status_free(s);
      continue;
    }
    volatile float sink = 0;
    for (size_t i = 0; i < convc_tensor_numel(&t); ++i)
      sink += static_cast<const float *>(t.data)[i];
    convc_tensor_free(&t);
  }
  return 0;
}
