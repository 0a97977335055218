/*===- file.h - whole-file reads shared by the runtime's readers ----------===*/

#ifndef CONVC_RUNTIME_FILE_H
#define CONVC_RUNTIME_FILE_H

#include "convc/runtime.h"

/* Reads `path` into a malloc'd buffer (free it with free()). */
convc_status *convc_read_file(const char *path, unsigned char **data,
                              size_t *size);

#endif /* CONVC_RUNTIME_FILE_H */
