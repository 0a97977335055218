//===- ConvScheduleTest.cpp - convc's cost model for convolution tiles ----===//

#include "compiler/Transforms/ConvSchedule.h"

#include <gtest/gtest.h>

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
          checkTiles({ConvKind::Dense, 2, ch, hw, hw + 3, c, 1, 1, hw}, cpu);
          checkTiles({ConvKind::Depthwise, 1, ch, hw, hw, 1, 9, 3, hw + 2},
                     cpu);
        }
}

TEST(ConvSchedule, ResNetLayerOnAvx512) {
  // 64 -> 64, 3x3 on 56x56: rows of 14 pixels fill one 16-lane register
  // (a 28-pixel row would be split 16 + 8 + 4), so 16 output channels x 1
  // register of accumulators; the 64 filters' 147 KiB of weights fit half
  // of L2, so one block holds all of them.
  ConvTiles t = chooseConvTiles(
      {ConvKind::Dense, 1, 64, 56, 56, 64, 9, 3, 58}, avx512());
  EXPECT_EQ(t.reg, (llvm::SmallVector<int64_t, 4>{1, 16, 1, 14}));
  EXPECT_EQ(t.block[1], 64);
}

TEST(ConvSchedule, RowsOfAWholeRegisterOnAvx2) {
  // 112 = 14 x 8: two 8-lane registers per row of 16 pixels, 6 channels of
  // accumulators (12 registers) -> the largest divisor of 96 below is 6.
  ConvTiles t = chooseConvTiles(
      {ConvKind::Dense, 1, 96, 112, 112, 32, 9, 3, 114}, avx2());
  EXPECT_EQ(t.reg[3], 16);
  EXPECT_EQ(t.reg[1], 6);
}

TEST(ConvSchedule, DepthwiseKeepsOneChannelPerTile) {
  ConvTiles t = chooseConvTiles(
      {ConvKind::Depthwise, 1, 144, 56, 56, 1, 9, 3, 58}, avx512());
  EXPECT_EQ(t.reg[1], 1);
  EXPECT_EQ(t.block[1], 1);
  EXPECT_EQ(t.reg[3], 14);
}

} // namespace
