//===- ConvSchedule.cpp - tile sizes for convolutions ---------------------===//

#include "compiler/Transforms/ConvSchedule.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include <algorithm>
#include <memory>
#include <thread>
#include <tuple>

using namespace convc;

static constexpr llvm::StringLiteral kConvAttr = "convc.conv";

void convc::setConvKind(mlir::Operation *op, ConvKind kind) {
  mlir::Builder b(op->getContext());
  op->setAttr(kConvAttr,
              b.getStringAttr(kind == ConvKind::Dense       ? "dense"
                              : kind == ConvKind::Grouped   ? "grouped"
                              : kind == ConvKind::Depthwise ? "depthwise"
                                                            : "pool"));
}

std::optional<ConvKind> convc::getConvKind(mlir::Operation *op) {
  auto attr = op->getAttrOfType<mlir::StringAttr>(kConvAttr);
  if (!attr)
    return std::nullopt;
  if (attr.getValue() == "dense")
    return ConvKind::Dense;
  if (attr.getValue() == "grouped")
    return ConvKind::Grouped;
  return attr.getValue() == "depthwise" ? ConvKind::Depthwise : ConvKind::Pool;
}

/// The size of the host's cache of this level (Linux's sysfs), if known.
static std::optional<int64_t> hostCacheBytes(int level) {
  for (int index = 0; index < 8; ++index) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    auto levelText = llvm::MemoryBuffer::getFile(dir + "/level");
    auto sizeText = llvm::MemoryBuffer::getFile(dir + "/size");
    if (!levelText || !sizeText)
      break;
    int64_t found = 0, size = 0;
    llvm::StringRef sizeRef = (*sizeText)->getBuffer().trim();
    if ((*levelText)->getBuffer().trim().getAsInteger(10, found) ||
        found != level)
      continue;
    int64_t unit = sizeRef.consume_back("K")   ? 1024
                   : sizeRef.consume_back("M") ? 1024 * 1024
                                               : 1;
    if (!sizeRef.getAsInteger(10, size) && size > 0)
      return size * unit;
  }
  return std::nullopt;
}

CpuDesc convc::describeCpu(llvm::StringRef cpu) {
  bool avx512 = false, avx2 = false;
  if (cpu == "native") {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    avx512 = features.lookup("avx512f");
    avx2 = features.lookup("avx2") && features.lookup("fma");
  } else {
    llvm::InitializeNativeTarget();
    llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
    std::string error;
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(triple, error);
    if (target) {
      std::unique_ptr<llvm::MCSubtargetInfo> sti(
          target->createMCSubtargetInfo(triple, cpu, ""));
      avx512 = sti && sti->checkFeatures("+avx512f");
      avx2 = sti && sti->checkFeatures("+avx2,+fma");
    }
  }
  CpuDesc desc;
  if (avx512) {
    desc.vectorBits = 512;
    desc.vectorRegisters = 32;
    desc.l2Bytes = 1024 * 1024;
  } else if (!avx2) {
    desc.vectorBits = 128;
  }
  desc.threads = std::max(1u, std::thread::hardware_concurrency());
  if (cpu == "native")
    if (std::optional<int64_t> bytes = hostCacheBytes(3))
      desc.l3Bytes = *bytes;
  return desc;
}

/// The shortest sum per output (input channels x taps) for which a
/// channels-in-lanes tile pays for its transpose; shorter where rows of
/// pixels in lanes would not fill whole registers: strided (a shuffle per
/// tap: MobileNetV2's first layer, 3 channels x 9 taps at stride 2, 0.167
/// -> 0.128 ms) or ending in part of one (its 24 -> 144 expansion on rows
/// of 56 pixels, 14 per register: 0.139 -> 0.115 ms). Whole rows keep
/// pixels in lanes below 32 (27 products at stride 1 on rows of 112:
/// 0.221 ms against 0.230; 16 -> 96 on rows of 112: 0.220 against 0.230).
static constexpr int64_t kMinChannelLaneSum = 32;
static constexpr int64_t kMinChannelLaneSumUnevenRows = 16;

/// The unit in which cores share memory.
static constexpr int64_t kCacheLineBytes = 64;

