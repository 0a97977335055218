/*===- cuda_run.h - the CUDA part of the runtime (internal) -------------------===*/

#ifndef CONVC_RUNTIME_CUDA_RUN_H
#define CONVC_RUNTIME_CUDA_RUN_H

#include "convc/runtime.h"

/* Opens the driver `library` (normally "libcuda.so.1") and the first GPU,
 * once; later calls return the same outcome. */
convc_status *convc_cuda_init(const char *library);

/* Runs a CUDA model: buffers[i] holds bytes[i] bytes (inputs, then
 * outputs), copied to and from memory the GPU reads. */
convc_status *convc_cuda_run(const convc_model_info *model, void **buffers,
                             const size_t *bytes);

#endif /* CONVC_RUNTIME_CUDA_RUN_H */
