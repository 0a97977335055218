/*===- fake_cuda_driver.c - a CUDA driver that logs calls, for tests ------===*
 *
 * A stand-in for libcuda.so.1 that a --target=cuda executable loads through
 * CONVC_CUDA_DRIVER on machines without a GPU. It answers the driver calls
 * the runtime makes (runtime/cuda.c), keeps "device" memory on the host,
 * runs no kernel, and prints each module load and kernel launch to stderr,
 * so that tests see which kernels a model launches and with what grid.
 * FAKE_CUDA_FAIL=NAME makes the driver call NAME fail, to test how the
 * runtime reports errors.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
enum { FAKE_ERROR = 999 };

static CUresult result(const char *call) {
  const char *fail = getenv("FAKE_CUDA_FAIL");
  return fail && strcmp(fail, call) == 0 ? FAKE_ERROR : 0;
}

CUresult cuInit(unsigned flags) {
  (void)flags;
  return result("cuInit");
}

CUresult cuDeviceGetCount(int *count) {
  *count = 1;
  return result("cuDeviceGetCount");
}

CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return result("cuDeviceGet");
}

static int context;

CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  (void)device;
  *ctx = &context;
  return result("cuDevicePrimaryCtxRetain");
}

CUresult cuCtxSetCurrent(void *ctx) {
  (void)ctx;
  return result("cuCtxSetCurrent");
}

CUresult cuCtxSynchronize(void) { return result("cuCtxSynchronize"); }

/* A module is its PTX; a function, its name. */
CUresult cuModuleLoadData(void **module, const void *image) {
  const char *ptx = image, *target = strstr(ptx, ".target ");
  int length = 0;
  while (target && target[length] && target[length] != '\n')
    ++length;
  fprintf(stderr, "fake-cuda: cuModuleLoadData %.*s\n", length,
          target ? target : "(no .target)");
  *module = (void *)(uintptr_t)image;
  return result("cuModuleLoadData");
}

CUresult cuModuleUnload(void *module) {
  (void)module;
  return result("cuModuleUnload");
}

CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  (void)module;
  *function = (void *)(uintptr_t)name;
  return result("cuModuleGetFunction");
}

CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  (void)smem, (void)stream, (void)params, (void)extra;
  fprintf(stderr, "fake-cuda: cuLaunchKernel %s grid %u,%u,%u block %u,%u,%u\n",
          (const char *)function, gx, gy, gz, bx, by, bz);
  return result("cuLaunchKernel");
}

static int stream;

CUresult cuStreamCreate(void **s, unsigned flags) {
  (void)flags;
  *s = &stream;
  return result("cuStreamCreate");
}

CUresult cuStreamSynchronize(void *s) {
  (void)s;
  return result("cuStreamSynchronize");
}

CUresult cuMemAllocManaged(unsigned long long *ptr, size_t size,
                           unsigned flags) {
  (void)flags;
  *ptr = (unsigned long long)(uintptr_t)calloc(1, size ? size : 1);
  return *ptr ? result("cuMemAllocManaged") : 2 /* out of memory */;
}

CUresult cuMemFree_v2(unsigned long long ptr) {
  free((void *)(uintptr_t)ptr);
  return result("cuMemFree_v2");
}

CUresult cuMemcpy(unsigned long long dst, unsigned long long src,
                  size_t bytes) {
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  return result("cuMemcpy");
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  *text = error == FAKE_ERROR ? "a failure FAKE_CUDA_FAIL asked for"
                              : "unknown error";
  return 0;
}
