//===- ConvScheduleTest.cpp - convc's cost model for convolution tiles ----===//

#include "compiler/Transforms/ConvSchedule.h"

#include <gtest/gtest.h>

#include <utility>

using namespace convc;

namespace {

CpuDesc avx2() { return CpuDesc{256, 16, 32 * 1024, 512 * 1024}; }
CpuDesc avx512() { return CpuDesc{512, 32, 32 * 1024, 1024 * 1024}; }

int64_t vectors(int64_t width, int64_t lanes) {
  return (width + lanes - 1) / lanes;
}

/// The properties every schedule must have, whatever the shape.
void checkTiles(const ConvShape &s, const CpuDesc &cpu) {
  SCOPED_TRACE(testing::Message()
               << (s.kind == ConvKind::Dense ? "dense " : "depthwise ") << s.n
               << "x" << s.ch << "x" << s.oh << "x" << s.ow << " c=" << s.c
               << " bits=" << cpu.vectorBits);
  ConvTiles t = chooseConvTiles(s, cpu);
  ASSERT_EQ(t.block.size(), 4u);
  ASSERT_EQ(t.reg.size(), 4u);
  int64_t dims[] = {s.n, s.ch, s.oh, s.ow};
  for (int i = 0; i < 4; ++i) {
    int64_t block = t.block[i] ? t.block[i] : dims[i];
    // Static tiles only: each level divides the one above it.
    EXPECT_GT(t.reg[i], 0);
    EXPECT_EQ(dims[i] % block, 0) << "block dim " << i;
    EXPECT_EQ(block % t.reg[i], 0) << "register dim " << i;
  }
  int64_t lanes = cpu.vectorBits / 32, row = t.reg[3];
  if (t.lanes == ConvLanes::Channels) {
    // Whole vectors of output channels x pixels; half the registers at
    // most (the weights of every tap are live too).
    EXPECT_EQ(s.kind, ConvKind::Dense);
    EXPECT_EQ(t.reg[1] % lanes, 0);
    EXPECT_EQ(t.reg[2], 1);
    EXPECT_LE(t.reg[1] / lanes * row, cpu.vectorRegisters / 2);
    return;
  }
  // A row LLVM keeps in whole registers: one (widened) or a multiple.
  EXPECT_TRUE(row <= lanes || row % lanes == 0) << "row " << row;
  int64_t accumulators = t.reg[1] * t.reg[2] * vectors(row, lanes);
  EXPECT_LE(accumulators, cpu.vectorRegisters - 4);
}

TEST(ConvSchedule, TilesDivideAndFitRegisters) {
  for (CpuDesc cpu : {avx2(), avx512()})
    for (int64_t ch : {1, 3, 24, 64, 144, 512})
      for (int64_t hw : {1, 7, 13, 14, 28, 56, 112})
        for (int64_t c : {1, 3, 64, 256}) {
          checkTiles({ConvKind::Dense, 1, ch, hw, hw, c, 9, 3, hw + 2}, cpu);
          checkTiles({ConvKind::Dense, 1, ch, hw, hw, c, 49, 7, 2 * hw + 6, 2},
                     cpu);
          checkTiles({ConvKind::Dense, 2, ch, hw, hw + 3, c, 1, 1, hw}, cpu);
          checkTiles({ConvKind::Depthwise, 1, ch, hw, hw, 1, 9, 3, hw + 2},
                     cpu);
        }
}

TEST(ConvSchedule, ResNetLayerOnAvx512) {
  // 64 -> 64, 3x3 on 56x56: 64 channels fill 16-lane vectors, so channels
  // go in the lanes: 2 vectors of channels x 8 pixels = 16 accumulators
  // (half of the 32 registers; 2 x 7 or 1 x 14 would be 14). The 64
  // filters' 147 KiB of weights fit half of L2: one block holds them all.
  ConvTiles t = chooseConvTiles(
      {ConvKind::Dense, 1, 64, 56, 56, 64, 9, 3, 58}, avx512());
  EXPECT_EQ(t.lanes, ConvLanes::Channels);
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 32, 1, 8}));
  EXPECT_EQ(t.block[1], 64);
}

