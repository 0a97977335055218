/*===- npy.c - NumPy .npy reading and writing -----------------------------===*
 *
 * The format: "\x93NUMPY", a version byte pair, a little-endian header
 * length (2 bytes in 1.0, 4 in 2.0/3.0), then a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), } and the data.
 *
 *===----------------------------------------------------------------------===*/

#include "file.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p, *end;
} cursor;

static void skip_space(cursor *c) {
  while (c->p < c->end && isspace((unsigned char)*c->p))
    ++c->p;
}

static int accept(cursor *c, char ch) {
  skip_space(c);
  if (c->p < c->end && *c->p == ch) {
    ++c->p;
    return 1;
  }
  return 0;
}

/* A quoted Python string without escapes (all the header ever holds). */
static int parse_str(cursor *c, char *out, size_t size) {
  skip_space(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return 0;
  char quote = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != quote) {
    if (n + 1 >= size)
      return 0;
    out[n++] = *c->p++;
  }
  if (c->p >= c->end)
    return 0;
  ++c->p;
  out[n] = 0;
  return 1;
}

static int parse_word(cursor *c, const char *word) {
  skip_space(c);
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
    c->p += n;
    return 1;
  }
  return 0;
}

static int parse_shape(cursor *c, convc_tensor *t) {
  if (!accept(c, '('))
    return 0;
  t->rank = 0;
  for (;;) {
    if (accept(c, ')'))
      return 1;
    skip_space(c);
    if (c->p >= c->end || !isdigit((unsigned char)*c->p))
      return 0;
    int64_t v = 0;
    while (c->p < c->end && isdigit((unsigned char)*c->p)) {
      if (v > (INT64_MAX - 9) / 10)
        return 0;
      v = v * 10 + (*c->p++ - '0');
    }
    if (t->rank >= CONVC_MAX_RANK)
      return 0;
    t->shape[t->rank++] = v;
    if (!accept(c, ',')) {
      return accept(c, ')');
    }
  }
}

static convc_dtype dtype_of_descr(const char *d) {
  static const struct {
    const char *descr;
    convc_dtype dtype;
  } table[] = {{"f4", CONVC_F32}, {"f8", CONVC_F64}, {"f2", CONVC_F16},
               {"i1", CONVC_I8},  {"u1", CONVC_U8},  {"i2", CONVC_I16},
               {"i4", CONVC_I32}, {"i8", CONVC_I64}, {"b1", CONVC_BOOL}};
  if (d[0] != '<' && d[0] != '|' && d[0] != '=')
    return CONVC_DTYPE_INVALID;
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); ++i)
    if (strcmp(d + 1, table[i].descr) == 0)
      return table[i].dtype;
  return CONVC_DTYPE_INVALID;
}

static const char *descr_of_dtype(convc_dtype dtype) {
  switch (dtype) {
  case CONVC_F32:
    return "<f4";
  case CONVC_F64:
    return "<f8";
  case CONVC_F16:
    return "<f2";
  case CONVC_I8:
    return "|i1";
  case CONVC_U8:
    return "|u1";
  case CONVC_I16:
    return "<i2";
  case CONVC_I32:
    return "<i4";
  case CONVC_I64:
    return "<i8";
  case CONVC_BOOL:
    return "|b1";
  default:
    return NULL;
  }
}

#define NPY_ERROR(...) convc_status_make(CONVC_FORMAT_ERROR, __VA_ARGS__)

