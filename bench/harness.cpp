//===- harness.cpp - convc layers beside oneDNN in one process ------------===//
//
// For each layer of layers.inc (see layer.h): the same input and weights go to
// both, the outputs are compared, and each side is timed (median of
// repetitions after a warm-up, the two sides in alternating rounds of at least
// 20 ms each). oneDNN runs with format `any` (its own blocked layouts); weights
// are reordered once, outside the timing, and the timing covers the primitive
// alone, the bar most favourable to oneDNN. Prints one JSON object per layer.
//
//===----------------------------------------------------------------------===//

#include "layer.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <thread>
#include <type_traits>
#include <utility>

using namespace dnnl;

namespace {

/// convc (LLVM's libomp) and oneDNN (GNU libgomp) keep their worker
/// threads spinning for a while after a parallel region; timing one side
/// while the other's threads still spin would charge it for them. Each
/// timing starts after both have gone to sleep (libomp: 200 ms).
void letOtherThreadsSleep() {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

/// The least time one side runs in a round: a layer of 0.05 ms gets some
/// 400 runs rather than `reps` / 4 (with 10 per round, medians of
/// the same layer at 2 threads ranged over 0.042-0.063 ms).
constexpr double kMinRoundMs = 20.0;

/// Times `fn` at least `reps` times and for kMinRoundMs after its warm-up,
/// appending milliseconds.
void timeRuns(const std::function<void()> &fn, int reps,
              std::vector<double> &t) {
  letOtherThreadsSleep();
  fn(); // warm-up
  fn();
  double total = 0;
  for (int r = 0; r < reps || total < kMinRoundMs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0)
                    .count());
    total += t.back();
  }
}

double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

/// The median times of `a` and `b`, timed in alternating rounds: on a
/// shared VM the speed of the cores drifts within a process (the second
/// core's placement changes after it idled: a side timed first, right
/// after a one-thread run, took twice as long at two threads as when timed
/// a second later), so each side gets the same share of every condition.
std::pair<double, double> medianMsInRounds(const std::function<void()> &a,
                                           const std::function<void()> &b,
                                           int reps) {
  constexpr int kRounds = 4;
  std::vector<double> ta, tb;
  for (int round = 0; round < kRounds; ++round) {
    int n = reps / kRounds + (round < reps % kRounds);
    timeRuns(a, std::max(n, 1), ta);
    timeRuns(b, std::max(n, 1), tb);
  }
  return {median(ta), median(tb)};
}

/// A oneDNN convolution (or deconvolution) with its weights reordered into
/// the primitive's chosen layout.
struct DnnlConv {
  primitive prim;
  memory src, weights, dst;
  memory::desc userDst;
};

DnnlConv makeConv(engine &eng, stream &strm, const ConvSpec &c, bool deconv,
                  const std::vector<float> &w, memory::desc srcAny) {
  using tag = memory::format_tag;
  using dt = memory::data_type;
  int oh = deconv ? (c.h - 1) * c.stride - 2 * c.pad + c.dil * (c.kh - 1) + 1
                  : outSize(c.h, c.kh, c.stride, c.pad, c.dil);
  int ow = deconv ? (c.w - 1) * c.stride - 2 * c.pad + c.dil * (c.kw - 1) + 1
                  : outSize(c.w, c.kw, c.stride, c.pad, c.dil);
  // oneDNN's logical weight dims are (g,) out, in; PyTorch's layouts are
  // oihw for convolutions and iohw for transposed ones.
  int g = c.groups;
  memory::dims wdims = g == 1
                           ? memory::dims{c.cout, c.cin, c.kh, c.kw}
                           : memory::dims{g, c.cout / g, c.cin / g, c.kh, c.kw};
  tag wtag = deconv ? (g == 1 ? tag::iohw : tag::giohw)
                    : (g == 1 ? tag::oihw : tag::goihw);
  memory::desc wAny(wdims, dt::f32, tag::any);
  memory::desc dstAny({c.n, c.cout, oh, ow}, dt::f32, tag::any);
  memory::dims strides{c.stride, c.stride}, dil{c.dil - 1, c.dil - 1},
      pad{c.pad, c.pad};
  primitive_attr attr;
  if (c.relu) {
    post_ops ops;
    ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  DnnlConv out;
  memory::desc srcMd, wMd, dstMd;
  // The same construction for both primitives.
  auto build = [&](auto tag, algorithm alg) {
    using Prim = typename decltype(tag)::type;
    typename Prim::desc d(prop_kind::forward_inference, alg, srcAny, wAny,
                          dstAny, strides, dil, pad, pad);
    typename Prim::primitive_desc pd(d, attr, eng);
    out.prim = Prim(pd);
    srcMd = pd.src_desc();
    wMd = pd.weights_desc();
    dstMd = pd.dst_desc();
  };
  if (deconv)
    build(std::type_identity<deconvolution_forward>(),
          algorithm::deconvolution_direct);
  else
    build(std::type_identity<convolution_forward>(),
          algorithm::convolution_direct);
  memory userWeights({wdims, dt::f32, wtag}, eng,
                     const_cast<float *>(w.data()));
  out.weights = memory(wMd, eng);
  reorder(userWeights, out.weights).execute(strm, userWeights, out.weights);
  out.src = memory(srcMd, eng);
  out.dst = memory(dstMd, eng);
  out.userDst = memory::desc({c.n, c.cout, oh, ow}, dt::f32, tag::nchw);
  return out;
}

/// One core's FMA peak in GFLOP/s, measured: 16 independent chains of
/// vector FMAs (the widest vectors this harness is compiled for), best of
/// three runs.
double measurePeakGflops() {
#ifdef __AVX512F__
  constexpr int kLanes = 16;
#else
  constexpr int kLanes = 8;
#endif
  typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));
  constexpr int kChains = 16;
  constexpr long kIters = 10'000'000;
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    Vec acc[kChains], a, b;
    for (int l = 0; l < kLanes; ++l) {
      a[l] = 0.999999f;
      b[l] = 1e-6f;
    }
    for (Vec &v : acc)
      v = b;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < kIters; ++i)
      for (Vec &v : acc)
        v = v * a + b;
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    float sink = 0;
    for (Vec &v : acc)
      sink += v[0];
    if (sink == 42.0f) // keeps the loop
      std::puts("");
    best = std::max(best, 2.0 * kLanes * kChains * kIters / s / 1e9);
  }
  return best;
}

} // namespace

