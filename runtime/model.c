/*===- model.c - checked calls into a compiled model ----------------------===*/

#include "convc/runtime.h"
#include "cuda_run.h"

#include <stdlib.h>

static convc_tensor tensor_of_info(const convc_tensor_info *info) {
  convc_tensor t = {0};
  t.dtype = (convc_dtype)info->dtype;
  t.rank = info->rank;
  for (int32_t i = 0; i < info->rank && i < CONVC_MAX_RANK; ++i)
    t.shape[i] = info->shape[i];
  return t;
}

static convc_status *check(const char *kind, const convc_tensor_info *info,
                           const convc_tensor *t) {
  if (!t)
    return convc_status_make(CONVC_INVALID_ARGUMENT, "%s '%s' is null", kind,
                             info->name);
  convc_tensor want = tensor_of_info(info);
  char got_s[160], want_s[160];
  convc_tensor_format_type(t, got_s, sizeof(got_s));
  convc_tensor_format_type(&want, want_s, sizeof(want_s));
  if (t->dtype != want.dtype)
    return convc_status_make(CONVC_DTYPE_MISMATCH,
                             "%s '%s': got %s, the model expects %s", kind,
                             info->name, got_s, want_s);
  int same = t->rank == want.rank;
  for (int32_t i = 0; same && i < t->rank; ++i)
    same = t->shape[i] == want.shape[i];
  if (!same)
    return convc_status_make(CONVC_SHAPE_MISMATCH,
                             "%s '%s': got %s, the model expects %s", kind,
                             info->name, got_s, want_s);
  if (!t->data)
    return convc_status_make(CONVC_INVALID_ARGUMENT, "%s '%s' has no data",
                             kind, info->name);
  return NULL;
}

convc_status *convc_model_check(const convc_model_info *model, int is_output,
                                int32_t index, const convc_tensor *tensor) {
  int32_t n = is_output ? model->num_outputs : model->num_inputs;
  if (index < 0 || index >= n)
    return convc_status_make(CONVC_INVALID_ARGUMENT,
                             "the model has no %s number %d",
                             is_output ? "output" : "input", index);
  return check(is_output ? "output" : "input",
               is_output ? &model->outputs[index] : &model->inputs[index],
               tensor);
}

convc_status *convc_model_alloc_outputs(const convc_model_info *model,
                                        convc_tensor *outputs) {
  for (int32_t i = 0; i < model->num_outputs; ++i) {
    const convc_tensor_info *info = &model->outputs[i];
    convc_status *s = convc_tensor_alloc(&outputs[i], (convc_dtype)info->dtype,
                                         info->rank, info->shape);
    if (s) {
      for (int32_t j = 0; j < i; ++j)
        convc_tensor_free(&outputs[j]);
      return s;
    }
  }
  return NULL;
}

convc_status *convc_model_run(const convc_model_info *model,
                              const convc_tensor *inputs,
                              convc_tensor *outputs) {
  if (!model || (model->num_inputs && !inputs) ||
      (model->num_outputs && !outputs))
    return convc_status_make(CONVC_INVALID_ARGUMENT,
                             "convc_model_run: null model or tensor array");
  int32_t n = model->num_inputs + model->num_outputs;
  void **buffers = malloc(sizeof(void *) * (size_t)(n ? n : 1));
  size_t *bytes = malloc(sizeof(size_t) * (size_t)(n ? n : 1));
  if (!buffers || !bytes) {
    free(buffers);
    free(bytes);
    return convc_status_make(CONVC_OUT_OF_MEMORY, "out of memory");
  }
  for (int32_t i = 0; i < n; ++i) {
    int is_input = i < model->num_inputs;
    const convc_tensor_info *info =
        is_input ? &model->inputs[i] : &model->outputs[i - model->num_inputs];
    const convc_tensor *t =
        is_input ? &inputs[i] : &outputs[i - model->num_inputs];
    convc_status *s = check(is_input ? "input" : "output", info, t);
    if (s) {
      free(buffers);
      free(bytes);
      return s;
    }
    buffers[i] = t->data;
    bytes[i] = convc_tensor_numel(t) * convc_dtype_size(t->dtype);
  }
  convc_status *s = NULL;
  if (model->device == CONVC_DEVICE_CUDA)
    s = convc_cuda_run(model, buffers, bytes);
  else
    model->run(buffers);
  free(buffers);
  free(bytes);
  return s;
}
