/*===- cuda.c - the CUDA part of the runtime ------------------------------===*
 *
 * A CUDA build's host code loads its PTX, launches kernels and allocates
 * through the functions below. They talk to the driver, which is opened
 * with dlopen("libcuda.so.1") on first use and never linked, so the same
 * executable starts on machines without a GPU and reports that cleanly.
 *
 * - mgpu*: the entry points MLIR's GPU-to-LLVM lowering calls (module load,
 *   function lookup, launch, streams). The module of PTX is loaded lazily,
 *   at the first launch, not in the program's constructors.
 * - convc_cuda_managed_*: the model's buffers (buffers.c), in managed
 *   memory that the host and the GPU both address.
 * - convc_cuda_constant: device-readable copies of the weights.
 * - convc_cuda_run: stages a model's tensors and runs it (model.c).
 *
 * A failing driver call records the first error; later calls do nothing,
 * and convc_cuda_run turns the error into a status. One thread at a time.
 *
 *===----------------------------------------------------------------------===*/

#include "buffers.h"
#include "cuda_run.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef unsigned long long CUdeviceptr;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_NO_DEVICE = 100,
  CU_MEM_ATTACH_GLOBAL = 1,
};

static struct {
  int state; /* 0: not tried, 1: ready, -1: unavailable */
  convc_status_code code;
  char error[512]; /* the first error, empty if none */
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)(void);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpy)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUstream stream; /* every launch's, created at the first */
} cu;

static void record(convc_status_code code, const char *fmt, const char *a,
                   const char *b) {
  if (cu.error[0])
    return;
  cu.code = code;
  snprintf(cu.error, sizeof cu.error, fmt, a, b);
}

/* Records a failed driver call; returns 1 if `r` is a failure. */
static int failed(CUresult r, const char *what) {
  if (r == CUDA_SUCCESS)
    return 0;
  const char *text = NULL;
  if (cu.cuGetErrorString)
    cu.cuGetErrorString(r, &text);
  record(CONVC_DEVICE_ERROR, "CUDA error in %s: %s", what,
         text ? text : "unknown error");
  return 1;
}

static convc_status *init_status(void) {
  return cu.state == 1 ? NULL : convc_status_make(cu.code, "%s", cu.error);
}

convc_status *convc_cuda_init(const char *library) {
  if (cu.state)
    return init_status();
  cu.state = -1;
  void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    record(CONVC_DEVICE_ERROR, "no CUDA driver found (%s)%s", dlerror(), "");
    return init_status();
  }
  struct {
    void **slot;
    const char *name;
  } symbols[] = {
      {(void **)&cu.cuInit, "cuInit"},
      {(void **)&cu.cuDeviceGetCount, "cuDeviceGetCount"},
      {(void **)&cu.cuDeviceGet, "cuDeviceGet"},
      {(void **)&cu.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"},
      {(void **)&cu.cuCtxSetCurrent, "cuCtxSetCurrent"},
      {(void **)&cu.cuCtxSynchronize, "cuCtxSynchronize"},
      {(void **)&cu.cuModuleLoadData, "cuModuleLoadData"},
      {(void **)&cu.cuModuleUnload, "cuModuleUnload"},
      {(void **)&cu.cuModuleGetFunction, "cuModuleGetFunction"},
      {(void **)&cu.cuLaunchKernel, "cuLaunchKernel"},
      {(void **)&cu.cuStreamCreate, "cuStreamCreate"},
      {(void **)&cu.cuStreamSynchronize, "cuStreamSynchronize"},
      {(void **)&cu.cuMemAllocManaged, "cuMemAllocManaged"},
      {(void **)&cu.cuMemFree, "cuMemFree_v2"},
      {(void **)&cu.cuMemcpy, "cuMemcpy"},
      {(void **)&cu.cuGetErrorString, "cuGetErrorString"},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; ++i) {
    *symbols[i].slot = dlsym(lib, symbols[i].name);
    if (!*symbols[i].slot) {
      record(CONVC_DEVICE_ERROR, "the CUDA driver %s lacks %s", library,
             symbols[i].name);
      return init_status();
    }
  }
  CUresult r = cu.cuInit(0);
  int count = 0;
  if (r == CUDA_ERROR_NO_DEVICE ||
      (r == CUDA_SUCCESS && cu.cuDeviceGetCount(&count) == CUDA_SUCCESS &&
       count == 0)) {
    record(CONVC_DEVICE_ERROR, "no CUDA device%s%s", "", "");
    return init_status();
  }
  CUdevice device;
  CUcontext context;
  if (failed(r, "cuInit") || failed(cu.cuDeviceGet(&device, 0), "cuDeviceGet") ||
      failed(cu.cuDevicePrimaryCtxRetain(&context, device),
             "cuDevicePrimaryCtxRetain") ||
      failed(cu.cuCtxSetCurrent(context), "cuCtxSetCurrent"))
    return init_status();
  cu.state = 1;
  return NULL;
}

/*--- MLIR's GPU runtime entry points --------------------------------------*/

typedef struct convc_cuda_module {
  const char *ptx;
  CUmodule module;
} convc_cuda_module;

void *mgpuModuleLoadJIT(void *ptx, int opt_level) {
  (void)opt_level;
  convc_cuda_module *m = calloc(1, sizeof *m);
  if (m)
    m->ptx = ptx;
  return m;
}

