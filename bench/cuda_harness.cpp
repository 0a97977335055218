//===- cuda_harness.cpp - convc's CUDA layers beside cuDNN ----------------===//
//
// For each layer of layers.inc (see layer.h), compiled with --target=cuda:
// the same input and weights go to convc and to cuDNN, the outputs are
// compared, and each side's GPU time is the median of repetitions after a
// warm-up. convc's time is the sum of its layers' --profile timers (the
// kernel launches of each layer up to their completion; the copies of the
// input and output to and from memory the GPU reads are outside them);
// cuDNN's is measured with CUDA events around its calls, with the fastest
// algorithm cudnnFind* reports for the layer, its weights and workspace on
// the device beforehand. DS1 is cuDNN's two convolutions with a ReLU
// between them. Prints one JSON object per layer; exits with status 2 and
// one line when there is no GPU.
//
//===----------------------------------------------------------------------===//

#include "layer.h"

#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>
#include <memory>
#include <random>

namespace {

void check(cudaError_t e, const char *what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "bench: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}

void check(cudnnStatus_t s, const char *what) {
  if (s != CUDNN_STATUS_SUCCESS) {
    std::fprintf(stderr, "bench: %s: %s\n", what, cudnnGetErrorString(s));
    std::exit(1);
  }
}

/// A float buffer on the device.
struct DeviceBuffer {
  float *data = nullptr;
  size_t count = 0;
  explicit DeviceBuffer(size_t n) : count(n) {
    check(cudaMalloc(&data, std::max<size_t>(n, 1) * sizeof(float)),
          "cudaMalloc");
  }
  DeviceBuffer(const std::vector<float> &host) : DeviceBuffer(host.size()) {
    check(cudaMemcpy(data, host.data(), count * sizeof(float),
                     cudaMemcpyHostToDevice),
          "cudaMemcpy");
  }
  ~DeviceBuffer() { cudaFree(data); }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
};

cudnnTensorDescriptor_t tensorDesc(int n, int c, int h, int w) {
  cudnnTensorDescriptor_t d;
  check(cudnnCreateTensorDescriptor(&d), "cudnnCreateTensorDescriptor");
  check(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c,
                                   h, w),
        "cudnnSetTensor4dDescriptor");
  return d;
}

/// One cuDNN convolution (a transposed one runs as backward data) with the
/// fastest algorithm for it.
struct CudnnConv {
  cudnnHandle_t handle;
  bool deconv;
  cudnnTensorDescriptor_t x, y;
  cudnnFilterDescriptor_t w;
  cudnnConvolutionDescriptor_t conv;
  cudnnConvolutionFwdAlgo_t fwd;
  cudnnConvolutionBwdDataAlgo_t bwd;
  std::unique_ptr<DeviceBuffer> workspace;
  size_t workspaceBytes = 0;
  int outC, outH, outW;

  CudnnConv(cudnnHandle_t handle, const ConvSpec &c, bool deconv)
      : handle(handle), deconv(deconv) {
    check(cudnnCreateFilterDescriptor(&w), "cudnnCreateFilterDescriptor");
    // PyTorch's layouts: oihw for convolutions, iohw for transposed ones,
    // which is the filter of the forward convolution they are the
    // backward-data pass of.
    int g = c.groups;
    if (deconv)
      check(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                       c.cin, c.cout / g, c.kh, c.kw),
            "cudnnSetFilter4dDescriptor");
    else
      check(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                       c.cout, c.cin / g, c.kh, c.kw),
            "cudnnSetFilter4dDescriptor");
    check(cudnnCreateConvolutionDescriptor(&conv),
          "cudnnCreateConvolutionDescriptor");
    check(cudnnSetConvolution2dDescriptor(
              conv, c.pad, c.pad, c.stride, c.stride, c.dil, c.dil,
              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
          "cudnnSetConvolution2dDescriptor");
    check(cudnnSetConvolutionGroupCount(conv, g),
          "cudnnSetConvolutionGroupCount");
    check(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH),
          "cudnnSetConvolutionMathType"); // f32 arithmetic, as convc's
    outC = c.cout;
    outH = deconv ? (c.h - 1) * c.stride - 2 * c.pad + c.dil * (c.kh - 1) + 1
                  : outSize(c.h, c.kh, c.stride, c.pad, c.dil);
    outW = deconv ? (c.w - 1) * c.stride - 2 * c.pad + c.dil * (c.kw - 1) + 1
                  : outSize(c.w, c.kw, c.stride, c.pad, c.dil);
    x = tensorDesc(c.n, c.cin, c.h, c.w);
    y = tensorDesc(c.n, outC, outH, outW);
    int found = 0;
    if (deconv) {
      cudnnConvolutionBwdDataAlgoPerf_t perf[8];
      check(cudnnFindConvolutionBackwardDataAlgorithm(handle, w, x, conv, y, 8,
                                                      &found, perf),
            "cudnnFindConvolutionBackwardDataAlgorithm");
      bwd = perf[0].algo;
      workspaceBytes = perf[0].memory;
    } else {
      cudnnConvolutionFwdAlgoPerf_t perf[8];
      check(cudnnFindConvolutionForwardAlgorithm(handle, x, w, conv, y, 8,
                                                 &found, perf),
            "cudnnFindConvolutionForwardAlgorithm");
      fwd = perf[0].algo;
      workspaceBytes = perf[0].memory;
    }
    if (found == 0) {
      std::fprintf(stderr, "bench: cuDNN has no algorithm for this layer\n");
      std::exit(1);
    }
    workspace = std::make_unique<DeviceBuffer>((workspaceBytes + 3) / 4);
  }
  ~CudnnConv() {
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyConvolutionDescriptor(conv);
  }
  CudnnConv(const CudnnConv &) = delete;
  CudnnConv &operator=(const CudnnConv &) = delete;

  void run(const float *in, const float *weights, float *out) {
    const float one = 1, zero = 0;
    if (deconv)
      check(cudnnConvolutionBackwardData(handle, &one, w, weights, x, in, conv,
                                         bwd, workspace->data, workspaceBytes,
                                         &zero, y, out),
            "cudnnConvolutionBackwardData");
    else
      check(cudnnConvolutionForward(handle, &one, x, in, w, weights, conv, fwd,
                                    workspace->data, workspaceBytes, &zero, y,
                                    out),
            "cudnnConvolutionForward");
  }
};