TEST(ConvSchedule, StridedRowsLoadFewestValues) {
  // ResNet's first layer, 3 -> 64, 7x7, stride 2, to 112x112: 16
  // accumulators either as 1 x 16, 2 x 8 or 4 x 4. A step of a kernel row
  // loads k * 7 weight vectors and (w - 1) * 2 + 7 pixels: 44, 35 or 41
  // values, so 2 vectors of channels x 8 pixels. With unit stride the
  // pixels fold into the FMAs and the widest row stays: 1 x 16.
  ConvShape strided{ConvKind::Dense, 1, 64, 112, 112, 3, 49, 7, 230, 2};
  ConvTiles t = chooseConvTiles(strided, avx512());
  EXPECT_EQ(t.lanes, ConvLanes::Channels);
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 32, 1, 8}));
  ConvShape unit = strided;
  unit.strideW = 1;
  EXPECT_EQ(chooseConvTiles(unit, avx512()).reg,
            (llvm::SmallVector<int64_t, 4>{1, 16, 1, 16}));
}

TEST(ConvSchedule, StridedBlocksCountTheInputRowsTheyRead) {
  // ResNet's first layer again: a quarter of a 1 MiB L2 holds 94 padded
  // input rows of 3 x 230 floats. At stride 2, b output rows read
  // 2 (b - 1) + 7 of them: 44 rows fit, so blocks of 28 (dividing 112).
  // Counted as one input row per output row, blocks of 56 rows read 117
  // input rows, and ResNet-18's first layer took 0.70-0.78 ms at 2 threads
  // instead of 0.65-0.68.
  ConvShape shape{ConvKind::Dense, 1, 64, 112, 112, 3, 49, 7, 230, 2};
  shape.strideH = 2;
  shape.inputHeight = 230;
  EXPECT_EQ(chooseConvTiles(shape, avx512()).block[2], 28);
  shape.strideH = 1;
  EXPECT_EQ(chooseConvTiles(shape, avx512()).block[2], 56);
}

TEST(ConvSchedule, SevenPixelRowsOnAvx512) {
  // 512 -> 512 on 7x7 (ResNet's last stage): a row of 7 pixels is the
  // only wide divisor, so 2 vectors of channels x 7 pixels.
  ConvTiles t = chooseConvTiles(
      {ConvKind::Dense, 1, 512, 7, 7, 512, 9, 3, 9}, avx512());
  EXPECT_EQ(t.lanes, ConvLanes::Channels);
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 32, 1, 7}));
}

TEST(ConvSchedule, RowsOfAWholeRegisterOnAvx2) {
  // 30 channels do not fill 8-lane vectors, so a row of pixels goes in
  // the lanes. 112 = 14 x 8: two 8-lane registers per row of 16 pixels, 6
  // channels of accumulators (12 registers) -> 6 divides 30.
  ConvTiles t = chooseConvTiles(
      {ConvKind::Dense, 1, 30, 112, 112, 32, 9, 3, 114}, avx2());
  EXPECT_EQ(t.lanes, ConvLanes::Width);
  EXPECT_EQ(t.reg[3], 16);
  EXPECT_EQ(t.reg[1], 6);
}

TEST(ConvSchedule, PixelRowsStackToFillRegisters) {
  // MobileNetV2's 144 -> 24 projection on 56x56 rows (as in a separable
  // band): 24 channels do not fill 16 lanes, so rows of 14 pixels (one
  // register) x 12 channels, and two such rows (24 of the 28 accumulator
  // registers): each broadcast weight feeds two FMAs.
  ConvTiles t = chooseConvTiles({ConvKind::Dense, 1, 24, 56, 56, 144, 1, 1, 56},
                                avx512());
  EXPECT_EQ(t.lanes, ConvLanes::Width);
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 12, 2, 14}));
}