/// The largest divisor of `n` that is at most `limit` and a multiple of
/// `multipleOf`; without one, the largest divisor at most `limit`.
static int64_t largestDivisor(int64_t n, int64_t limit,
                              int64_t multipleOf = 1) {
  for (int64_t d = std::min(n, limit); d >= 1; --d)
    if (n % d == 0 && d % multipleOf == 0)
      return d;
  return multipleOf <= 1 ? 1 : largestDivisor(n, limit);
}

/// The vectors a row of `width` floats takes in `lanes`-wide registers.
static int64_t vectorsFor(int64_t width, int64_t lanes) {
  return (width + lanes - 1) / lanes;
}

/// The row width of the micro-kernel: a divisor of the output row that LLVM
/// keeps in whole registers, i.e. at most one register (widened when
/// short) or a multiple of the register width (a longer row of another
/// width is split into pieces of 16, 8, 4... lanes, a register each). Among
/// those, the one that wastes the fewest lanes, the widest among equals, at
/// most two registers.
static int64_t chooseRowTile(int64_t ow, int64_t lanes) {
  int64_t best = 1;
  double bestUse = 0;
  for (int64_t d = 1; d <= std::min(ow, 2 * lanes); ++d) {
    if (ow % d || (d > lanes && d % lanes))
      continue;
    double use = double(d) / double(vectorsFor(d, lanes) * lanes);
    if (use >= bestUse) {
      best = d;
      bestUse = use;
    }
  }
  return best;
}

