/*===- convc/runtime.h - the convc runtime's public C API -----------------===*
 *
 * Everything a program needs to run a model compiled by convc: status codes
 * with messages, tensor descriptors, .npy and safetensors I/O, and the model
 * descriptor that every compiled artifact exports. Plain C, no global state.
 *
 *===----------------------------------------------------------------------===*/

#ifndef CONVC_RUNTIME_H
#define CONVC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*--- Status ---------------------------------------------------------------*/

typedef enum convc_status_code {
  CONVC_OK = 0,
  CONVC_INVALID_ARGUMENT = 1, /* a caller passed something unusable */
  CONVC_IO_ERROR = 2,         /* a file could not be opened, read or written */
  CONVC_FORMAT_ERROR = 3,     /* a file is malformed or truncated */
  CONVC_SHAPE_MISMATCH = 4,   /* a tensor has the wrong shape */
  CONVC_DTYPE_MISMATCH = 5,   /* a tensor has the wrong element type */
  CONVC_NOT_FOUND = 6,        /* a named tensor does not exist */
  CONVC_OUT_OF_MEMORY = 7,
  CONVC_DEVICE_ERROR = 8, /* no GPU driver or device, or a driver call failed */
} convc_status_code;

/* A failure: a code and a one-line message. NULL means success. */
typedef struct convc_status convc_status;

