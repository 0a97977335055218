/*===- file.c - whole-file reads shared by the runtime's readers ----------===*/

#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

convc_status *convc_read_file(const char *path, unsigned char **data,
                              size_t *size) {
  *data = NULL;
  *size = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return convc_status_make(CONVC_IO_ERROR, "%s: cannot open: %s", path,
                             strerror(errno));
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap)
      break;
    unsigned char *bigger = realloc(buf, cap * 2);
    if (!bigger) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = bigger;
    cap *= 2;
  }
  int failed = ferror(f);
  fclose(f);
  if (!buf)
    return convc_status_make(CONVC_OUT_OF_MEMORY, "%s: file too large", path);
  if (failed) {
    free(buf);
    return convc_status_make(CONVC_IO_ERROR, "%s: read error", path);
  }
  *data = buf;
  *size = n;
  return NULL;
}