ConvTiles convc::chooseConvTiles(const ConvShape &s, const CpuDesc &cpu) {
  int64_t lanes = std::max<int64_t>(1, cpu.vectorBits / 32);
  // Registers left for accumulators once the input rows and broadcast
  // weights of one step have theirs.
  int64_t accumulators = std::max<int64_t>(4, cpu.vectorRegisters - 4);
  int64_t owr = chooseRowTile(s.ow, lanes);
  int64_t rowVectors = vectorsFor(owr, lanes);
  ConvTiles t;
  if (s.kind == ConvKind::Dense) {
    // An outer product per tap and input channel: fr weights broadcast
    // against one input row; fr x rowVectors accumulators.
    int64_t fr = largestDivisor(
        s.ch, std::max<int64_t>(1, std::min<int64_t>(16, accumulators /
                                                            rowVectors)));
    // Channels in lanes: k vectors of output channels x wr pixels, each
    // pixel broadcast against the k weight vectors. Every lane is used
    // whatever the width or stride, but the tile is transposed once on its
    // way out to NCHW: worth it only when each output sums enough
    // products (a 1x1 convolution over few channels stores as much as it
    // computes).
    bool wholeRows = s.oh == 1 && s.taps == 1 && owr % lanes == 0;
    int64_t minSum = s.strideW > 1 || owr % lanes ? kMinChannelLaneSumUnevenRows
                                                  : kMinChannelLaneSum;
    if (s.ch % lanes == 0 && s.c * s.taps >= minSum && !wholeRows) {
      // Accumulators: enough to cover the FMA latency, but at most half
      // the registers, since LLVM keeps the weight vectors of every tap
      // live too. The most accumulators, among rows of at least 7 pixels
      // (or the widest); then, with unit stride, the widest row. A strided
      // row is read whole and its pixels picked by a shuffle, so each
      // pixel of a step takes a register instead of folding into its FMA
      // as an embedded broadcast: then the tile whose step loads the
      // fewest values per kernel row, k vectors of weights per tap and
      // (w - 1) * stride + kw pixels (ResNet's 7x7 stride-2 first layer:
      // 2 x 8 instead of 1 x 16, 1.8 ms -> 1.1 ms).
      int64_t budget = std::min(accumulators, cpu.vectorRegisters / 2);
      int64_t minRow = largestDivisor(s.ow, std::min<int64_t>(7, budget));
      int64_t kw = s.taps / std::max<int64_t>(1, s.kernelRows);
      auto stepLoads = [&](int64_t k, int64_t w) {
        return k * kw + (w - 1) * s.strideW + kw;
      };
      auto better = [&](int64_t k, int64_t w, int64_t bestK, int64_t bestW) {
        if (k * w != bestK * bestW)
          return k * w > bestK * bestW;
        if (s.strideW > 1 && stepLoads(k, w) != stepLoads(bestK, bestW))
          return stepLoads(k, w) < stepLoads(bestK, bestW);
        return w > bestW;
      };
      int64_t bestK = 1, bestW = minRow;
      for (int64_t k = 1; k * lanes <= s.ch; ++k) {
        if ((s.ch / lanes) % k)
          continue;
        for (int64_t w = minRow; w <= s.ow && k * w <= budget; ++w) {
          if (s.ow % w == 0 && better(k, w, bestK, bestW)) {
            bestK = k;
            bestW = w;
          }
        }
      }
      t.lanes = ConvLanes::Channels;
      fr = bestK * lanes;
      owr = bestW;
    }
    // Cache block: the weights of `fb` filters in half of L2, the input
    // rows of `ohb` output rows in a quarter of it.
    int64_t filterBytes = std::max<int64_t>(1, s.c * s.taps * 4);
    int64_t fb = largestDivisor(
        s.ch, std::max<int64_t>(fr, cpu.l2Bytes / 2 / filterBytes), fr);
    int64_t rowBytes = std::max<int64_t>(1, s.c * s.inputWidth * 4);
    int64_t inputRows = cpu.l2Bytes / 4 / rowBytes;
    int64_t rows = std::max<int64_t>(
        1, (inputRows - s.kernelRows) / std::max<int64_t>(1, s.strideH) + 1);
    int64_t ohb = largestDivisor(s.oh, rows);
    // Blocks shared evenly among the threads: fewer rows per block while
    // the block count does not divide by the thread count, then fewer
    // filters (ResNet's 7 x 7 layers). But fewer filters first where the
    // cut through each output plane would not fall between cache lines, so
    // that each thread's share is whole planes: otherwise both threads
    // write the line at the cut, in every plane (R6 at 2 threads, 128
    // planes of 28 x 28 cut after 392 pixels: 0.044 ms, against 0.036 cut
    // into two sets of 64 planes). And fewer filters first where the
    // weights outweigh the input: each thread then reads its share of the
    // weights and all of the input, instead of all of the weights and its
    // share of the input (a 4x4 stride-2 transposed convolution's phases,
    // 256 -> 128 channels on 16 x 16, each 512 KiB of weights and 330 KiB
    // of input, at 2 threads: 0.84 -> 0.77 ms). But bands, cut lines and
    // all, where the input is shared as bands: each thread then reads the
    // rows it wrote instead of half of its input from the other core
    // (ResNet-18's first stride-2 3x3 layer, 64 -> 128 channels on 56 x 56
    // rows written in bands, at 2 threads: 0.42-0.43 -> 0.35-0.36 ms).
    int64_t plane = s.oh * s.ow;
    bool cutOnLine = plane % cpu.threads == 0 &&
                     plane / cpu.threads * 4 % kCacheLineBytes == 0;
    bool weightsOutweighInput =
        s.inputHeight && s.ch * filterBytes > s.n * s.inputHeight * rowBytes;
    auto shareFilters = [&](int64_t planeBlocks) {
      auto even = [&](int64_t f) {
        return s.n * (s.ch / f) * planeBlocks % cpu.threads == 0;
      };
      for (int64_t d = fb; !even(fb) && d >= fr; --d)
        if (s.ch % d == 0 && d % fr == 0 && even(d))
          fb = d;
    };
    if ((!cutOnLine && !s.inputInBands) || weightsOutweighInput)
      shareFilters(1);
    int64_t otherBlocks = s.n * (s.ch / fb);
    for (int64_t d = ohb; d >= 1; --d) {
      if (s.oh % d == 0 && otherBlocks * (s.oh / d) % cpu.threads == 0) {
        ohb = d;
        break;
      }
    }
    t.block = {1, fb, ohb, 0};
    // Pixels in lanes: as many rows of fr x rowVectors accumulators as the
    // registers hold (a row of 14 pixels and 24 output channels: two rows
    // of 12 channels, 24 accumulators, each weight broadcast feeding two
    // FMAs, instead of one row).
    int64_t ohr =
        t.lanes == ConvLanes::Width
            ? largestDivisor(
                  ohb, std::max<int64_t>(1, accumulators / (fr * rowVectors)))
            : 1;
    t.reg = {1, fr, ohr, owr};
    // A single row (a 1x1 convolution over flattened pixels): blocks of
    // pixels whose input fits a quarter of L2, at least 4 per thread (the
    // threads finish together), their count a multiple of the threads'.
    if (s.oh == 1 && s.ow > owr) {
      int64_t pixels = std::max<int64_t>(
          owr, std::min(cpu.l2Bytes / 4 / std::max<int64_t>(1, s.c * 4),
                        s.ow / (4 * cpu.threads)));
      int64_t owb = largestDivisor(s.ow, pixels, owr);
      while (owb > owr && otherBlocks * (s.ow / owb) % cpu.threads != 0)
        owb = largestDivisor(s.ow, owb - 1, owr);
      t.block[3] = owb;
    }
    shareFilters(s.oh / ohb * (t.block[3] ? s.ow / t.block[3] : 1));
    t.block[1] = fb;
    return t;
  }
  // Depthwise and pooling: one channel at a time, several rows of
  // accumulators so that each loaded input row feeds more than one chain.
  int64_t ohr = largestDivisor(
      s.oh, std::max<int64_t>(1, std::min<int64_t>(8, accumulators / 2 /
                                                          rowVectors)));
  t.block = {1, 1, 0, 0};
  t.reg = {1, 1, ohr, owr};
  // A strided window's block is a band of output rows: the most whose
  // input rows fit an eighth of L1, but at least 4; failing both, the
  // fewest rows of at least 4 that fit half of L1, then the most that fit
  // a quarter. (Measured when each block copied its band's input rows as
  // column phases, a burst of loads that short bands kept short: M2's
  // bands of 4 rows took 0.111-0.114 ms, of 8 0.119-0.120, of 2 twice as
  // long. The taps now read the input in place (RowReads.h); the rule has
  // not been measured again.)
  if (s.strideW > 1) {
    // The most output rows whose input rows fit `share` of L1 (0 if none).
    auto rowsIn = [&](int64_t share) {
      int64_t inputRows = cpu.l1Bytes / share / (s.inputWidth * 4);
      return inputRows < s.kernelRows
                 ? 0
                 : (inputRows - s.kernelRows) / s.strideH + 1;
    };
    int64_t least = s.oh; // the fewest rows of at least 4 that divide oh
    for (int64_t b = s.oh; b >= 4; --b)
      if (s.oh % b == 0)
        least = b;
    int64_t band = largestDivisor(s.oh, std::max<int64_t>(1, rowsIn(8)));
    if (band < 4)
      band = least <= rowsIn(2)
                 ? least
                 : largestDivisor(s.oh, std::max<int64_t>(1, rowsIn(4)));
    if (band < s.oh)
      t.block[2] = band;
    t.reg[2] = largestDivisor(band, ohr);
  }
  return t;
}

