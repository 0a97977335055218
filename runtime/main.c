/*===- main.c - the command line of a model compiled with --emit=exe ------===*
 *
 *   ./model --input x=in.npy --output y=out.npy [--bench N] [--threads N]
 *           [--profile]
 *
 * Inputs come from .npy files; an output without --output is summarised on
 * stdout. Every error is one line on stderr and a non-zero exit.
 *
 *===----------------------------------------------------------------------===*/

#include "convc/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const convc_model_info convc_model;
/* From the OpenMP runtime every executable is linked with. */
void omp_set_num_threads(int threads);

static void usage(FILE *f, const char *argv0) {
  fprintf(f,
          "usage: %s [--input NAME=FILE]... [--output NAME=FILE]... "
          "[--bench N] [--threads N] [--profile]\n\n"
          "--threads N runs the model on N threads (default: OMP_NUM_THREADS,\n"
          "or one per core).\n"
          "--profile prints the time of each layer (fused layers together),\n"
          "averaged over the --bench runs (or one run).\n"
          "FILE is .npy, or an image (.png, .jpg, .bmp in; .png out) for a\n"
          "tensor [1, C, H, W] ([1, H, W, C] if nhwc) with C = 1, 3 or 4\n"
          "and values in [0, 1].\n\n"
          "model '%s'\n",
          argv0, convc_model.name);
  for (int i = 0; i < convc_model.num_inputs + convc_model.num_outputs; ++i) {
    int in = i < convc_model.num_inputs;
    const convc_tensor_info *info =
        in ? &convc_model.inputs[i]
           : &convc_model.outputs[i - convc_model.num_inputs];
    fprintf(f, "  %-6s %s: %s[", in ? "input" : "output", info->name,
            convc_dtype_name((convc_dtype)info->dtype));
    for (int d = 0; d < info->rank; ++d)
      fprintf(f, "%s%lld", d ? ", " : "", (long long)info->shape[d]);
    fprintf(f, "]%s\n", info->layout == CONVC_NHWC ? " nhwc" : "");
  }
}

/* Finds the tensor that NAME=FILE (or FILE alone, with one tensor) names. */
static int bind(const char *arg, const convc_tensor_info *infos, int n,
                const char *kind, const char **files) {
  const char *eq = strchr(arg, '=');
  if (!eq) {
    if (n != 1) {
      fprintf(stderr, "error: the model has %d %ss; write --%s NAME=FILE\n", n,
              kind, kind);
      return 0;
    }
    files[0] = arg;
    return 1;
  }
  for (int i = 0; i < n; ++i)
    if (strlen(infos[i].name) == (size_t)(eq - arg) &&
        strncmp(infos[i].name, arg, (size_t)(eq - arg)) == 0) {
      files[i] = eq + 1;
      return 1;
    }
  fprintf(stderr, "error: the model has no %s named '%.*s'\n", kind,
          (int)(eq - arg), arg);
  return 0;
}

static double element(const convc_tensor *t, size_t i) {
  return t->dtype == CONVC_I64 ? (double)((const int64_t *)t->data)[i]
                               : (double)((const float *)t->data)[i];
}

static void summarise(const convc_tensor_info *info, const convc_tensor *t) {
  char type[160];
  convc_tensor_format_type(t, type, sizeof(type));
  size_t n = convc_tensor_numel(t), shown = n < 16 ? n : 16;
  printf("%s: %s = [", info->name, type);
  for (size_t i = 0; i < shown; ++i)
    printf("%s%.6g", i ? ", " : "", element(t, i));
  printf("%s]\n", shown < n ? ", ..." : "");
  if (n > 1) {
    double sum = 0, lo = element(t, 0), hi = lo;
    size_t arg = 0;
    for (size_t i = 0; i < n; ++i) {
      double v = element(t, i);
      sum += v;
      if (v < lo)
        lo = v;
      if (v > hi) {
        hi = v;
        arg = i;
      }
    }
    printf("  min %.6g, max %.6g (at flat index %zu), mean %.6g\n", lo, hi, arg,
           sum / (double)n);
  }
}

static int has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  if (n < m)
    return 0;
  for (size_t i = 0; i < m; ++i) {
    char c = s[n - m + i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != suffix[i])
      return 0;
  }
  return 1;
}