TEST(ConvSchedule, FlattenedWholeRowsKeepPixelsInLanes) {
  // 64 -> 128, 1x1 over 28 x 28 pixels flattened (784 = 49 x 16): the
  // pixels fill whole registers, so they stay in the lanes and no tile is
  // transposed on its way out (channels in lanes at 3x3: 64 x 9 products).
  ConvTiles flat = chooseConvTiles(
      {ConvKind::Dense, 1, 128, 1, 784, 64, 1, 1, 784}, avx512());
  EXPECT_EQ(flat.lanes, ConvLanes::Width);
  EXPECT_EQ(flat.reg[3], 16);
  ConvTiles rows = chooseConvTiles(
      {ConvKind::Dense, 1, 128, 28, 28, 64, 9, 3, 30}, avx512());
  EXPECT_EQ(rows.lanes, ConvLanes::Channels);
}

TEST(ConvSchedule, BlocksShareEvenlyAmongThreads) {
  // One block would hold the whole 24 x 48 x 48 output; for 3 threads the
  // rows are split (as little as possible) until the block count divides
  // by 3: 3 blocks of 16 rows.
  CpuDesc cpu = avx512();
  ConvShape shape{ConvKind::Dense, 1, 24, 48, 48, 24, 1, 1, 48};
  EXPECT_EQ(chooseConvTiles(shape, cpu).block[2], 48);
  cpu.threads = 3;
  ConvTiles t = chooseConvTiles(shape, cpu);
  EXPECT_EQ(t.block[1], 24);
  EXPECT_EQ(t.block[2], 16);
}

/// The blocks of a schedule, counted over the output dims.
int64_t blockCount(const ConvShape &s, const ConvTiles &t) {
  int64_t dims[] = {s.n, s.ch, s.oh, s.ow}, count = 1;
  for (int i = 0; i < 4; ++i)
    count *= t.block[i] ? dims[i] / t.block[i] : 1;
  return count;
}

TEST(ConvSchedule, ThreadsShareWholePlanesWhereRowsWouldShareALine) {
  // ResNet's 1x1 stride-2 64 -> 128 on 28 x 28 outputs: cut after 14 rows,
  // each plane would have a line on both sides of the cut (14 x 28 x 4
  // bytes is not a multiple of 64), so the 128 filters are split instead.
  CpuDesc cpu = avx512();
  cpu.threads = 2;
  ConvShape strided{ConvKind::Dense, 1, 128, 28, 28, 64, 1, 1, 56, 2, 2};
  ConvTiles t = chooseConvTiles(strided, cpu);
  EXPECT_EQ(t.block[1], 64);
  EXPECT_EQ(blockCount(strided, t) % 2, 0);
  // 56 x 56 cut after 28 rows falls between lines: the rows are split.
  ConvShape wide{ConvKind::Dense, 1, 64, 56, 56, 64, 9, 3, 58};
  t = chooseConvTiles(wide, cpu);
  EXPECT_EQ(t.block[1], 64);
  EXPECT_EQ(blockCount(wide, t) % 2, 0);
}

TEST(ConvSchedule, ThreadsShareBandsOfAnInputWrittenInBands) {
  // ResNet's first 3x3 stride-2 layer, 64 -> 128 on 56 x 56 (padded to
  // 58), whose input the threads wrote in bands of rows: bands, although
  // the cut falls inside a line of each plane (as in
  // ThreadsShareWholePlanesWhereRowsWouldShareALine), so that each thread
  // reads the rows it wrote.
  CpuDesc cpu = avx512();
  cpu.threads = 2;
  ConvShape s{ConvKind::Dense, 1, 128, 28, 28, 64, 9, 3, 58, 2, 2, 58};
  ConvTiles t = chooseConvTiles(s, cpu);
  EXPECT_FALSE(sharesAreBands(s, t, cpu));
  s.inputInBands = true;
  t = chooseConvTiles(s, cpu);
  EXPECT_EQ(t.block[1], 128);
  EXPECT_TRUE(sharesAreBands(s, t, cpu));
  // Its neighbour 128 -> 128 on 28 x 28: the weights (576 KiB) outweigh
  // the input (450 KiB); each thread reads half of them whatever wrote
  // the input.
  ConvShape heavy{ConvKind::Dense, 1, 128, 28, 28, 128, 9, 3, 30, 1, 1, 30};
  heavy.inputInBands = true;
  EXPECT_FALSE(sharesAreBands(heavy, chooseConvTiles(heavy, cpu), cpu));
}