bool convc::sharesAreBands(const ConvShape &s, const ConvTiles &t,
                           const CpuDesc &cpu) {
  auto count = [](int64_t dim, int64_t tile) { return tile ? dim / tile : 1; };
  int64_t outer = count(s.n, t.block[0]) * count(s.ch, t.block[1]);
  int64_t bands = count(s.oh, t.block[2]) * count(s.ow, t.block[3]);
  return cpu.threads > 1 && outer < cpu.threads && bands > 1;
}

bool convc::blocksFollowBands(const ConvShape &s, const ConvTiles &t) {
  return s.kind != ConvKind::Dense && t.block[2] && t.block[2] < s.oh &&
         s.inputInBands;
}

GpuDesc convc::describeGpu(llvm::StringRef arch) {
  GpuDesc desc;
  // Multiprocessors of the data-centre part of each generation.
  desc.multiprocessors = llvm::StringSwitch<int64_t>(arch)
                             .Case("sm_70", 80)
                             .Case("sm_75", 40)
                             .Case("sm_80", 108)
                             .Cases({"sm_86", "sm_87", "sm_89"}, 84)
                             .Case("sm_90", 132)
                             .Default(108);
  return desc;
}

ConvTiles convc::chooseGpuConvTiles(const ConvShape &s, const GpuDesc &gpu) {
  // A thread's tile: a row of up to 4 pixels (one 16-byte load of a stride
  // 1 input row) times enough output channels to fill its accumulators;
  // depthwise and pooling have one channel per output, so rows instead.
  int64_t tw = largestDivisor(s.ow, 4);
  int64_t perRow = std::max<int64_t>(1, gpu.accumulators / tw);
  bool dense = s.kind == ConvKind::Dense;
  int64_t tf = dense ? largestDivisor(s.ch, perRow) : 1;
  int64_t th = dense ? 1 : largestDivisor(s.oh, std::min<int64_t>(4, perRow));
  // Enough threads to keep every multiprocessor busy while others wait
  // for memory: smaller register tiles (fewer channels or rows, then
  // shorter rows) while there are too few.
  int64_t outputs = s.n * s.ch * s.oh * s.ow;
  int64_t wanted = gpu.multiprocessors * gpu.threadsPerMultiprocessor;
  while (outputs / (tf * th * tw) < wanted) {
    if (tf > 1)
      tf = largestDivisor(s.ch, tf - 1);
    else if (th > 1)
      th = largestDivisor(s.oh, th - 1);
    else if (tw > 1)
      tw = largestDivisor(s.ow, tw - 1);
    else
      break;
  }
  // The block's threads: along a row first (neighbouring threads read
  // neighbouring pixels: coalesced), then output channels (each input pixel
  // the block stages in shared memory serves all of them), then rows.
  int64_t x = largestDivisor(s.ow / tw, gpu.warpSize);
  int64_t z =
      largestDivisor(s.ch / tf, std::max<int64_t>(1, gpu.threadsPerBlock / x));
  int64_t y = largestDivisor(
      s.oh / th, std::max<int64_t>(1, gpu.threadsPerBlock / (x * z)));
  auto blocks = [&] {
    return s.n * (s.ch / (tf * z)) * (s.oh / (th * y)) * (s.ow / (tw * x));
  };
  // Two blocks per multiprocessor at least, so that one block's loads
  // overlap another's arithmetic: smaller blocks while they keep enough
  // threads.
  while (blocks() < 2 * gpu.multiprocessors) {
    int64_t ny = y > 1 ? largestDivisor(s.oh / th, y - 1) : y;
    int64_t nz = ny == y && z > 1 ? largestDivisor(s.ch / tf, z - 1) : z;
    if ((nz == z && ny == y) || x * ny * nz < gpu.minThreadsPerBlock)
      break;
    z = nz;
    y = ny;
  }
  ConvTiles t;
  t.block = {1, tf * z, th * y, tw * x};
  t.reg = {1, tf, th, tw};
  return t;
}

