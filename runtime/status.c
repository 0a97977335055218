/*===- status.c - status codes with messages, and tensor helpers ----------===*/

#include "convc/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct convc_status {
  convc_status_code code;
  char message[512];
};

/* Returned when the status itself cannot be allocated. */
static convc_status out_of_memory = {CONVC_OUT_OF_MEMORY, "out of memory"};

convc_status *convc_status_make(convc_status_code code, const char *fmt, ...) {
  convc_status *s = malloc(sizeof(*s));
  if (!s)
    return &out_of_memory;
  s->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->message, sizeof(s->message), fmt, ap);
  va_end(ap);
  return s;
}

convc_status_code convc_status_code_of(const convc_status *status) {
  return status ? status->code : CONVC_OK;
}

const char *convc_status_message(const convc_status *status) {
  return status ? status->message : "ok";
}

void convc_status_free(convc_status *status) {
  if (status && status != &out_of_memory)
    free(status);
}

const char *convc_dtype_name(convc_dtype dtype) {
  switch (dtype) {
  case CONVC_F32:
    return "float32";
  case CONVC_F64:
    return "float64";
  case CONVC_F16:
    return "float16";
  case CONVC_BF16:
    return "bfloat16";
  case CONVC_I8:
    return "int8";
  case CONVC_U8:
    return "uint8";
  case CONVC_I16:
    return "int16";
  case CONVC_I32:
    return "int32";
  case CONVC_I64:
    return "int64";
  case CONVC_BOOL:
    return "bool";
  default:
    return "invalid";
  }
}

size_t convc_dtype_size(convc_dtype dtype) {
  switch (dtype) {
  case CONVC_F64:
  case CONVC_I64:
    return 8;
  case CONVC_F32:
  case CONVC_I32:
    return 4;
  case CONVC_F16:
  case CONVC_BF16:
  case CONVC_I16:
    return 2;
  case CONVC_I8:
  case CONVC_U8:
  case CONVC_BOOL:
    return 1;
  default:
    return 0;
  }
}

size_t convc_tensor_numel(const convc_tensor *t) {
  size_t n = 1;
  for (int32_t i = 0; i < t->rank; ++i)
    n *= (size_t)t->shape[i];
  return n;
}

convc_status *convc_tensor_alloc(convc_tensor *t, convc_dtype dtype,
                                 int32_t rank, const int64_t *shape) {
  memset(t, 0, sizeof(*t));
  if (rank < 0 || rank > CONVC_MAX_RANK)
    return convc_status_make(CONVC_INVALID_ARGUMENT,
                             "tensor rank %d is outside [0, %d]", rank,
                             CONVC_MAX_RANK);
  if (convc_dtype_size(dtype) == 0)
    return convc_status_make(CONVC_INVALID_ARGUMENT, "invalid dtype %d",
                             (int)dtype);
  t->dtype = dtype;
  t->rank = rank;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return convc_status_make(CONVC_INVALID_ARGUMENT,
                               "negative dimension %lld", (long long)shape[i]);
    t->shape[i] = shape[i];
  }
  size_t bytes = convc_tensor_numel(t) * convc_dtype_size(dtype);
  t->data = calloc(bytes ? bytes : 1, 1);
  if (!t->data)
    return convc_status_make(CONVC_OUT_OF_MEMORY,
                             "cannot allocate %zu bytes for a tensor", bytes);
  return NULL;
}

void convc_tensor_free(convc_tensor *t) {
  free(t->data);
  t->data = NULL;
}

void convc_tensor_format_type(const convc_tensor *t, char *buf, size_t size) {
  int n = snprintf(buf, size, "%s[", convc_dtype_name(t->dtype));
  for (int32_t i = 0; i < t->rank && n > 0 && (size_t)n < size; ++i)
    n += snprintf(buf + n, size - n, "%s%lld", i ? ", " : "",
                  (long long)t->shape[i]);
  if (n > 0 && (size_t)n < size)
    snprintf(buf + n, size - n, "]");
}
