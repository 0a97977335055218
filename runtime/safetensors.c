/*===- safetensors.c - the safetensors weight-file reader -----------------===*
 *
 * The format: an 8-byte little-endian header size, a JSON object mapping
 * each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
 * (plus an optional "__metadata__" object), then the raw little-endian data.
 * Every offset and size is checked against the file before it is used.
 *
 *===----------------------------------------------------------------------===*/

#include "file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *name;
  convc_dtype dtype;
  int32_t rank;
  int64_t shape[CONVC_MAX_RANK];
  uint64_t begin, end;
} entry;

struct convc_safetensors {
  unsigned char *bytes; /* the whole file */
  const unsigned char *data;
  size_t data_size;
  entry *entries;
  size_t count;
};

/*--- A small JSON reader, just enough for the header ----------------------*/

typedef struct {
  const char *p, *end;
  const char *what;
  convc_status *error;
} json;

#define MAX_DEPTH 64

static int fail(json *j, const char *msg) {
  if (!j->error)
    j->error =
        convc_status_make(CONVC_FORMAT_ERROR,
                          "%s: malformed safetensors header: %s", j->what, msg);
  return 0;
}

static void ws(json *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    ++j->p;
}

static int eat(json *j, char c) {
  ws(j);
  if (j->p < j->end && *j->p == c) {
    ++j->p;
    return 1;
  }
  return 0;
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return 0;
  }
  *out = v;
  return 1;
}

/* Parses a string; returns a malloc'd copy (UTF-8) or NULL on error. */
static char *string(json *j) {
  ws(j);
  if (j->p >= j->end || *j->p != '"')
    return fail(j, "expected a string"), NULL;
  ++j->p;
  size_t cap = 16, n = 0;
  char *s = malloc(cap);
  while (s) {
    if (j->p >= j->end) {
      free(s);
      return fail(j, "unterminated string"), NULL;
    }
    unsigned char c = (unsigned char)*j->p++;
    if (c == '"')
      break;
    if (c < 0x20) {
      free(s);
      return fail(j, "control character in string"), NULL;
    }
    unsigned cp = c;
    if (c == '\\') {
      if (j->p >= j->end) {
        free(s);
        return fail(j, "unterminated escape"), NULL;
      }
      char e = *j->p++;
      switch (e) {
      case '"':
        cp = '"';
        break;
      case '\\':
        cp = '\\';
        break;
      case '/':
        cp = '/';
        break;
      case 'b':
        cp = '\b';
        break;
      case 'f':
        cp = '\f';
        break;
      case 'n':
        cp = '\n';
        break;
      case 'r':
        cp = '\r';
        break;
      case 't':
        cp = '\t';
        break;
      case 'u':
        if (j->end - j->p < 4 || !hex4(j->p, &cp)) {
          free(s);
          return fail(j, "bad \\u escape"), NULL;
        }
        j->p += 4;
        break;
      default:
        free(s);
        return fail(j, "bad escape"), NULL;
      }
    }
    if (n + 4 >= cap) {
      char *t = realloc(s, cap *= 2);
      if (!t) {
        free(s);
        s = NULL;
        break;
      }
      s = t;
    }
    if (c == '\\' && cp >= 0x80) { /* encode the escaped code unit */
      if (cp < 0x800) {
        s[n++] = (char)(0xC0 | (cp >> 6));
      } else {
        s[n++] = (char)(0xE0 | (cp >> 12));
        s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
      }
      s[n++] = (char)(0x80 | (cp & 0x3F));
    } else {
      s[n++] = (char)cp;
    }
  }
  if (!s)
    return fail(j, "out of memory"), NULL;
  s[n] = 0;
  return s;
}

static int uint_value(json *j, uint64_t *out) {
  ws(j);
  if (j->p >= j->end || *j->p < '0' || *j->p > '9')
    return fail(j, "expected a non-negative integer");
  uint64_t v = 0;
  while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
    unsigned d = (unsigned)(*j->p++ - '0');
    if (v > (UINT64_MAX - d) / 10)
      return fail(j, "integer too large");
    v = v * 10 + d;
  }
  if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
    return fail(j, "expected an integer");
  *out = v;
  return 1;
}

/* Skips any JSON value (for "__metadata__" and unknown fields). */
static int skip_value(json *j, int depth) {
  if (depth > MAX_DEPTH)
    return fail(j, "nested too deeply");
  ws(j);
  if (j->p >= j->end)
    return fail(j, "unexpected end");
  char c = *j->p;
  if (c == '"') {
    char *s = string(j);
    free(s);
    return s != NULL;
  }
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    ++j->p;
    if (eat(j, close))
      return 1;
    do {
      if (c == '{') {
        char *k = string(j);
        if (!k)
          return 0;
        free(k);
        if (!eat(j, ':'))
          return fail(j, "expected ':'");
      }
      if (!skip_value(j, depth + 1))
        return 0;
    } while (eat(j, ','));
    return eat(j, close) ? 1 : fail(j, "expected ',' or a closing bracket");
  }
  const char *start = j->p;
  while (j->p < j->end &&
         (strchr("+-.eE", *j->p) || (*j->p >= '0' && *j->p <= '9') ||
          (*j->p >= 'a' && *j->p <= 'z')))
    ++j->p;
  return j->p > start ? 1 : fail(j, "unexpected character");
}