int main(int argc, char **argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  std::printf("{\"peak_gflops\": %.1f}\n", measurePeakGflops());
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  for (const Layer &l : kLayers) {
    const convc_model_info *m = l.model;
    convc_tensor in;
    convc_tensor_alloc(&in, CONVC_F32, m->inputs[0].rank, m->inputs[0].shape);
    float *x = static_cast<float *>(in.data);
    for (size_t i = 0; i < convc_tensor_numel(&in); ++i)
      x[i] = uni(rng);
    convc_tensor out;
    orDie(convc_model_alloc_outputs(m, &out));

    int steps = l.kind == DepthwiseSeparable ? 2 : 1;
    std::vector<DnnlConv> convs;
    std::vector<std::vector<float>> ws = readWeights(l);
    const ConvSpec &c0 = l.step[0];
    memory::desc userSrc({c0.n, c0.cin, c0.h, c0.w}, memory::data_type::f32,
                         memory::format_tag::nchw);
    memory::desc srcAny({c0.n, c0.cin, c0.h, c0.w}, memory::data_type::f32,
                        memory::format_tag::any);
    convs.push_back(makeConv(eng, strm, c0, l.kind == Deconv, ws[0], srcAny));
    if (steps == 2) // the pointwise step reads the depthwise step's layout
      convs.push_back(makeConv(eng, strm, l.step[1], false, ws[1],
                               convs[0].dst.get_desc()));
    memory user(userSrc, eng, x);
    reorder(user, convs[0].src).execute(strm, user, convs[0].src);
    if (steps == 2)
      convs[1].src = convs[0].dst;
    auto runDnnl = [&] {
      for (DnnlConv &c : convs)
        c.prim.execute(strm, {{DNNL_ARG_SRC, c.src},
                              {DNNL_ARG_WEIGHTS, c.weights},
                              {DNNL_ARG_DST, c.dst}});
      strm.wait();
    };
    auto [convcMs, dnnlMs] = medianMsInRounds(
        [&] { orDie(convc_model_run(m, &in, &out)); }, runDnnl, reps);
    memory result(convs.back().userDst, eng);
    reorder(convs.back().dst, result).execute(strm, convs.back().dst, result);
    strm.wait();
    double maxDiff, maxRef;
    compare(static_cast<const float *>(out.data),
            static_cast<const float *>(result.get_data_handle()),
            convc_tensor_numel(&out), maxDiff, maxRef);
    std::printf("{\"name\": \"%s\", \"convc_ms\": %.4f, \"onednn_ms\": %.4f, "
                "\"gflop\": %.6f, \"max_abs_diff\": %.3g, \"max_abs_ref\": "
                "%.3g}\n",
                l.name, convcMs, dnnlMs, l.gflop, maxDiff, maxRef);
    std::fflush(stdout);
    convc_tensor_free(&in);
    convc_tensor_free(&out);
  }
  return 0;
}