static int is_image(const char *path) {
  return has_suffix(path, ".png") || has_suffix(path, ".jpg") ||
         has_suffix(path, ".jpeg") || has_suffix(path, ".bmp");
}

/* Reorders a [1, C, H, W] tensor to [1, H, W, C] (to_nhwc) or back. */
static convc_status *relayout(convc_tensor *t, int to_nhwc) {
  convc_tensor out;
  int64_t c = to_nhwc ? t->shape[1] : t->shape[3];
  int64_t h = to_nhwc ? t->shape[2] : t->shape[1];
  int64_t w = to_nhwc ? t->shape[3] : t->shape[2];
  int64_t shape[4] = {1, to_nhwc ? h : c, to_nhwc ? w : h, to_nhwc ? c : w};
  convc_status *s = convc_tensor_alloc(&out, CONVC_F32, 4, shape);
  if (s)
    return s;
  const float *src = t->data;
  float *dst = out.data;
  for (int64_t ci = 0; ci < c; ++ci)
    for (int64_t p = 0; p < h * w; ++p) {
      if (to_nhwc)
        dst[p * c + ci] = src[ci * h * w + p];
      else
        dst[ci * h * w + p] = src[p * c + ci];
    }
  convc_tensor_free(t);
  *t = out;
  return NULL;
}

/* Reads an input: an image in the model's layout, or .npy. */
static convc_status *read_input(const char *path, const convc_tensor_info *info,
                                convc_tensor *out) {
  if (!is_image(path))
    return convc_npy_read(path, out);
  if (info->rank != 4 || info->shape[0] != 1)
    return convc_status_make(CONVC_INVALID_ARGUMENT,
                             "%s: an image fills an input of shape "
                             "[1, C, H, W] (or [1, H, W, C] for nhwc), and "
                             "'%s' has rank %d",
                             path, info->name, info->rank);
  int nhwc = info->layout == CONVC_NHWC;
  convc_status *s = convc_image_read(path, (int)info->shape[nhwc ? 3 : 1], out);
  return s || !nhwc ? s : relayout(out, 1);
}

/* Writes an output: a PNG (from either layout) or .npy. */
static convc_status *
write_output(const char *path, const convc_tensor_info *info, convc_tensor *t) {
  if (!has_suffix(path, ".png"))
    return convc_npy_write(path, t);
  if (info->layout == CONVC_NHWC && t->rank == 4) {
    convc_status *s = relayout(t, 0);
    if (s)
      return s;
  }
  return convc_png_write(path, t);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Parses the command line into the files and the bench count; returns an
 * exit code, 0 to go on, or -1 for --help. */
static int parse_args(int argc, char **argv, const convc_model_info *m,
                      const char **in_files, const char **out_files,
                      long *bench, int *profile) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout, argv[0]);
      return -1;
    }
    if (strcmp(a, "--profile") == 0) {
      *profile = 1;
      continue;
    }
    int is_in = strcmp(a, "--input") == 0, is_out = strcmp(a, "--output") == 0;
    int is_bench = strcmp(a, "--bench") == 0;
    int is_threads = strcmp(a, "--threads") == 0;
    if ((is_in || is_out || is_bench || is_threads) && i + 1 >= argc) {
      fprintf(stderr, "error: %s needs a value\n", a);
      return 2;
    }
    if (is_in) {
      if (!bind(argv[++i], m->inputs, m->num_inputs, "input", in_files))
        return 2;
    } else if (is_out) {
      if (!bind(argv[++i], m->outputs, m->num_outputs, "output", out_files))
        return 2;
    } else if (is_bench || is_threads) {
      char *end;
      long n = strtol(argv[++i], &end, 10);
      if (*end || n <= 0 || n > 4096) {
        fprintf(stderr, "error: %s needs a count from 1 to 4096, got '%s'\n",
                a, argv[i]);
        return 2;
      }
      if (is_bench)
        *bench = n;
      else
        omp_set_num_threads((int)n);
    } else {
      fprintf(stderr, "error: unknown argument '%s' (see --help)\n", a);
      return 2;
    }
  }
  for (int i = 0; i < m->num_inputs; ++i)
    if (!in_files[i]) {
      fprintf(stderr, "error: no --input given for '%s' (see --help)\n",
              m->inputs[i].name);
      return 2;
    }
  return 0;
}