TEST(ConvSchedule, OddRowsShareFiltersAmongThreads) {
  // 256 -> 512 on 7 x 7 outputs (ResNet's last 1x1 stride-2 layer): 7 rows
  // do not split in two, and the weights fit one block; the filters are
  // split so that both threads work.
  CpuDesc cpu = avx512();
  cpu.threads = 2;
  ConvShape s{ConvKind::Dense, 1, 512, 7, 7, 256, 1, 1, 14, 2, 2};
  ConvTiles t = chooseConvTiles(s, cpu);
  EXPECT_EQ(blockCount(s, t) % 2, 0);
  EXPECT_EQ(t.block[1] % t.reg[1], 0);
}

TEST(ConvSchedule, ThreadsShareFiltersWhereWeightsOutweighInput) {
  // A phase of a 4x4 stride-2 transposed convolution, 256 -> 128 on
  // 16 x 16 (2 x 2 taps over an 18 x 18 padded input): 512 KiB of weights,
  // 324 KiB of input. On one thread one block of filters; on two, each
  // thread half of the filters.
  CpuDesc cpu = avx512();
  ConvShape s{ConvKind::Dense, 1, 128, 16, 16, 256, 4, 2, 18};
  s.inputHeight = 18;
  EXPECT_EQ(chooseConvTiles(s, cpu).block[1], 128);
  cpu.threads = 2;
  ConvTiles t = chooseConvTiles(s, cpu);
  EXPECT_EQ(t.block[1], 64);
  EXPECT_EQ(blockCount(s, t) % 2, 0);
  // The same layer on 4 images has 4 times the input: the filters stay
  // whole.
  s.n = 4;
  EXPECT_EQ(chooseConvTiles(s, cpu).block[1], 128);
}

TEST(ConvSchedule, ElementwiseBlocksAreWholePlanesPerThread) {
  using Tiles = llvm::SmallVector<int64_t, 4>;
  CpuDesc cpu = avx512();
  cpu.threads = 2;
  // 144 x 56 x 56 floats (1.7 MiB): two blocks of 72 planes; a row each.
  ConvTiles t = chooseElementwiseTiles(Tiles{1, 144, 56, 56}, cpu);
  EXPECT_EQ(t.block, (Tiles{1, 72, 0, 0}));
  EXPECT_EQ(t.reg, (Tiles{1, 1, 1, 56}));
  // 35 channels do not split in two; 2 images do.
  t = chooseElementwiseTiles(Tiles{2, 35, 40, 41}, cpu);
  EXPECT_EQ(t.block, (Tiles{1, 0, 0, 0}));
  // Under 256 KiB, or on one thread: one block.
  EXPECT_EQ(chooseElementwiseTiles(Tiles{1, 8, 32, 32}, cpu).block,
            (Tiles{0, 0, 0, 0}));
  cpu.threads = 1;
  EXPECT_EQ(chooseElementwiseTiles(Tiles{1, 144, 56, 56}, cpu).block,
            (Tiles{0, 0, 0, 0}));
}

TEST(ConvSchedule, ShortSumsOnUnevenRowsKeepChannelsInLanes) {
  // 3 channels x 9 taps = 27 products per output, 32 filters on 112 x 112
  // outputs: at stride 2 the rows of pixels would need a shuffle per tap,
  // so the channels go in the lanes; at stride 1 (rows of 7 registers) the
  // pixels stay there.
  ConvTiles strided = chooseConvTiles(
      {ConvKind::Dense, 1, 32, 112, 112, 3, 9, 3, 226, 2}, avx512());
  EXPECT_EQ(strided.lanes, ConvLanes::Channels);
  ConvTiles unit = chooseConvTiles(
      {ConvKind::Dense, 1, 32, 112, 112, 3, 9, 3, 114, 1}, avx512());
  EXPECT_EQ(unit.lanes, ConvLanes::Width);
  // A 1x1 expansion 24 -> 144 on rows of 56 pixels (14 per register): the
  // channels; 16 -> 96 on rows of 112 (whole registers): the pixels.
  ConvTiles uneven = chooseConvTiles(
      {ConvKind::Dense, 1, 144, 56, 56, 24, 1, 1, 56}, avx512());
  EXPECT_EQ(uneven.lanes, ConvLanes::Channels);
  ConvTiles whole = chooseConvTiles(
      {ConvKind::Dense, 1, 96, 112, 112, 16, 1, 1, 112}, avx512());
  EXPECT_EQ(whole.lanes, ConvLanes::Width);
}