int64_t convc::chooseGpuChannelChunk(int64_t channels, int64_t bytesPerChannel,
                                     const GpuDesc &gpu) {
  // Half of shared memory, so that two blocks fit on a multiprocessor; at
  // most 32 channels, so that a block does not wait long for its first.
  int64_t fit = gpu.sharedBytes / 2 / std::max<int64_t>(1, bytesPerChannel);
  return fit < 1 ? 0 : largestDivisor(channels, std::min<int64_t>(32, fit));
}

int64_t convc::chooseSeparableBandRows(const ConvShape &pw, int64_t maxRows,
                                       const CpuDesc &cpu) {
  int64_t lanes = std::max<int64_t>(1, cpu.vectorBits / 32);
  auto rank = [&](int64_t b) {
    int64_t pixels = b * pw.ow;
    bool balanced = pw.n * (pw.oh / b) % cpu.threads == 0;
    int64_t whole = pixels % (2 * lanes) == 0 ? 2 : pixels % lanes == 0;
    return std::make_tuple(balanced, whole, b);
  };
  int64_t best = 1;
  for (int64_t b = 1; b <= std::min(maxRows, pw.oh); ++b)
    if (pw.oh % b == 0 && rank(b) > rank(best))
      best = b;
  return std::get<0>(rank(best)) ? best : 0;
}

int64_t convc::chooseInputBandRows(const ConvShape &dw, int64_t inputChannels,
                                   int64_t inputHeight, int64_t regRows,
                                   const CpuDesc &cpu) {
  constexpr int64_t kFloat = 4;
  int64_t rowBytes = inputChannels * dw.inputWidth * kFloat;
  if (rowBytes * inputHeight <= cpu.l2Bytes || regRows <= 0)
    return 0;
  for (int64_t b = dw.oh; b >= regRows; --b) {
    if (dw.oh % b || b % regRows)
      continue;
    int64_t rows = (b - 1) * dw.strideH + dw.kernelRows;
    // Rows that the next band reads too: computed by both.
    int64_t shared = std::max<int64_t>(0, dw.kernelRows - dw.strideH);
    if (rows * rowBytes <= cpu.l2Bytes / 2 && 4 * shared <= b * dw.strideH)
      return b;
  }
  return 0;
}