/* Runs the model --bench times and prints the median and the minimum. */
static convc_status *benchmark(const convc_model_info *m,
                               const convc_tensor *inputs,
                               convc_tensor *outputs, long runs) {
  double *t = malloc(sizeof(double) * (size_t)runs);
  if (!t)
    return convc_status_make(CONVC_OUT_OF_MEMORY, "out of memory");
  convc_status *s = NULL;
  for (long r = 0; r < runs && !s; ++r) {
    double t0 = now_ms();
    s = convc_model_run(m, inputs, outputs);
    t[r] = now_ms() - t0;
  }
  if (!s) {
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    printf("%s: %ld runs, median %.3f ms, min %.3f ms\n", m->name, runs,
           t[runs / 2], t[0]);
  }
  free(t);
  return s;
}

/* Runs the model `runs` times with per-layer timing and prints, for each
 * layer, its time per run and share of the model's time. */
static convc_status *profile_layers(const convc_model_info *m,
                                    const convc_tensor *inputs,
                                    convc_tensor *outputs, long runs) {
  convc_status *s = NULL;
  convc_profile_start();
  double t0 = now_ms();
  for (long r = 0; r < runs && !s; ++r)
    s = convc_model_run(m, inputs, outputs);
  double model = (now_ms() - t0) / (double)runs;
  convc_profile_stop();
  if (s)
    return s;
  printf("profile of '%s', ms per run over %ld run%s:\n", m->name, runs,
         runs == 1 ? "" : "s");
  double layers = 0;
  for (int32_t i = 0; i < m->num_layers; ++i) {
    double ms = convc_profile_layer_ms(i, NULL) / (double)runs;
    layers += ms;
    printf("%10.3f %6.1f%%  %s\n", ms, model > 0 ? 100 * ms / model : 0.0,
           m->layers[i]);
  }
  printf("%10.3f %6.1f%%  (the layers)\n%10.3f %6.1f%%  (the model)\n", layers,
         model > 0 ? 100 * layers / model : 0.0, model, 100.0);
  return NULL;
}

int main(int argc, char **argv) {
  const convc_model_info *m = &convc_model;
  size_t nin = (size_t)m->num_inputs + 1, nout = (size_t)m->num_outputs + 1;
  const char **in_files = calloc(nin, sizeof(char *));
  const char **out_files = calloc(nout, sizeof(char *));
  convc_tensor *inputs = calloc(nin, sizeof(convc_tensor));
  convc_tensor *outputs = calloc(nout, sizeof(convc_tensor));
  long bench = 0;
  int profile = 0;
  int rc = 1;
  convc_status *s = NULL;
  if (!in_files || !out_files || !inputs || !outputs) {
    fprintf(stderr, "error: out of memory\n");
    goto done;
  }
  rc = parse_args(argc, argv, m, in_files, out_files, &bench, &profile);
  if (rc != 0) {
    rc = rc < 0 ? 0 : rc;
    goto done;
  }
  rc = 1;
  for (int i = 0; i < m->num_inputs; ++i) {
    s = read_input(in_files[i], &m->inputs[i], &inputs[i]);
    if (s)
      goto done;
    convc_status *c = convc_model_check(m, 0, i, &inputs[i]);
    if (c) {
      fprintf(stderr, "error: %s: %s\n", in_files[i], convc_status_message(c));
      convc_status_free(c);
      goto done;
    }
  }
  s = convc_model_alloc_outputs(m, outputs);
  if (!s)
    s = convc_model_run(m, inputs, outputs);
  if (!s && profile)
    s = profile_layers(m, inputs, outputs, bench ? bench : 1);
  else if (!s && bench)
    s = benchmark(m, inputs, outputs, bench);
  for (int i = 0; i < m->num_outputs && !s; ++i) {
    if (out_files[i])
      s = write_output(out_files[i], &m->outputs[i], &outputs[i]);
    else if (!bench && !profile)
      summarise(&m->outputs[i], &outputs[i]);
  }
  if (!s)
    rc = 0;
done:
  if (s) {
    fprintf(stderr, "error: %s\n", convc_status_message(s));
    convc_status_free(s);
  }
  for (int i = 0; inputs && i < m->num_inputs; ++i)
    convc_tensor_free(&inputs[i]);
  for (int i = 0; outputs && i < m->num_outputs; ++i)
    convc_tensor_free(&outputs[i]);
  free(inputs);
  free(outputs);
  free(in_files);
  free(out_files);
  return rc;
}