TEST(ConvSchedule, FlattenedPixelsSplitIntoBlocks) {
  // A 1x1 convolution over 56 x 56 pixels as one row of 3136: rows of 32
  // pixels (two whole 16-lane vectors) x 12 channels (24 accumulators), and
  // for 2 threads blocks of at most 3136 / 8 = 392 pixels that are a
  // multiple of 32: 224 (14 blocks).
  CpuDesc cpu = avx512();
  cpu.threads = 2;
  ConvTiles t =
      chooseConvTiles({ConvKind::Dense, 1, 144, 1, 3136, 24, 1, 1, 3136}, cpu);
  EXPECT_EQ(t.lanes, ConvLanes::Width);
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 12, 1, 32}));
  EXPECT_EQ(t.block[3], 224);
}

TEST(ConvSchedule, DepthwiseKeepsOneChannelPerTile) {
  ConvTiles t = chooseConvTiles(
      {ConvKind::Depthwise, 1, 144, 56, 56, 1, 9, 3, 58}, avx512());
  EXPECT_EQ(t.reg[1], 1);
  EXPECT_EQ(t.block[1], 1);
  EXPECT_EQ(t.reg[3], 14);
}

TEST(ConvSchedule, StridedDepthwiseBlocksAreShortBands) {
  // A stride-2 3x3 window's band (block rows; 0 = the whole plane) and
  // register tile rows, over `oh` rows of `ow` with `width` padded columns.
  auto band = [](int64_t oh, int64_t ow, int64_t width) {
    ConvTiles t = chooseConvTiles(
        {ConvKind::Depthwise, 1, 96, oh, ow, 1, 9, 3, width, 2, 2}, avx512());
    EXPECT_EQ(t.block[1], 1); // one channel a block
    return std::make_pair(t.block[2], t.reg[2]);
  };
  using Band = std::pair<int64_t, int64_t>;
  // M2: 112x112 -> 56x56, 114 padded columns (456 bytes a row). A band of
  // 4 output rows reads 9 rows (4104 bytes), the least allowed; 7 would
  // read 15 (6840 bytes), more than an eighth of L1 (4096).
  EXPECT_EQ(band(56, 56, 114), Band(4, 4));
  // Narrow rows (34 padded columns, 136 bytes) of 64 output rows: bands
  // of 8 (17 input rows, 2312 bytes); 16 would read 33 rows (4488 bytes).
  EXPECT_EQ(band(64, 16, 34), Band(8, 8));
  // 14 output rows of 28 (58 padded columns): bands of 7 (15 input rows,
  // 3480 bytes); all 14 would read 29 rows (6728 bytes).
  EXPECT_EQ(band(14, 28, 58), Band(7, 7));
  // Wide rows (226 padded columns): no fewer than 4 output rows, though
  // their 9 input rows (8136 bytes) exceed the eighth.
  EXPECT_EQ(band(112, 112, 226).first, 4);
  // A small plane is one block.
  EXPECT_EQ(band(7, 7, 16).first, 0);
  // 23 output rows of 200 (402 padded columns, 5x5 taps): a whole plane
  // (49 rows) exceeds half of L1, so bands of one row (5 rows, 8040
  // bytes), within a quarter.
  ConvShape prime{ConvKind::Depthwise, 1, 3, 23, 200, 1, 25, 5, 402, 2, 2};
  EXPECT_EQ(chooseConvTiles(prime, avx512()).block[2], 1);
  // Without a stride, whole planes.
  ConvShape unit{ConvKind::Depthwise, 1, 96, 56, 56, 1, 9, 3, 58};
  EXPECT_EQ(chooseConvTiles(unit, avx512()).block[2], 0);
}

