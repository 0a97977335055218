//===- ConvSchedule.h - tile sizes for convolutions on a CPU ----*- C++ -*-===//
//
// convc's cost model for the tap-sum convolutions that `convc-implicit-gemm`
// creates: from the shape of a convolution and a description of the CPU
// (vector width, vector registers, cache sizes) it picks the tile sizes of
// the cache-level loops and of the register-level micro-kernel. The model
// is plain C++ so that it is tested on its own.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_TRANSFORMS_CONVSCHEDULE_H
#define CONVC_TRANSFORMS_CONVSCHEDULE_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace mlir {
class Operation;
} // namespace mlir

namespace convc {

/// The two tap-sum convolutions: dense, iterating (n, c, f, oh, ow), and
/// depthwise, iterating (n, c, oh, ow).
enum class ConvKind {
  Dense,     // (n, c, f, oh, ow): sum over taps and input channels
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
  /// Hardware threads the cache blocks are shared among (OpenMP).
  int64_t threads = 1;
};

/// The CPU convc compiles for: `cpu` is an LLVM CPU name or "native"
/// (threads: those of the machine convc runs on, in both cases).
CpuDesc describeCpu(llvm::StringRef cpu);

/// A convolution's output shape [n, ch, oh, ow] (ch = output channels), its
/// reduction size c (input channels per output, 1 for depthwise), the number
/// of kernel taps and rows, and the width of the padded input.
struct ConvShape {
  ConvKind kind;
  int64_t n, ch, oh, ow;
  int64_t c, taps, kernelRows, inputWidth;
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

} // namespace convc

#endif // CONVC_TRANSFORMS_CONVSCHEDULE_H
