//===- ConvSchedule.h - tile sizes for convolutions -------------*- C++ -*-===//
//
// convc's cost model for the tap-sum convolutions that `convc-implicit-gemm`
// creates: from the shape of a convolution and a description of the CPU
// (vector width, vector registers, cache sizes) it picks the tile sizes of
// the cache-level loops and of the register-level micro-kernel; from a
// description of an NVIDIA GPU, the tile of a thread block and of one
// thread. The model is plain C++ so that it is tested on its own.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_TRANSFORMS_CONVSCHEDULE_H
#define CONVC_TRANSFORMS_CONVSCHEDULE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace mlir {
class Operation;
} // namespace mlir

namespace convc {

/// The least a loop nest writes (a copy, a fill, an elementwise op) for it
/// to run on all threads: a fork and join cost microseconds.
inline constexpr int64_t kParallelBytes = 256 * 1024;

/// The tap-sum convolutions: dense, iterating (n, c, f, oh, ow), grouped,
/// the same with the groups of one image as n, and depthwise, iterating
/// (n, c, oh, ow).
enum class ConvKind {
  Dense,     // (n, c, f, oh, ow): sum over taps and input channels
  Grouped,   // as Dense, n a group: its weights are [n, c, f] per tap
  Depthwise, // (n, c, oh, ow): sum over taps, one weight per channel and tap
  Pool,      // (n, c, oh, ow): max or sum over the window's taps, no weights
};

/// Marks a tap-sum generic with its kind (attribute `convc.conv`).
void setConvKind(mlir::Operation *op, ConvKind kind);
std::optional<ConvKind> getConvKind(mlir::Operation *op);

/// What the schedule needs to know about the target CPU.
struct CpuDesc {
  int64_t vectorBits = 256;
  int64_t vectorRegisters = 16;
  int64_t l1Bytes = 32 * 1024;
  int64_t l2Bytes = 512 * 1024;
  /// The last-level cache (shared by the cores).
  int64_t l3Bytes = 32 * 1024 * 1024;
  /// Hardware threads the cache blocks are shared among (OpenMP).
  int64_t threads = 1;
};

/// The CPU convc compiles for: `cpu` is an LLVM CPU name or "native"
/// (threads: those of the machine convc runs on, in both cases).
CpuDesc describeCpu(llvm::StringRef cpu);

/// A convolution's output shape [n, ch, oh, ow] (ch = output channels), its
/// reduction size c (input channels per output, 1 for depthwise), the number
/// of kernel taps and rows, the width of the padded input and the strides
/// along it and down its rows.
struct ConvShape {
  ConvKind kind;
  int64_t n, ch, oh, ow;
  int64_t c, taps, kernelRows, inputWidth;
  int64_t strideW = 1;
  int64_t strideH = 1;
  /// The (padded) input's rows; 0 where unknown.
  int64_t inputHeight = 0;
  /// CPU: whether the threads share the input as bands of rows, i.e. the
  /// convolution that writes it shares its blocks so (sharesAreBands).
  bool inputInBands = false;
};

/// Which output dim the micro-kernel keeps in the vector lanes.
enum class ConvLanes {
  Width,    // a row of output pixels; the weights are broadcast
  Channels, // a block of output channels; the input pixels are broadcast
};

/// Tile sizes over the output dims (n, ch, oh, ow); 0 = the whole dim.
struct ConvTiles {
  ConvLanes lanes = ConvLanes::Width;
  /// The cache-level tile: one iteration of the outer (parallel) loop nest.
  llvm::SmallVector<int64_t, 4> block;
  /// The register-level tile: the micro-kernel's accumulators.
  llvm::SmallVector<int64_t, 4> reg;
};

/// Tile sizes that divide the dims they tile, so every tile is static.
ConvTiles chooseConvTiles(const ConvShape &shape, const CpuDesc &cpu);

/// Whether the threads' shares of a CPU convolution's cache blocks (run in
/// order, an equal run of them per thread) are bands of rows of the output
/// rather than sets of whole channels: there are fewer blocks of images
/// and channels than threads.
bool sharesAreBands(const ConvShape &shape, const ConvTiles &tiles,
                    const CpuDesc &cpu);

/// Whether a depthwise convolution or pooling window runs its blocks band
/// by band, each band's channels together, rather than channel by channel:
/// where its input is shared among the threads as bands, so that each
/// thread reads the rows it wrote. Cores exchange data slowly: in a model
/// of ResNet-18's 7x7 first layer (which shares rows) and its 3x3
/// stride-2 max pool, at 2 threads, the pool took 0.10 ms reading channels
/// (0.08 at 1 thread), 0.06 reading bands, and the first layer 0.70 ->
/// 0.63 ms (it no longer writes rows that the other core last read); in
/// ResNet-18 the pool took 0.14-0.16 -> 0.12-0.13 ms.
bool blocksFollowBands(const ConvShape &shape, const ConvTiles &tiles);

/// The most kernel taps one step of a CPU micro-kernel's reduction loop
/// unrolls: a larger kernel (5x5, 7x7) is split into one reduction loop per
/// kernel row. LLVM schedules a step's loads of every tap ahead of their
/// FMAs and keeps the input pixels that several taps share: 49 taps' worth
/// spill (ResNet-18's 7x7 first layer spent a third of its time on spills;
/// one loop per row made it 12 % faster, the model 2-3 %).
constexpr int64_t kMaxTapsPerStep = 16;

/// What the schedule needs to know about the target GPU.
struct GpuDesc {
  /// Streaming multiprocessors: thread blocks run this many at a time.
  int64_t multiprocessors = 108;
  int64_t warpSize = 32;
  /// Threads per block the schedule aims for.
  int64_t threadsPerBlock = 128;
  /// Fewest threads per block it accepts to make more blocks.
  int64_t minThreadsPerBlock = 64;
  /// Output values one thread accumulates in registers, at most.
  int64_t accumulators = 16;
  /// Threads each multiprocessor should at least have (2 warps); register
  /// tiles shrink to give a small layer these. Few: a thread's tile of
  /// c x p outputs reads c + p values from shared memory per c x p FMAs,
  /// and a multiprocessor serves 32 shared-memory reads per cycle against
  /// 128 FMAs, so 1 x 4 tiles would be bound at a fifth of the FMA rate,
  /// 4 x 4 ones at half; latency is hidden by each thread's 16 independent
  /// accumulations rather than by more warps.
  int64_t threadsPerMultiprocessor = 64;
  /// Shared memory a block may use without opting in to more.
  int64_t sharedBytes = 48 * 1024;
  int64_t maxThreadsPerBlock = 1024;
};

/// The GPU of an NVIDIA architecture name (sm_80: A100, sm_90: H100).
GpuDesc describeGpu(llvm::StringRef arch);

/// Tile sizes over the output dims (n, ch, oh, ow) of a GPU convolution:
/// `block` is one thread block's tile, `reg` one thread's (its register
/// tile); both divide the dims they tile. `lanes` is always Width: a
/// thread's row of pixels.
ConvTiles chooseGpuConvTiles(const ConvShape &shape, const GpuDesc &gpu);

/// A dense convolution's block stages its input window and weights in
/// shared memory a chunk of input channels at a time: the chunk for
/// `bytesPerChannel` bytes of both per channel (0: not even one fits).
int64_t chooseGpuChannelChunk(int64_t channels, int64_t bytesPerChannel,
                              const GpuDesc &gpu);

/// The GPU schedule of a depthwise convolution fused into the pointwise
/// (1x1) one that consumes it: a block computes every output channel of
/// `pointwise.block`'s pixels from the band of depthwise output they read,
/// which its threads first compute into shared memory, `depthwiseReg` (a
/// tile of that band) per thread.
struct SeparableTiles {
  ConvTiles pointwise;
  llvm::SmallVector<int64_t, 4> depthwiseReg;
  /// CPU: each block computes the rows of the depthwise input its band
  /// reads (an inverted residual's expansion) instead of reading them from
  /// memory.
  bool computeInput = false;
};

/// The rows of output of a CPU block of a depthwise-separable pair whose
/// pointwise part (`pointwise`, 4-D) runs over the band's pixels
/// flattened: at most `maxRows` (the pointwise convolution's own block),
/// dividing the height; first those whose blocks divide among the
/// threads, then those whose pixels fill pairs of vectors, then single
/// vectors, then the most rows. (DS1, 144 channels of 56 x 56: 4 rows, 224
/// pixels, 12 x 32 accumulators, instead of 7 rows whose 392 pixels make
/// rows of 14.) 0 when no band count divides among the threads: the pair
/// then runs as two convolutions, each on every thread (MobileNetV2's 7x7
/// pairs are one band: features.17, 960 -> 320 channels, took 0.20 ms at
/// 1 thread and 2 fused, 0.18 and 0.11 apart, inside the model).
int64_t chooseSeparableBandRows(const ConvShape &pointwise, int64_t maxRows,
                                const CpuDesc &cpu);

/// The rows of output of a CPU block of a depthwise-separable pair that
/// computes its input's rows itself (see SeparableTiles::computeInput):
/// the most rows, a multiple of `regRows` dividing the depthwise output's
/// height, whose rows of input (`inputChannels` of them, padded) fit in
/// half of L2, if the rows that two bands both read (computed twice) are
/// at most a quarter of a band's; 0 when the input fits in L2 (it stays in
/// cache between the two layers) or no band qualifies. (Recomputing a
/// quarter of a 24 -> 144 expansion's rows costs 12 FLOPs per element, its
/// round trip through memory 8 bytes: MobileNetV2's features.3, expansion
/// and pair, took 0.33 instead of 0.36-0.47 ms.)
int64_t chooseInputBandRows(const ConvShape &depthwise, int64_t inputChannels,
                            int64_t inputHeight, int64_t regRows,
                            const CpuDesc &cpu);

/// None when the band does not fit in shared memory or the threads in a
/// block.
std::optional<SeparableTiles>
chooseGpuSeparableTiles(const ConvShape &depthwise, const ConvShape &pointwise,
                        const GpuDesc &gpu);

/// The schedule of a linear layer out[n, m] = sum_k x[n, k] * w[m, k]: the
/// reduction is split into k / lanes steps of a vector of partial sums,
/// `rows` outputs (rows of w) at a time; `blockRows` outputs per cache
/// block (one iteration of the parallel loop). lanes == 0: not vectorized.
struct LinearTiles {
  int64_t lanes = 0;
  int64_t rows = 1;
  int64_t blockRows = 1;
};

LinearTiles chooseLinearTiles(int64_t m, int64_t k, const CpuDesc &cpu);

/// The tiles of an elementwise op over (n, c, h, w) that no convolution
/// took into its own (an activation of a model input, a sum of two): a row
/// per register tile; when large enough to wake the threads, cache blocks
/// of whole channel planes (or images), one per thread, as a convolution's
/// blocks share its output, so that each core reads what it wrote. Blocks
/// of 0 (the whole dim everywhere): one block, not run in parallel.
ConvTiles chooseElementwiseTiles(llvm::ArrayRef<int64_t> shape,
                                 const CpuDesc &cpu);

} // namespace convc

#endif // CONVC_TRANSFORMS_CONVSCHEDULE_H