convc_status *convc_status_make(convc_status_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
convc_status_code convc_status_code_of(const convc_status *status);
const char *convc_status_message(const convc_status *status);
void convc_status_free(convc_status *status);

/*--- Tensors --------------------------------------------------------------*/

typedef enum convc_dtype {
  CONVC_DTYPE_INVALID = 0,
  CONVC_F32 = 1,
  CONVC_F64 = 2,
  CONVC_F16 = 3,
  CONVC_BF16 = 4,
  CONVC_I8 = 5,
  CONVC_U8 = 6,
  CONVC_I16 = 7,
  CONVC_I32 = 8,
  CONVC_I64 = 9,
  CONVC_BOOL = 10,
} convc_dtype;

/* "float32", "float16", ... */
const char *convc_dtype_name(convc_dtype dtype);
size_t convc_dtype_size(convc_dtype dtype);

#define CONVC_MAX_RANK 8

/* A dense, row-major tensor. `data` is owned by whoever filled it in: the
 * *_alloc and *_read functions allocate it (free with convc_tensor_free);
 * convc_safetensors_get borrows it from the open file. */
typedef struct convc_tensor {
  convc_dtype dtype;
  int32_t rank;
  int64_t shape[CONVC_MAX_RANK];
  void *data;
} convc_tensor;

size_t convc_tensor_numel(const convc_tensor *tensor);
convc_status *convc_tensor_alloc(convc_tensor *tensor, convc_dtype dtype,
                                 int32_t rank, const int64_t *shape);
void convc_tensor_free(convc_tensor *tensor);
/* Writes "float32[1, 3, 224, 224]" into buf. */
void convc_tensor_format_type(const convc_tensor *tensor, char *buf,
                              size_t size);

/*--- NumPy .npy -----------------------------------------------------------*/

/* Reads a C-order .npy file (format 1.0, 2.0 or 3.0) of any dtype above. */
convc_status *convc_npy_read(const char *path, convc_tensor *out);
/* Parses .npy bytes; `what` names the source in messages. */
convc_status *convc_npy_parse(const void *bytes, size_t size, const char *what,
                              convc_tensor *out);
convc_status *convc_npy_write(const char *path, const convc_tensor *tensor);

/*--- Images ---------------------------------------------------------------*/

/* Images are float32 tensors [1, C, H, W] with values in [0, 1] (sample
 * v -> v / 255). Reading decodes PNG (and the other formats stb_image
 * knows) into `channels` channels: 1 (luminance), 3 (RGB) or 4 (RGBA). */
convc_status *convc_image_read(const char *path, int channels,
                               convc_tensor *out);
convc_status *convc_image_parse(const void *bytes, size_t size,
                                const char *what, int channels,
                                convc_tensor *out);
/* Writes [1, C, H, W] (C = 1, 3 or 4) as an 8-bit PNG, clamping to [0, 1]. */
convc_status *convc_png_write(const char *path, const convc_tensor *tensor);

/*--- safetensors ----------------------------------------------------------*/

typedef struct convc_safetensors convc_safetensors;

convc_status *convc_safetensors_open(const char *path, convc_safetensors **out);
/* Parses safetensors bytes (copied); `what` names the source in messages. */
convc_status *convc_safetensors_parse(const void *bytes, size_t size,
                                      const char *what,
                                      convc_safetensors **out);
size_t convc_safetensors_count(const convc_safetensors *file);
const char *convc_safetensors_name(const convc_safetensors *file, size_t i);
/* Looks a tensor up by name; out->data points into the file's buffer and
 * may be unaligned (copy it with memcpy). */
convc_status *convc_safetensors_get(const convc_safetensors *file,
                                    const char *name, convc_tensor *out);
void convc_safetensors_close(convc_safetensors *file);

/*--- Compiled models ------------------------------------------------------*/

/* The order of a rank-4 tensor's dimensions at the model's boundary. */
typedef enum convc_layout { CONVC_NCHW = 0, CONVC_NHWC = 1 } convc_layout;

typedef struct convc_tensor_info {
  const char *name;
  int32_t dtype; /* convc_dtype */
  int32_t rank;
  const int64_t *shape;
  int32_t layout; /* convc_layout */
} convc_tensor_info;

/* Where a model's code runs. */
typedef enum convc_device {
  CONVC_DEVICE_CPU = 0,
  CONVC_DEVICE_CUDA = 1, /* NVIDIA GPU through the CUDA driver (libcuda.so.1) */
} convc_device;

/* What every compiled model exports (as the symbol `convc_model`). */
typedef struct convc_model_info {
  const char *name;
  int32_t num_inputs;
  int32_t num_outputs;
  const convc_tensor_info *inputs;
  const convc_tensor_info *outputs;
  /* The compiled code: buffers holds the inputs' then the outputs' data. */
  void (*run)(void **buffers);
  int32_t device; /* convc_device */
  /* The layers (or fused groups of layers, "conv1+bn1+relu") that the
   * profile times, by id. */
  int32_t num_layers;
  const char *const *layers;
} convc_model_info;

/* Allocates `outputs` (num_outputs of them) with the model's output types. */
convc_status *convc_model_alloc_outputs(const convc_model_info *model,
                                        convc_tensor *outputs);
/* Checks one input's (or output's) dtype and shape against the model. */
convc_status *convc_model_check(const convc_model_info *model, int is_output,
                                int32_t index, const convc_tensor *tensor);
/* Checks every input's dtype and shape against the model, then runs it.
 * `outputs` must match the model's outputs too. A CUDA model copies the
 * tensors to and from memory the GPU reads; without a CUDA driver or GPU it
 * fails with CONVC_DEVICE_ERROR. */
convc_status *convc_model_run(const convc_model_info *model,
                              const convc_tensor *inputs,
                              convc_tensor *outputs);

/* Per-layer timing: compiled models call convc_profile_enter/exit around
 * each layer (cheap while profiling is off). convc_profile_start clears the
 * totals and turns profiling on; convc_profile_stop turns it off;
 * convc_profile_layer_ms reads a layer's total time and count of runs. */
void convc_profile_start(void);
void convc_profile_stop(void);
double convc_profile_layer_ms(int32_t layer, int64_t *runs);
void convc_profile_enter(int32_t layer);
void convc_profile_exit(int32_t layer);

/* A model keeps the large buffers that an inference frees for the next one
 * (memory fresh from the system costs a page fault per page). This gives
 * them back to the system; later inferences allocate afresh. */
void convc_release_cached_buffers(void);

#ifdef __cplusplus
}
#endif

#endif /* CONVC_RUNTIME_H */
