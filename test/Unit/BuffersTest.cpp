//===- BuffersTest.cpp - the runtime's buffers for compiled models --------===//
//
// Compiled code allocates through MLIR's generic memref entry points; the
// runtime keeps large freed buffers for the next inference.
//
//===----------------------------------------------------------------------===//

#include "convc/runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

extern "C" {
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
}

namespace {

constexpr size_t kMiB = size_t(1) << 20;

class Buffers : public ::testing::Test {
protected:
  void SetUp() override { convc_release_cached_buffers(); }
  void TearDown() override { convc_release_cached_buffers(); }
};

TEST_F(Buffers, LargeBufferIsKeptForTheNextRequestOfItsSize) {
  void *a = _mlir_memref_to_llvm_alloc(kMiB);
  ASSERT_NE(a, nullptr);
  std::memset(a, 1, kMiB);
  _mlir_memref_to_llvm_free(a);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(kMiB), a);
  _mlir_memref_to_llvm_free(a);
  // A little smaller fits too; the smallest fitting buffer is chosen.
  void *b = _mlir_memref_to_llvm_alloc(kMiB + kMiB / 8);
  _mlir_memref_to_llvm_free(b);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(kMiB - 1000), a);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(kMiB - 1000), b);
  _mlir_memref_to_llvm_free(a);
  _mlir_memref_to_llvm_free(b);
}

TEST_F(Buffers, MuchLargerOrSmallerRequestsGetTheirOwn) {
  void *big = _mlir_memref_to_llvm_alloc(8 * kMiB);
  _mlir_memref_to_llvm_free(big);
  void *small = _mlir_memref_to_llvm_alloc(kMiB);
  EXPECT_NE(small, big); // the kept 8 MiB would waste 7
  void *bigger = _mlir_memref_to_llvm_alloc(16 * kMiB);
  EXPECT_NE(bigger, big);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(8 * kMiB), big);
  for (void *p : {small, bigger, big})
    _mlir_memref_to_llvm_free(p);
}

TEST_F(Buffers, AlignmentIsHonoured) {
  for (size_t alignment : {1, 16, 64, 128, 4096})
    for (size_t size : {size_t(0), size_t(3), size_t(100000), 2 * kMiB}) {
      void *p = _mlir_memref_to_llvm_aligned_alloc(alignment, size);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % std::max<size_t>(alignment, 64),
                0u)
          << "alignment " << alignment << ", size " << size;
      std::memset(p, 0xab, size);
      _mlir_memref_to_llvm_free(p);
    }
  void *small = _mlir_memref_to_llvm_alloc(5);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 64, 0u);
  _mlir_memref_to_llvm_free(small);
}

TEST_F(Buffers, ImpossibleSizesFailCleanly) {
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(SIZE_MAX), nullptr);
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(64, SIZE_MAX - 10), nullptr);
  _mlir_memref_to_llvm_free(nullptr);
}

// Threads allocating and freeing at once never share a buffer: each fills
// its buffer with its own pattern and finds it intact.
TEST_F(Buffers, ThreadsNeverShareABuffer) {
  std::vector<int> clobbered(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &clobbered] {
      for (int i = 0; i < 300; ++i) {
        size_t size = (size_t(64) << 10) * size_t(1 + (i + t) % 5);
        auto *p = static_cast<unsigned char *>(_mlir_memref_to_llvm_alloc(size));
        if (!p) {
          ++clobbered[t];
          continue;
        }
        std::memset(p, t + 1, size);
        std::this_thread::yield();
        for (size_t j = 0; j < size; j += 4096)
          clobbered[t] += p[j] != t + 1;
        _mlir_memref_to_llvm_free(p);
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(clobbered[t], 0) << "thread " << t;
}

} // namespace