TEST(ConvSchedule, PoolBlocksFollowTheirProducersBands) {
  CpuDesc cpu = avx512();
  cpu.threads = 2;
  // ResNet's first layer: 28-row blocks of all 64 filters, the threads
  // share bands of rows; its 3x3 stride-2 max pool (bands of 4 rows of
  // one channel) runs band by band.
  ConvShape first{ConvKind::Dense, 1, 64, 112, 112, 3, 49, 7, 230, 2, 2, 230};
  EXPECT_TRUE(sharesAreBands(first, chooseConvTiles(first, cpu), cpu));
  ConvShape pool{ConvKind::Pool, 1, 64, 56, 56, 1, 9, 3, 114, 2, 2, 114};
  pool.inputInBands = true;
  ConvTiles poolTiles = chooseConvTiles(pool, cpu);
  EXPECT_EQ(poolTiles.block[2], 4);
  EXPECT_TRUE(blocksFollowBands(pool, poolTiles));
  // Written by threads that share filters (ResNet's 1x1 stride-2 layer,
  // see ThreadsShareWholePlanesWhereRowsWouldShareALine): channel by
  // channel.
  ConvShape strided{ConvKind::Dense, 1, 128, 28, 28, 64, 1, 1, 56, 2, 2};
  EXPECT_FALSE(sharesAreBands(strided, chooseConvTiles(strided, cpu), cpu));
  pool.inputInBands = false;
  EXPECT_FALSE(blocksFollowBands(pool, poolTiles));
  // A pool whose block is its whole plane has no bands to follow.
  ConvShape small{ConvKind::Pool, 1, 64, 7, 7, 1, 9, 3, 16, 2, 2, 16};
  small.inputInBands = true;
  EXPECT_FALSE(blocksFollowBands(small, chooseConvTiles(small, cpu)));
  // One thread shares nothing.
  cpu.threads = 1;
  EXPECT_FALSE(sharesAreBands(first, chooseConvTiles(first, cpu), cpu));
}

TEST(ConvSchedule, SeparableBlocksComputeTheirRowsOfALargeExpansion) {
  // MobileNetV2's features.2: 96 expanded channels, 112x112 (4.9 MB
  // padded, more than L2) -> 56x56 at stride 2. A band of 4 output rows
  // reads 9 input rows (385 KiB, within half of L2), one of them shared
  // with the next band (1 in 8 of the band's).
  ConvShape dw{ConvKind::Depthwise, 1, 96, 56, 56, 1, 9, 3, 114, 2, 2};
  EXPECT_EQ(chooseInputBandRows(dw, 96, 112, 2, avx512()), 4);
  // A multiple of the pointwise register rows, dividing the height.
  EXPECT_EQ(chooseInputBandRows(dw, 96, 112, 4, avx512()), 4);
  EXPECT_EQ(chooseInputBandRows(dw, 96, 112, 3, avx512()), 0);
  // Half of L2: bands of 2 rows (5 input rows), sharing 1 row in 4; a
  // quarter: not even those fit.
  CpuDesc small = avx512();
  small.l2Bytes /= 2;
  EXPECT_EQ(chooseInputBandRows(dw, 96, 112, 2, small), 2);
  small.l2Bytes /= 2;
  EXPECT_EQ(chooseInputBandRows(dw, 96, 112, 2, small), 0);
  // An expansion that stays in L2 is read from there.
  ConvShape late{ConvKind::Depthwise, 1, 384, 14, 14, 1, 9, 3, 16, 1, 1};
  EXPECT_EQ(chooseInputBandRows(late, 384, 14, 2, avx512()), 0);
  // At stride 1, two rows are shared: features.3's 144 channels of 56x56
  // (1.9 MB) in bands of 8 rows (10 input rows, 326 KiB).
  ConvShape unit{ConvKind::Depthwise, 1, 144, 56, 56, 1, 9, 3, 58, 1, 1};
  EXPECT_EQ(chooseInputBandRows(unit, 144, 56, 2, avx512()), 8);
  // A 5x5 kernel shares four rows: bands of 16 would not fit.
  ConvShape five = unit;
  five.kernelRows = 5;
  five.inputWidth = 60;
  EXPECT_EQ(chooseInputBandRows(five, 144, 56, 2, avx512()), 0);
}

