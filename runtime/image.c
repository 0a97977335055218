/*===- image.c - PNG (and other stb formats) in and out of tensors ---------===*
 *
 * Images map to float tensors of shape [1, C, H, W] (NCHW) with values in
 * [0, 1]: 8-bit sample v becomes v / 255. Reading converts to the channel
 * count asked for (1 = luminance, 3 = RGB, 4 = RGBA) as stb_image does;
 * writing clamps to [0, 1] and rounds to 8 bits.
 *
 *===----------------------------------------------------------------------===*/

#include "convc/runtime.h"
#include "file.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

static convc_status *from_pixels(unsigned char *pixels, int w, int h,
                                 int channels, const char *what,
                                 convc_tensor *out) {
  if (!pixels)
    return convc_status_make(CONVC_FORMAT_ERROR, "%s: cannot decode image: %s",
                             what, stbi_failure_reason());
  int64_t shape[4] = {1, channels, h, w};
  convc_status *s = convc_tensor_alloc(out, CONVC_F32, 4, shape);
  if (s) {
    stbi_image_free(pixels);
    return s;
  }
  float *data = out->data;
  size_t plane = (size_t)w * (size_t)h;
  for (size_t p = 0; p < plane; ++p)
    for (int c = 0; c < channels; ++c)
      data[(size_t)c * plane + p] =
          pixels[p * (size_t)channels + (size_t)c] / 255.0f;
  stbi_image_free(pixels);
  return NULL;
}

static convc_status *check_channels(int channels, const char *what) {
  if (channels != 1 && channels != 3 && channels != 4)
    return convc_status_make(CONVC_INVALID_ARGUMENT,
                             "%s: images have 1, 3 or 4 channels, not %d", what,
                             channels);
  return NULL;
}

/* The most pixels `size` bytes of an image can hold. A header may claim
 * far more than the file holds (stb fills the rest), and decoding would take
 * the memory and time of the claim. PNG, GIF and JPEG compress: at most 8
 * pixels a byte times deflate's ~1032:1. The other formats are raw or
 * run-length coded: at most 128 pixels a byte. */
static double max_pixels(const void *bytes, size_t size) {
  const unsigned char *b = bytes;
  int compressed = (size >= 4 && memcmp(b, "\x89PNG", 4) == 0) ||
                   (size >= 4 && memcmp(b, "GIF8", 4) == 0) ||
                   (size >= 2 && b[0] == 0xff && b[1] == 0xd8);
  return (double)size * (compressed ? 8256.0 : 128.0) + 65536.0;
}

convc_status *convc_image_parse(const void *bytes, size_t size,
                                const char *what, int channels,
                                convc_tensor *out) {
  memset(out, 0, sizeof(*out));
  convc_status *s = check_channels(channels, what);
  if (s)
    return s;
  if (size > INT_MAX)
    return convc_status_make(CONVC_FORMAT_ERROR, "%s: image file too large",
                             what);
  int w, h, n;
  if (stbi_info_from_memory(bytes, (int)size, &w, &h, &n) &&
      (double)w * (double)h > max_pixels(bytes, size))
    return convc_status_make(CONVC_FORMAT_ERROR,
                             "%s: the header claims %d x %d pixels, more than "
                             "%zu bytes can hold",
                             what, w, h, size);
  unsigned char *pixels =
      stbi_load_from_memory(bytes, (int)size, &w, &h, &n, channels);
  return from_pixels(pixels, w, h, channels, what, out);
}

convc_status *convc_image_read(const char *path, int channels,
                               convc_tensor *out) {
  memset(out, 0, sizeof(*out));
  convc_status *s = check_channels(channels, path);
  if (s)
    return s;
  unsigned char *bytes;
  size_t size;
  s = convc_read_file(path, &bytes, &size);
  if (s)
    return s;
  s = convc_image_parse(bytes, size, path, channels, out);
  free(bytes);
  return s;
}

convc_status *convc_png_write(const char *path, const convc_tensor *t) {
  if (t->dtype != CONVC_F32 || t->rank != 4 || t->shape[0] != 1)
    return convc_status_make(CONVC_INVALID_ARGUMENT,
                             "%s: a PNG holds a float32 tensor of shape "
                             "[1, C, H, W]",
                             path);
  int channels = (int)t->shape[1];
  convc_status *s = check_channels(channels, path);
  if (s)
    return s;
  if (t->shape[2] > INT_MAX / 4 || t->shape[3] > INT_MAX / 4)
    return convc_status_make(CONVC_INVALID_ARGUMENT, "%s: image too large",
                             path);
  int h = (int)t->shape[2], w = (int)t->shape[3];
  size_t plane = (size_t)w * (size_t)h;
  unsigned char *pixels = malloc(plane * (size_t)channels + 1);
  if (!pixels)
    return convc_status_make(CONVC_OUT_OF_MEMORY, "%s: out of memory", path);
  const float *data = t->data;
  for (size_t p = 0; p < plane; ++p)
    for (int c = 0; c < channels; ++c) {
      float v = data[(size_t)c * plane + p];
      v = isnan(v) ? 0.0f : v < 0 ? 0.0f : v > 1 ? 1.0f : v;
      pixels[p * (size_t)channels + (size_t)c] =
          (unsigned char)lrintf(v * 255.0f);
    }
  int ok = stbi_write_png(path, w, h, channels, pixels, w * channels);
  free(pixels);
  if (!ok)
    return convc_status_make(CONVC_IO_ERROR, "%s: cannot write PNG", path);
  return NULL;
}