convc_status *convc_npy_parse(const void *bytes, size_t size, const char *what,
                              convc_tensor *out) {
  memset(out, 0, sizeof(*out));
  const unsigned char *b = bytes;
  if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
    return NPY_ERROR("%s: not a .npy file (bad magic)", what);
  unsigned major = b[6];
  size_t header_len, offset;
  if (major == 1) {
    header_len = (size_t)b[8] | (size_t)b[9] << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return NPY_ERROR("%s: truncated .npy header", what);
    header_len = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 |
                 (size_t)b[11] << 24;
    offset = 12;
  } else {
    return NPY_ERROR("%s: unsupported .npy version %u.%u", what, major, b[7]);
  }
  if (header_len > size - offset)
    return NPY_ERROR("%s: truncated .npy header (%zu bytes declared, %zu "
                     "present)",
                     what, header_len, size - offset);
  cursor c = {(const char *)b + offset, (const char *)b + offset + header_len};
  char descr[16] = "";
  int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0;
  convc_tensor t = {0};
  if (!accept(&c, '{'))
    return NPY_ERROR("%s: malformed .npy header (expected a dict)", what);
  while (!accept(&c, '}')) {
    char key[32];
    if (!parse_str(&c, key, sizeof(key)) || !accept(&c, ':'))
      return NPY_ERROR("%s: malformed .npy header", what);
    if (strcmp(key, "descr") == 0) {
      if (!parse_str(&c, descr, sizeof(descr)))
        return NPY_ERROR("%s: malformed 'descr' in .npy header", what);
      have_descr = 1;
    } else if (strcmp(key, "fortran_order") == 0) {
      if (parse_word(&c, "True"))
        fortran = 1;
      else if (!parse_word(&c, "False"))
        return NPY_ERROR("%s: malformed 'fortran_order' in .npy header", what);
      have_order = 1;
    } else if (strcmp(key, "shape") == 0) {
      if (!parse_shape(&c, &t))
        return NPY_ERROR("%s: malformed 'shape' in .npy header (at most %d "
                         "non-negative dimensions)",
                         what, CONVC_MAX_RANK);
      have_shape = 1;
    } else {
      return NPY_ERROR("%s: unknown key '%s' in .npy header", what, key);
    }
    if (!accept(&c, ',')) {
      if (!accept(&c, '}'))
        return NPY_ERROR("%s: malformed .npy header", what);
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape)
    return NPY_ERROR("%s: .npy header lacks 'descr', 'fortran_order' or "
                     "'shape'",
                     what);
  if (fortran)
    return NPY_ERROR("%s: Fortran-order arrays are not supported; save a "
                     "C-contiguous array (numpy.ascontiguousarray)",
                     what);
  t.dtype = dtype_of_descr(descr);
  if (t.dtype == CONVC_DTYPE_INVALID)
    return NPY_ERROR("%s: unsupported dtype '%s' (little-endian float, int, "
                     "uint8 or bool only)",
                     what, descr);
  size_t data_offset = offset + header_len;
  size_t elem = convc_dtype_size(t.dtype), numel = 1;
  for (int32_t i = 0; i < t.rank; ++i) {
    size_t d = (size_t)t.shape[i];
    if (d && numel > SIZE_MAX / elem / d)
      return NPY_ERROR("%s: shape too large", what);
    numel *= d;
  }
  size_t bytes_needed = numel * elem;
  if (bytes_needed != size - data_offset)
    return NPY_ERROR("%s: data is %zu bytes, but a %s array of %zu elements "
                     "needs %zu",
                     what, size - data_offset, convc_dtype_name(t.dtype), numel,
                     bytes_needed);
  t.data = malloc(bytes_needed ? bytes_needed : 1);
  if (!t.data)
    return convc_status_make(CONVC_OUT_OF_MEMORY, "%s: out of memory", what);
  memcpy(t.data, b + data_offset, bytes_needed);
  *out = t;
  return NULL;
}

convc_status *convc_npy_read(const char *path, convc_tensor *out) {
  unsigned char *data;
  size_t size;
  memset(out, 0, sizeof(*out));
  convc_status *s = convc_read_file(path, &data, &size);
  if (s)
    return s;
  s = convc_npy_parse(data, size, path, out);
  free(data);
  return s;
}

convc_status *convc_npy_write(const char *path, const convc_tensor *t) {
  const char *descr = descr_of_dtype(t->dtype);
  if (!descr || t->rank < 0 || t->rank > CONVC_MAX_RANK)
    return convc_status_make(CONVC_INVALID_ARGUMENT,
                             "%s: cannot write a tensor of this type", path);
  char header[512];
  int n = snprintf(header, sizeof(header),
                   "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int32_t i = 0; i < t->rank; ++i)
    n += snprintf(header + n, sizeof(header) - n, "%lld,%s",
                  (long long)t->shape[i], i + 1 < t->rank ? " " : "");
  n += snprintf(header + n, sizeof(header) - n, "), }");
  /* Pad with spaces so that the data starts on a 64-byte boundary. */
  size_t total = 10 + (size_t)n + 1;
  size_t padded = (total + 63) / 64 * 64;
  unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
  size_t header_len = padded - 10;
  prefix[8] = (unsigned char)(header_len & 0xff);
  prefix[9] = (unsigned char)(header_len >> 8);
  FILE *f = fopen(path, "wb");
  if (!f)
    return convc_status_make(CONVC_IO_ERROR, "%s: cannot open for writing",
                             path);
  size_t data_bytes = convc_tensor_numel(t) * convc_dtype_size(t->dtype);
  int ok = fwrite(prefix, 1, 10, f) == 10 &&
           fwrite(header, 1, (size_t)n, f) == (size_t)n;
  for (size_t i = 10 + (size_t)n; ok && i + 1 < padded; ++i)
    ok = fputc(' ', f) != EOF;
  ok = ok && fputc('\n', f) != EOF &&
       fwrite(t->data, 1, data_bytes, f) == data_bytes;
  if (fclose(f) != 0)
    ok = 0;
  if (!ok)
    return convc_status_make(CONVC_IO_ERROR, "%s: write failed", path);
  return NULL;
}