TEST(ConvSchedule, SeparableBandsFillWholeVectorsOnceFlattened) {
  // DS1: 144 -> 24 channels at 56x56. Its pointwise block alone would be 7
  // rows, 392 pixels (rows of 14 in 16 lanes); 4 rows are 224 pixels,
  // seven pairs of vectors, in 14 blocks that two threads share evenly.
  CpuDesc cpu = avx512();
  cpu.threads = 2;
  ConvShape ds1{ConvKind::Dense, 1, 24, 56, 56, 144, 1, 1, 56};
  EXPECT_EQ(chooseSeparableBandRows(ds1, 7, cpu), 4);
  // Single vectors when no pair fits: 2 rows, 112 pixels.
  EXPECT_EQ(chooseSeparableBandRows(ds1, 3, cpu), 2);
  // Blocks shared evenly first: at 28x28, 7 rows (4 blocks) rather than 4
  // rows (112 pixels, but 7 blocks).
  ConvShape late{ConvKind::Dense, 1, 32, 28, 28, 192, 1, 1, 28};
  EXPECT_EQ(chooseSeparableBandRows(late, 7, cpu), 7);
  // At 7x7 the one band of 7 rows, or 7 bands of one, leave a thread idle
  // or one with more: not fused.
  ConvShape last{ConvKind::Dense, 1, 320, 7, 7, 960, 1, 1, 7};
  EXPECT_EQ(chooseSeparableBandRows(last, 7, cpu), 0);
  cpu.threads = 1;
  EXPECT_EQ(chooseSeparableBandRows(late, 7, cpu), 4);
  EXPECT_EQ(chooseSeparableBandRows(last, 7, cpu), 7);
}

/// The properties every GPU schedule must have: static tiles, a register
/// tile within the accumulator budget, at most 1024 threads per block.
void checkGpuTiles(const ConvShape &s, const GpuDesc &gpu) {
  SCOPED_TRACE(testing::Message()
               << (s.kind == ConvKind::Dense ? "dense " : "depthwise ") << s.n
               << "x" << s.ch << "x" << s.oh << "x" << s.ow);
  ConvTiles t = chooseGpuConvTiles(s, gpu);
  ASSERT_EQ(t.block.size(), 4u);
  ASSERT_EQ(t.reg.size(), 4u);
  int64_t dims[] = {s.n, s.ch, s.oh, s.ow};
  int64_t threads = 1;
  for (int i = 0; i < 4; ++i) {
    ASSERT_GT(t.block[i], 0);
    ASSERT_GT(t.reg[i], 0);
    EXPECT_EQ(dims[i] % t.block[i], 0) << "block dim " << i;
    EXPECT_EQ(t.block[i] % t.reg[i], 0) << "thread dim " << i;
    threads *= t.block[i] / t.reg[i];
  }
  EXPECT_EQ(t.reg[0], 1);
  EXPECT_LE(threads, 1024);
  EXPECT_LE(t.reg[1] * t.reg[2] * t.reg[3], gpu.accumulators);
  if (s.kind != ConvKind::Dense)
    EXPECT_EQ(t.reg[1], 1);
}

TEST(GpuConvSchedule, TilesDivideAndFitTheBlock) {
  for (const char *arch : {"sm_80", "sm_90"})
    for (int64_t ch : {1, 3, 24, 64, 144, 512})
      for (int64_t hw : {1, 7, 13, 14, 28, 56, 112})
        for (int64_t n : {1, 2}) {
          GpuDesc gpu = describeGpu(arch);
          checkGpuTiles({ConvKind::Dense, n, ch, hw, hw, 64, 9, 3, hw + 2},
                        gpu);
          checkGpuTiles({ConvKind::Dense, n, ch, hw, hw + 3, 3, 1, 1, hw}, gpu);
          checkGpuTiles({ConvKind::Depthwise, n, ch, hw, hw, 1, 9, 3, hw + 2},
                        gpu);
          checkGpuTiles({ConvKind::Pool, n, ch, hw, hw, 1, 4, 2, hw}, gpu);
        }
}