static convc_dtype dtype_of_name(const char *s) {
  static const struct {
    const char *name;
    convc_dtype dtype;
  } table[] = {{"F32", CONVC_F32},   {"F64", CONVC_F64}, {"F16", CONVC_F16},
               {"BF16", CONVC_BF16}, {"I8", CONVC_I8},   {"U8", CONVC_U8},
               {"I16", CONVC_I16},   {"I32", CONVC_I32}, {"I64", CONVC_I64},
               {"BOOL", CONVC_BOOL}};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); ++i)
    if (strcmp(s, table[i].name) == 0)
      return table[i].dtype;
  return CONVC_DTYPE_INVALID;
}

static int tensor_entry(json *j, entry *e) {
  int have_dtype = 0, have_shape = 0, have_offsets = 0;
  if (!eat(j, '{'))
    return fail(j, "a tensor entry must be an object");
  if (!eat(j, '}')) {
    do {
      char *key = string(j);
      if (!key)
        return 0;
      int ok = eat(j, ':') ? 1 : fail(j, "expected ':'");
      if (ok && strcmp(key, "dtype") == 0) {
        char *d = string(j);
        ok = d != NULL;
        if (ok) {
          e->dtype = dtype_of_name(d);
          if (e->dtype == CONVC_DTYPE_INVALID) {
            char msg[96];
            snprintf(msg, sizeof(msg), "unsupported dtype \"%.40s\"", d);
            ok = fail(j, msg);
          }
          free(d);
        }
        have_dtype = 1;
      } else if (ok && strcmp(key, "shape") == 0) {
        ok = eat(j, '[') ? 1 : fail(j, "\"shape\" must be a list");
        e->rank = 0;
        if (ok && !eat(j, ']')) {
          do {
            uint64_t d;
            if (e->rank >= CONVC_MAX_RANK) {
              ok = fail(j, "tensor rank above 8");
              break;
            }
            if (!(ok = uint_value(j, &d)))
              break;
            if (d > (uint64_t)INT64_MAX) {
              ok = fail(j, "dimension too large");
              break;
            }
            e->shape[e->rank++] = (int64_t)d;
          } while (eat(j, ','));
          if (ok && !eat(j, ']'))
            ok = fail(j, "expected ']' after the shape");
        }
        have_shape = 1;
      } else if (ok && strcmp(key, "data_offsets") == 0) {
        ok = (eat(j, '[') || fail(j, "\"data_offsets\" must be a list")) &&
             uint_value(j, &e->begin) &&
             (eat(j, ',') || fail(j, "\"data_offsets\" needs two entries")) &&
             uint_value(j, &e->end) &&
             (eat(j, ']') || fail(j, "\"data_offsets\" needs two entries"));
        have_offsets = 1;
      } else if (ok) {
        ok = skip_value(j, 1);
      }
      free(key);
      if (!ok)
        return 0;
    } while (eat(j, ','));
    if (!eat(j, '}'))
      return fail(j, "expected ',' or '}' in a tensor entry");
  }
  if (!have_dtype || !have_shape || !have_offsets)
    return fail(j, "a tensor entry lacks \"dtype\", \"shape\" or "
                   "\"data_offsets\"");
  return 1;
}

static convc_status *check_entry(const char *what, const entry *e,
                                 size_t data_size) {
  uint64_t numel = 1, elem = convc_dtype_size(e->dtype);
  for (int32_t i = 0; i < e->rank; ++i) {
    uint64_t d = (uint64_t)e->shape[i];
    if (d && numel > UINT64_MAX / elem / d)
      return convc_status_make(CONVC_FORMAT_ERROR,
                               "%s: tensor '%s' has too many elements", what,
                               e->name);
    numel *= d;
  }
  if (e->begin > e->end || e->end > data_size)
    return convc_status_make(
        CONVC_FORMAT_ERROR,
        "%s: tensor '%s' has data_offsets [%llu, %llu] outside the %zu data "
        "bytes (truncated file?)",
        what, e->name, (unsigned long long)e->begin, (unsigned long long)e->end,
        data_size);
  if (e->end - e->begin != numel * elem)
    return convc_status_make(
        CONVC_FORMAT_ERROR,
        "%s: tensor '%s' has %llu data bytes, but its shape and dtype need "
        "%llu",
        what, e->name, (unsigned long long)(e->end - e->begin),
        (unsigned long long)(numel * elem));
  return NULL;
}