std::optional<SeparableTiles>
convc::chooseGpuSeparableTiles(const ConvShape &dw, const ConvShape &pw,
                               const GpuDesc &gpu) {
  int64_t tw = largestDivisor(pw.ow, 4);
  int64_t tf =
      largestDivisor(pw.ch, std::max<int64_t>(1, gpu.accumulators / tw));
  // A block: every output channel of one row piece. The band it reads has
  // all of the depthwise channels; pieces shrink until the band fits in
  // shared memory and there are two blocks per multiprocessor.
  int64_t hb = 1, wb = pw.ow;
  auto bandBytes = [&] { return dw.ch * hb * wb * 4; };
  auto blocks = [&] { return pw.n * (pw.oh / hb) * (pw.ow / wb); };
  while (bandBytes() > gpu.sharedBytes || blocks() < 2 * gpu.multiprocessors) {
    int64_t next = 0;
    for (int64_t d = wb - 1; d >= tw && !next; --d)
      if (pw.ow % d == 0 && d % tw == 0)
        next = d;
    if (!next)
      break;
    wb = next;
  }
  if (bandBytes() > gpu.sharedBytes)
    return std::nullopt;
  int64_t pwThreads = (pw.ch / tf) * hb * (wb / tw);
  // The band's depthwise tiles: a row piece each, and more channels each
  // while there are more tiles than the block has threads.
  int64_t dtw = largestDivisor(wb, 4);
  int64_t limit = std::max(pwThreads, gpu.threadsPerBlock);
  int64_t cr = 1;
  while ((dw.ch / cr) * hb * (wb / dtw) > limit && cr < dw.ch) {
    int64_t next = cr + 1;
    while (dw.ch % next)
      ++next;
    cr = next;
  }
  int64_t dwThreads = (dw.ch / cr) * hb * (wb / dtw);
  if (std::max(pwThreads, dwThreads) > gpu.maxThreadsPerBlock ||
      cr * dtw > gpu.accumulators)
    return std::nullopt;
  SeparableTiles t;
  t.pointwise.block = {1, 0, hb, wb};
  t.pointwise.reg = {1, tf, 1, tw};
  t.depthwiseReg = {1, cr, 1, dtw};
  return t;
}

LinearTiles convc::chooseLinearTiles(int64_t m, int64_t k, const CpuDesc &cpu) {
  LinearTiles t;
  // The widest vector (of at least 4 lanes) that divides k.
  for (int64_t lanes = cpu.vectorBits / 32; lanes >= 4 && !t.lanes; lanes /= 2)
    if (k % lanes == 0)
      t.lanes = lanes;
  if (!t.lanes)
    return t;
  // Each step loads one vector per row of w and one of x: the layer streams
  // its weights once, so a few rows of accumulators hide the FMA latency.
  t.rows = largestDivisor(
      m, std::max<int64_t>(1, std::min<int64_t>(8, cpu.vectorRegisters / 4)));
  // Many small blocks, so that the threads finish together.
  int64_t tiles = m / t.rows;
  t.blockRows = t.rows * (tiles / largestDivisor(tiles, 32 * cpu.threads));
  return t;
}

ConvTiles convc::chooseElementwiseTiles(llvm::ArrayRef<int64_t> shape,
                                        const CpuDesc &cpu) {
  ConvTiles t;
  t.block = {0, 0, 0, 0};
  t.reg = {1, 1, 1, shape[3]};
  int64_t bytes = shape[0] * shape[1] * shape[2] * shape[3] * 4;
  if (cpu.threads < 2 || bytes < kParallelBytes)
    return t;
  if (shape[1] % cpu.threads == 0)
    t.block = {1, shape[1] / cpu.threads, 0, 0};
  else if (shape[0] % cpu.threads == 0)
    t.block = {shape[0] / cpu.threads, 0, 0, 0};
  return t;
}