template <typename Fn> double medianMs(Fn fn, int reps) {
  fn(); // warm-up
  fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r)
    t.push_back(fn());
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "bench: no CUDA device\n");
    return 2;
  }
  cudaDeviceProp prop;
  check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  std::printf("{\"device\": \"%s\"}\n", prop.name);
  cudnnHandle_t handle;
  check(cudnnCreate(&handle), "cudnnCreate");
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  for (const Layer &l : kLayers) {
    const convc_model_info *m = l.model;
    convc_tensor in, out;
    orDie(convc_tensor_alloc(&in, CONVC_F32, m->inputs[0].rank,
                             m->inputs[0].shape));
    float *x = static_cast<float *>(in.data);
    for (size_t i = 0; i < convc_tensor_numel(&in); ++i)
      x[i] = uni(rng);
    orDie(convc_model_alloc_outputs(m, &out));
    // convc: the GPU time of its layers, from the profile.
    double convcMs = medianMs(
        [&] {
          convc_profile_start();
          orDie(convc_model_run(m, &in, &out));
          convc_profile_stop();
          double ms = 0;
          for (int32_t i = 0; i < m->num_layers; ++i) {
            int64_t runs;
            ms += convc_profile_layer_ms(i, &runs);
          }
          return ms;
        },
        reps);

    std::vector<std::vector<float>> ws = readWeights(l);
    int steps = l.kind == DepthwiseSeparable ? 2 : 1;
    std::vector<std::unique_ptr<CudnnConv>> convs;
    std::vector<std::unique_ptr<DeviceBuffer>> weights, acts;
    acts.push_back(std::make_unique<DeviceBuffer>(
        std::vector<float>(x, x + convc_tensor_numel(&in))));
    for (int i = 0; i < steps; ++i) {
      convs.push_back(
          std::make_unique<CudnnConv>(handle, l.step[i], l.kind == Deconv));
      weights.push_back(std::make_unique<DeviceBuffer>(ws[i]));
      const CudnnConv &c = *convs.back();
      acts.push_back(std::make_unique<DeviceBuffer>((size_t)l.step[i].n *
                                                    c.outC * c.outH * c.outW));
    }
    cudnnActivationDescriptor_t relu;
    check(cudnnCreateActivationDescriptor(&relu),
          "cudnnCreateActivationDescriptor");
    check(cudnnSetActivationDescriptor(relu, CUDNN_ACTIVATION_RELU,
                                       CUDNN_NOT_PROPAGATE_NAN, 0.0),
          "cudnnSetActivationDescriptor");
    double cudnnMs = medianMs(
        [&] {
          check(cudaEventRecord(start), "cudaEventRecord");
          for (int i = 0; i < steps; ++i) {
            convs[i]->run(acts[i]->data, weights[i]->data, acts[i + 1]->data);
            if (l.step[i].relu) {
              const float one = 1, zero = 0;
              check(cudnnActivationForward(handle, relu, &one, convs[i]->y,
                                           acts[i + 1]->data, &zero,
                                           convs[i]->y, acts[i + 1]->data),
                    "cudnnActivationForward");
            }
          }
          check(cudaEventRecord(stop), "cudaEventRecord");
          check(cudaEventSynchronize(stop), "cudaEventSynchronize");
          float ms;
          check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
          return (double)ms;
        },
        reps);
    std::vector<float> ref(convc_tensor_numel(&out));
    check(cudaMemcpy(ref.data(), acts.back()->data, ref.size() * sizeof(float),
                     cudaMemcpyDeviceToHost),
          "cudaMemcpy");
    double maxDiff, maxRef;
    compare(static_cast<const float *>(out.data), ref.data(), ref.size(),
            maxDiff, maxRef);
    std::printf("{\"name\": \"%s\", \"convc_ms\": %.4f, \"cudnn_ms\": %.4f, "
                "\"gflop\": %.6f, \"max_abs_diff\": %.3g, \"max_abs_ref\": "
                "%.3g}\n",
                l.name, convcMs, cudnnMs, l.gflop, maxDiff, maxRef);
    std::fflush(stdout);
    cudnnDestroyActivationDescriptor(relu);
    convc_tensor_free(&in);
    convc_tensor_free(&out);
  }
  cudnnDestroy(handle);
  return 0;
}