static convc_status *parse_header(convc_safetensors *st, const char *header,
                                  size_t len, const char *what) {
  json j = {header, header + len, what, NULL};
  size_t cap = 0;
  if (!eat(&j, '{')) {
    fail(&j, "expected a JSON object");
    return j.error;
  }
  if (!eat(&j, '}')) {
    do {
      char *name = string(&j);
      if (!name)
        return j.error;
      if (!eat(&j, ':')) {
        free(name);
        fail(&j, "expected ':'");
        return j.error;
      }
      if (strcmp(name, "__metadata__") == 0) {
        free(name);
        if (!skip_value(&j, 1))
          return j.error;
        continue;
      }
      for (size_t i = 0; i < st->count; ++i)
        if (strcmp(st->entries[i].name, name) == 0) {
          convc_status *s = convc_status_make(
              CONVC_FORMAT_ERROR, "%s: tensor '%s' appears twice", what, name);
          free(name);
          return s;
        }
      if (st->count == cap) {
        size_t ncap = cap ? cap * 2 : 16;
        entry *grown = realloc(st->entries, ncap * sizeof(entry));
        if (!grown) {
          free(name);
          return convc_status_make(CONVC_OUT_OF_MEMORY, "%s: out of memory",
                                   what);
        }
        st->entries = grown;
        cap = ncap;
      }
      entry *e = &st->entries[st->count++];
      memset(e, 0, sizeof(*e));
      e->name = name;
      if (!tensor_entry(&j, e))
        return j.error;
      convc_status *s = check_entry(what, e, st->data_size);
      if (s)
        return s;
    } while (eat(&j, ','));
    if (!eat(&j, '}')) {
      fail(&j, "expected ',' or '}'");
      return j.error;
    }
  }
  ws(&j);
  if (j.p != j.end) {
    fail(&j, "trailing characters after the JSON object");
    return j.error;
  }
  return NULL;
}

/*--- Public API -----------------------------------------------------------*/

static convc_status *parse_owned(unsigned char *bytes, size_t size,
                                 const char *what, convc_safetensors **out) {
  *out = NULL;
  convc_safetensors *st = calloc(1, sizeof(*st));
  if (!st) {
    free(bytes);
    return convc_status_make(CONVC_OUT_OF_MEMORY, "%s: out of memory", what);
  }
  st->bytes = bytes;
  if (size < 8) {
    convc_safetensors_close(st);
    return convc_status_make(CONVC_FORMAT_ERROR,
                             "%s: not a safetensors file (%zu bytes)", what,
                             size);
  }
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i)
    header_len = header_len << 8 | bytes[i];
  if (header_len > size - 8) {
    convc_safetensors_close(st);
    return convc_status_make(CONVC_FORMAT_ERROR,
                             "%s: header size %llu exceeds the file size %zu "
                             "(truncated or not a safetensors file)",
                             what, (unsigned long long)header_len, size);
  }
  st->data = bytes + 8 + header_len;
  st->data_size = size - 8 - (size_t)header_len;
  convc_status *s =
      parse_header(st, (const char *)bytes + 8, (size_t)header_len, what);
  if (s) {
    convc_safetensors_close(st);
    return s;
  }
  *out = st;
  return NULL;
}

convc_status *convc_safetensors_parse(const void *bytes, size_t size,
                                      const char *what,
                                      convc_safetensors **out) {
  unsigned char *copy = malloc(size ? size : 1);
  if (!copy)
    return convc_status_make(CONVC_OUT_OF_MEMORY, "%s: out of memory", what);
  if (size)
    memcpy(copy, bytes, size);
  return parse_owned(copy, size, what, out);
}

convc_status *convc_safetensors_open(const char *path,
                                     convc_safetensors **out) {
  unsigned char *bytes;
  size_t size;
  *out = NULL;
  convc_status *s = convc_read_file(path, &bytes, &size);
  if (s)
    return s;
  return parse_owned(bytes, size, path, out);
}

size_t convc_safetensors_count(const convc_safetensors *st) {
  return st->count;
}

const char *convc_safetensors_name(const convc_safetensors *st, size_t i) {
  return i < st->count ? st->entries[i].name : NULL;
}

convc_status *convc_safetensors_get(const convc_safetensors *st,
                                    const char *name, convc_tensor *out) {
  memset(out, 0, sizeof(*out));
  for (size_t i = 0; i < st->count; ++i) {
    const entry *e = &st->entries[i];
    if (strcmp(e->name, name) != 0)
      continue;
    out->dtype = e->dtype;
    out->rank = e->rank;
    memcpy(out->shape, e->shape, sizeof(out->shape));
    out->data = (void *)(uintptr_t)(st->data + e->begin);
    return NULL;
  }
  return convc_status_make(CONVC_NOT_FOUND, "no tensor named '%s'", name);
}

void convc_safetensors_close(convc_safetensors *st) {
  if (!st)
    return;
  for (size_t i = 0; i < st->count; ++i)
    free(st->entries[i].name);
  free(st->entries);
  free(st->bytes);
  free(st);
}