void mgpuModuleUnload(void *handle) {
  convc_cuda_module *m = handle;
  if (m && m->module && cu.state == 1)
    cu.cuModuleUnload(m->module);
  free(m);
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  convc_cuda_module *m = handle;
  if (cu.state != 1 || cu.error[0])
    return NULL;
  if (!m) {
    /* The module is loaded by a constructor of the model's object; an
     * executable linked so that it never ran would skip every kernel. */
    record(CONVC_DEVICE_ERROR,
           "the kernel %s has no module: the model's constructors did not "
           "run%s",
           name, "");
    return NULL;
  }
  if (!m->module &&
      failed(cu.cuModuleLoadData(&m->module, m->ptx), "cuModuleLoadData"))
    return NULL;
  CUfunction f = NULL;
  if (failed(cu.cuModuleGetFunction(&f, m->module, name),
             "cuModuleGetFunction"))
    return NULL;
  return f;
}

/* The lowering creates, synchronizes and destroys a stream around every
 * launch; one stream serves them all (one thread at a time). */
void *mgpuStreamCreate(void) {
  if (!cu.stream && cu.state == 1 && !cu.error[0])
    failed(cu.cuStreamCreate(&cu.stream, 0), "cuStreamCreate");
  return cu.stream;
}

void mgpuStreamSynchronize(void *stream) {
  if (cu.state == 1 && !cu.error[0])
    failed(cu.cuStreamSynchronize(stream), "cuStreamSynchronize (a kernel)");
}

void mgpuStreamDestroy(void *stream) { (void)stream; }

void mgpuLaunchKernel(void *function, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      void *stream, void **params, void **extra,
                      size_t num_params) {
  (void)num_params;
  if (cu.state != 1 || cu.error[0])
    return;
  if (!function) {
    record(CONVC_DEVICE_ERROR, "a kernel launch has no function%s%s", "", "");
    return;
  }
  failed(cu.cuLaunchKernel(function, (unsigned)gx, (unsigned)gy, (unsigned)gz,
                           (unsigned)bx, (unsigned)by, (unsigned)bz,
                           (unsigned)smem, stream, params, extra),
         "cuLaunchKernel");
}

/*--- Buffers (buffers.c keeps and aligns them) ---------------------------*/

int convc_cuda_ready(void) { return cu.state == 1 && !cu.error[0]; }

void *convc_cuda_managed_alloc(size_t size) {
  CUdeviceptr p = 0;
  if (!convc_cuda_ready() ||
      failed(cu.cuMemAllocManaged(&p, size, CU_MEM_ATTACH_GLOBAL),
             "cuMemAllocManaged"))
    return NULL;
  return (void *)(uintptr_t)p;
}

void convc_cuda_managed_free(void *base) {
  cu.cuMemFree((CUdeviceptr)(uintptr_t)base);
}

/* A copy by the driver between host and managed memory: a memcpy on the
 * host would move the managed pages to the host, and the GPU's first
 * access would move them back. */
static void copy(void *dst, const void *src, size_t bytes) {
  failed(cu.cuMemcpy((CUdeviceptr)(uintptr_t)dst, (CUdeviceptr)(uintptr_t)src,
                     bytes),
         "cuMemcpy");
}

static struct {
  const void *host;
  void *device;
} *constants;
static size_t num_constants;

void *convc_cuda_constant(const void *host, int64_t bytes) {
  for (size_t i = 0; i < num_constants; ++i)
    if (constants[i].host == host)
      return constants[i].device;
  void *device = convc_buffer_alloc((size_t)bytes, 0);
  void *grown = realloc(constants, (num_constants + 1) * sizeof *constants);
  if (!device || !grown) {
    record(CONVC_OUT_OF_MEMORY, "out of memory for the model's constants%s%s",
           "", "");
    convc_buffer_free(device);
    return (void *)(uintptr_t)host;
  }
  constants = grown;
  copy(device, host, (size_t)bytes);
  constants[num_constants].host = host;
  constants[num_constants].device = device;
  ++num_constants;
  return device;
}

convc_status *convc_cuda_run(const convc_model_info *model, void **buffers,
                             const size_t *bytes) {
  /* CONVC_CUDA_DRIVER names another driver library (tests use it to
   * exercise the no-driver path on machines that have one). */
  const char *driver = getenv("CONVC_CUDA_DRIVER");
  convc_status *s =
      convc_cuda_init(driver && *driver ? driver : "libcuda.so.1");
  if (s)
    return s;
  int32_t n = model->num_inputs + model->num_outputs;
  void **staged = calloc((size_t)(n ? n : 1), sizeof(void *));
  if (!staged)
    return convc_status_make(CONVC_OUT_OF_MEMORY, "out of memory");
  for (int32_t i = 0; i < n && !cu.error[0]; ++i) {
    staged[i] = convc_buffer_alloc(bytes[i], 0);
    if (!staged[i])
      record(CONVC_OUT_OF_MEMORY, "out of memory%s%s", "", "");
    else if (i < model->num_inputs)
      copy(staged[i], buffers[i], bytes[i]);
  }
  if (!cu.error[0]) {
    model->run(staged);
    failed(cu.cuCtxSynchronize(), "cuCtxSynchronize (the model's kernels)");
  }
  for (int32_t i = model->num_inputs; i < n && !cu.error[0]; ++i)
    copy(buffers[i], staged[i], bytes[i]);
  for (int32_t i = 0; i < n; ++i)
    convc_buffer_free(staged[i]);
  free(staged);
  return cu.error[0] ? convc_status_make(cu.code, "%s", cu.error) : NULL;
}