TEST(GpuConvSchedule, ResNetLayerOnH100) {
  // 64 -> 64, 3x3 on 56x56 (200704 outputs): 4 channels x 4 pixels per
  // thread gives 12544 threads, 95 per multiprocessor (132 on sm_90), more
  // than the 64 wanted. A row is 14 threads; 8 along the output channels
  // make 112 threads (128 wanted), so blocks of 32 channels x one row: 112
  // blocks, fewer than two per multiprocessor, but 4 channels would leave
  // 56 threads, fewer than 64.
  GpuDesc gpu = describeGpu("sm_90");
  EXPECT_EQ(gpu.multiprocessors, 132);
  ConvTiles t =
      chooseGpuConvTiles({ConvKind::Dense, 1, 64, 56, 56, 64, 9, 3, 58}, gpu);
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 4, 1, 4}));
  EXPECT_EQ(t.block, (llvm::SmallVector<int64_t, 4>{1, 32, 1, 56}));
  // Such a block stages, per input channel, 3 x 58 input pixels and 9 x 32
  // weights (1848 bytes): 13 channels fit half of 48 KiB; 8 divide 64.
  EXPECT_EQ(chooseGpuChannelChunk(64, 1848, gpu), 8);
  EXPECT_EQ(chooseGpuChannelChunk(3, 1848, gpu), 3);
  EXPECT_EQ(chooseGpuChannelChunk(64, 30000, gpu), 0);
}

TEST(GpuConvSchedule, SmallLayerShrinksRegisterTiles) {
  // 512 -> 512 on 7x7 (25088 outputs): 7 has no divisor up to 4 but 1, so
  // a thread's row is one pixel, times 16 channels: 1568 threads, 12 per
  // multiprocessor. 8 channels give 3136, 4 give 6272, 2 give 12544, the
  // first at least 64 per multiprocessor (8448 in all).
  ConvTiles t = chooseGpuConvTiles(
      {ConvKind::Dense, 1, 512, 7, 7, 512, 9, 3, 9}, describeGpu("sm_90"));
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 2, 1, 1}));
}

TEST(GpuConvSchedule, LargeLayerKeepsFullRegisterTiles) {
  // 256 -> 256 on 56x56 at batch 8: 6.4 M outputs are plenty of threads
  // with 4 x 4 outputs each.
  ConvTiles t = chooseGpuConvTiles(
      {ConvKind::Dense, 8, 256, 56, 56, 256, 9, 3, 58}, describeGpu("sm_90"));
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 4, 1, 4}));
}

TEST(GpuConvSchedule, SeparablePairShareABandInSharedMemory) {
  // DS1: 144 channels 3x3 depthwise, then 144 -> 24 pointwise on 56x56.
  // A thread of the pointwise part: 4 channels x 4 pixels. Blocks of 56
  // or 28 pixels would be 56 or 112 blocks (fewer than 2 x 132), so 8
  // pixels: 392 blocks, 12 pointwise threads, a 4.5 KiB band. Its 144 x 2
  // row pieces of 4 pixels are more than the 128 threads a block aims
  // for: 3 channels per thread, 96 threads.
  ConvShape dw{ConvKind::Depthwise, 1, 144, 56, 56, 1, 9, 3, 58};
  ConvShape pw{ConvKind::Dense, 1, 24, 56, 56, 144, 1, 1, 56};
  std::optional<SeparableTiles> t =
      chooseGpuSeparableTiles(dw, pw, describeGpu("sm_90"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pointwise.block, (llvm::SmallVector<int64_t, 4>{1, 0, 1, 8}));
  EXPECT_EQ(t->pointwise.reg, (llvm::SmallVector<int64_t, 4>{1, 4, 1, 4}));
  EXPECT_EQ(t->depthwiseReg, (llvm::SmallVector<int64_t, 4>{1, 3, 1, 4}));
}

TEST(GpuConvSchedule, SeparableBandTooLargeIsNotFused) {
  // 16384 channels of even one pixel are 64 KiB: more than shared memory.
  ConvShape dw{ConvKind::Depthwise, 1, 16384, 7, 7, 1, 9, 3, 9};
  ConvShape pw{ConvKind::Dense, 1, 64, 7, 7, 16384, 1, 1, 7};
  EXPECT_FALSE(chooseGpuSeparableTiles(dw, pw, describeGpu("sm_80")));
}

} // namespace
