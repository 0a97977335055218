/*===- profile.c - per-layer timing ----------------------------------------===*
 *
 * Compiled models bracket each layer's loop nests with convc_profile_enter
 * and convc_profile_exit (the convc-profile-layers pass), from the thread
 * that calls the model. While profiling is off, they return at once.
 *
 *===----------------------------------------------------------------------===*/

#include "convc/runtime.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
  int on;
  int32_t count; /* layers with room in the arrays below */
  double *ms;
  int64_t *runs;
  double started;
} prof;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Room for `layer`; 0 when out of memory (that layer goes untimed). */
static int room(int32_t layer) {
  if (layer < prof.count)
    return 1;
  int32_t count = layer + 64;
  double *ms = realloc(prof.ms, (size_t)count * sizeof *ms);
  if (ms)
    prof.ms = ms;
  int64_t *runs = realloc(prof.runs, (size_t)count * sizeof *runs);
  if (runs)
    prof.runs = runs;
  if (!ms || !runs)
    return 0;
  memset(ms + prof.count, 0, (size_t)(count - prof.count) * sizeof *ms);
  memset(runs + prof.count, 0, (size_t)(count - prof.count) * sizeof *runs);
  prof.count = count;
  return 1;
}

void convc_profile_start(void) {
  if (prof.count) {
    memset(prof.ms, 0, (size_t)prof.count * sizeof *prof.ms);
    memset(prof.runs, 0, (size_t)prof.count * sizeof *prof.runs);
  }
  prof.on = 1;
}

void convc_profile_stop(void) { prof.on = 0; }

double convc_profile_layer_ms(int32_t layer, int64_t *runs) {
  int known = layer >= 0 && layer < prof.count;
  if (runs)
    *runs = known ? prof.runs[layer] : 0;
  return known ? prof.ms[layer] : 0.0;
}

void convc_profile_enter(int32_t layer) {
  if (prof.on)
    prof.started = now_ms();
}

void convc_profile_exit(int32_t layer) {
  if (!prof.on || layer < 0 || !room(layer))
    return;
  prof.ms[layer] += now_ms() - prof.started;
  ++prof.runs[layer];
}
