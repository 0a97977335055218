/*===- buffers.c - the model's buffers -------------------------------------===*
 *
 * Compiled models allocate their intermediate tensors through
 * _mlir_memref_to_llvm_{alloc,aligned_alloc,free} (MLIR's memref lowering
 * with use-generic-functions). Every inference allocates the same sizes in
 * the same order, so a large buffer that one inference frees is kept and
 * handed to the next request of about its size: memory fresh from the
 * system costs a page fault per page, which was a third of a MobileNetV2
 * inference. Small host buffers go straight to malloc, whose own caches
 * serve them. convc_release_cached_buffers gives the kept ones back.
 *
 * In a process where a CUDA model has opened the driver, buffers are
 * managed memory (the host and the GPU both address it), else malloc's.
 * A host buffer's header sits just before it; a managed buffer's lives in
 * host memory, listed in `cache.managed`: the host writing a header inside
 * the buffer moved its first pages to the host at every allocation and
 * free, and the GPU's next access moved them back (a few hundred
 * microseconds per layer on an H100).
 * Thread-safe: code inside OpenMP regions allocates too.
 *
 *===----------------------------------------------------------------------===*/

#include "buffers.h"
#include "convc/runtime.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

enum {
  MIN_ALIGNMENT = 64,
  SMALL = 64 << 10,  /* host buffers below this are not kept */
  MAX_KEPT = 256,    /* buffers kept at most */
};
/* Bytes kept at most; beyond this, freed buffers go back to the system. */
static const size_t KEPT_LIMIT = (size_t)1 << 30;

/* Stored just before a host buffer; a managed one's is malloc'ed. */
typedef struct header {
  void *base;      /* what malloc or the driver returned */
  void *start;     /* the buffer handed out */
  size_t capacity; /* usable bytes from the buffer's start */
  int managed;
} header;

static struct {
  pthread_mutex_t lock;
  header *kept[MAX_KEPT];
  size_t count;
  size_t bytes;
  header **managed; /* the headers of the managed buffers handed out */
  size_t num_managed, managed_capacity;
  int any_managed; /* set once, at the first managed buffer */
} cache = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0, NULL, 0, 0, 0};

/* The header of a buffer handed out (the lock held where there are
 * managed buffers). */
static header *header_of(void *ptr) {
  for (size_t i = cache.num_managed; i-- > 0;)
    if (cache.managed[i]->start == ptr) {
      header *h = cache.managed[i];
      cache.managed[i] = cache.managed[--cache.num_managed];
      return h;
    }
  return (header *)ptr - 1;
}

/* Lists a managed buffer as handed out (the lock held); 0 when out of
 * memory. */
static int hand_out(header *h) {
  if (cache.num_managed == cache.managed_capacity) {
    size_t n = cache.managed_capacity ? 2 * cache.managed_capacity : 64;
    header **grown = realloc(cache.managed, n * sizeof *grown);
    if (!grown)
      return 0;
    cache.managed = grown;
    cache.managed_capacity = n;
  }
  cache.managed[cache.num_managed++] = h;
  __atomic_store_n(&cache.any_managed, 1, __ATOMIC_RELEASE);
  return 1;
}

static void release(header *h) {
  if (h->managed) {
    convc_cuda_managed_free(h->base);
    free(h);
  } else {
    free(h->base);
  }
}

/* A kept buffer of at least `size` bytes (at most a quarter more), aligned
 * to `alignment`, of the wanted kind; the smallest such one. */
static void *reuse(size_t size, size_t alignment, int managed) {
  pthread_mutex_lock(&cache.lock);
  size_t best = cache.count;
  for (size_t i = 0; i < cache.count; ++i) {
    header *h = cache.kept[i];
    if (h->managed == managed && h->capacity >= size &&
        h->capacity - size <= size / 4 &&
        (uintptr_t)h->start % alignment == 0 &&
        (best == cache.count || h->capacity < cache.kept[best]->capacity))
      best = i;
  }
  header *found = NULL;
  if (best < cache.count && (!managed || hand_out(cache.kept[best]))) {
    found = cache.kept[best];
    cache.kept[best] = cache.kept[--cache.count];
    cache.bytes -= found->capacity;
  }
  pthread_mutex_unlock(&cache.lock);
  return found ? found->start : NULL;
}

static void *allocate_managed(size_t size, size_t alignment) {
  header *h = malloc(sizeof *h);
  void *base = h ? convc_cuda_managed_alloc(size + alignment - 1) : NULL;
  if (!base) {
    free(h);
    return NULL;
  }
  h->base = base;
  h->start =
      (void *)(((uintptr_t)base + alignment - 1) & ~(uintptr_t)(alignment - 1));
  h->capacity = size;
  h->managed = 1;
  pthread_mutex_lock(&cache.lock);
  int listed = hand_out(h);
  pthread_mutex_unlock(&cache.lock);
  if (!listed) {
    release(h);
    return NULL;
  }
  return h->start;
}

void *convc_buffer_alloc(size_t size, size_t alignment) {
  if (alignment < MIN_ALIGNMENT)
    alignment = MIN_ALIGNMENT;
  size_t extra = sizeof(header) + alignment - 1;
  if (size > SIZE_MAX - extra)
    return NULL;
  int managed = convc_cuda_ready();
  /* Reuse only where a fresh buffer would come from the system. */
  if (managed || size >= SMALL) {
    void *kept = reuse(size, alignment, managed);
    if (kept)
      return kept;
  }
  if (managed) {
    void *start = allocate_managed(size, alignment);
    if (start)
      return start;
  }
  void *base = malloc(size + extra);
  if (!base)
    return NULL;
  uintptr_t start = ((uintptr_t)base + sizeof(header) + alignment - 1) &
                    ~(uintptr_t)(alignment - 1);
  header *h = (header *)start - 1;
  h->base = base;
  h->start = (void *)start;
  h->capacity = size;
  h->managed = 0;
  return (void *)start;
}

void convc_buffer_free(void *ptr) {
  if (!ptr)
    return;
  /* Without managed buffers, small ones are freed without the lock. */
  if (!__atomic_load_n(&cache.any_managed, __ATOMIC_ACQUIRE) &&
      ((header *)ptr - 1)->capacity < SMALL) {
    release((header *)ptr - 1);
    return;
  }
  pthread_mutex_lock(&cache.lock);
  header *h = header_of(ptr);
  if (!h->managed && h->capacity < SMALL) {
    pthread_mutex_unlock(&cache.lock);
    release(h);
    return;
  }
  int keep = cache.count < MAX_KEPT && cache.bytes + h->capacity <= KEPT_LIMIT;
  if (keep) {
    cache.kept[cache.count++] = h;
    cache.bytes += h->capacity;
  }
  pthread_mutex_unlock(&cache.lock);
  if (!keep)
    release(h);
}

void convc_release_cached_buffers(void) {
  pthread_mutex_lock(&cache.lock);
  while (cache.count)
    release(cache.kept[--cache.count]);
  cache.bytes = 0;
  pthread_mutex_unlock(&cache.lock);
}

/* The entry points of MLIR's memref lowering (use-generic-functions). */
void *_mlir_memref_to_llvm_alloc(size_t size) {
  return convc_buffer_alloc(size, MIN_ALIGNMENT);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return convc_buffer_alloc(size, alignment);
}

void _mlir_memref_to_llvm_free(void *ptr) { convc_buffer_free(ptr); }
