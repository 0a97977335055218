/*===- buffers.h - the model's buffers (internal) ---------------------------===*/

#ifndef CONVC_RUNTIME_BUFFERS_H
#define CONVC_RUNTIME_BUFFERS_H

#include <stddef.h>

/* A buffer of `size` bytes aligned to `alignment` (a power of two; at least
 * 64 is used), in managed memory once a CUDA model has opened the driver,
 * else in host memory. NULL when out of memory. */
void *convc_buffer_alloc(size_t size, size_t alignment);
/* Frees (or keeps for reuse) a buffer from convc_buffer_alloc; NULL is a
 * no-op. */
void convc_buffer_free(void *ptr);

/* Provided by cuda.c: whether a CUDA model has opened the driver, and
 * managed memory from it (NULL if the allocation failed, which it
 * records). */
int convc_cuda_ready(void);
void *convc_cuda_managed_alloc(size_t size);
void convc_cuda_managed_free(void *base);

#endif /* CONVC_RUNTIME_BUFFERS_H */
