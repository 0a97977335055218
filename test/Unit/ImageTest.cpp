//===- ImageTest.cpp - the runtime's image reader and PNG writer ----------===//

#include "convc/runtime.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

std::string slurp(const std::string &path) {
  std::string out;
  if (FILE *f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
      out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

/// Writes a black one-channel h x w PNG to the test's temporary folder;
/// returns its path, empty on failure.
std::string writeBlackPng(const std::string &name, int64_t h, int64_t w) {
  std::string path = ::testing::TempDir() + "/" + name;
  convc_tensor t;
  int64_t shape[] = {1, 1, h, w};
  if (convc_status *s = convc_tensor_alloc(&t, CONVC_F32, 4, shape)) {
    convc_status_free(s);
    return "";
  }
  convc_status *s = convc_png_write(path.c_str(), &t);
  convc_tensor_free(&t);
  if (s) {
    convc_status_free(s);
    return "";
  }
  return path;
}

/// A 3x2 RGB tensor with distinct values, written and read back.
TEST(Image, PngRoundTripsAtEightBits) {
  std::string path = ::testing::TempDir() + "/rgb.png";
  convc_tensor t;
  int64_t shape[] = {1, 3, 2, 3};
  ASSERT_EQ(convc_tensor_alloc(&t, CONVC_F32, 4, shape), nullptr);
  float *v = static_cast<float *>(t.data);
  for (size_t i = 0; i < convc_tensor_numel(&t); ++i)
    v[i] = static_cast<float>(i * 13 % 256) / 255.0f;
  v[0] = -0.5f; // clamped to 0
  v[1] = 7.0f;  // clamped to 1
  ASSERT_EQ(convc_png_write(path.c_str(), &t), nullptr);
  convc_tensor back;
  convc_status *s = convc_image_read(path.c_str(), 3, &back);
  ASSERT_EQ(s, nullptr) << convc_status_message(s);
  ASSERT_EQ(back.rank, 4);
  EXPECT_EQ(back.shape[1], 3);
  EXPECT_EQ(back.shape[2], 2);
  EXPECT_EQ(back.shape[3], 3);
  float *b = static_cast<float *>(back.data);
  EXPECT_EQ(b[0], 0.0f);
  EXPECT_EQ(b[1], 1.0f);
  for (size_t i = 2; i < convc_tensor_numel(&t); ++i)
    EXPECT_FLOAT_EQ(b[i], v[i]) << "element " << i;
  // One channel: luminance of the same pixels.
  convc_tensor gray;
  ASSERT_EQ(convc_image_read(path.c_str(), 1, &gray), nullptr);
  EXPECT_EQ(gray.shape[1], 1);
  convc_tensor_free(&t);
  convc_tensor_free(&back);
  convc_tensor_free(&gray);
  std::remove(path.c_str());
}

TEST(Image, TruncatedAndCorruptFilesAreErrors) {
  std::string path = writeBlackPng("small.png", 4, 4);
  ASSERT_FALSE(path.empty());
  std::string good = slurp(path);
  ASSERT_GT(good.size(), 40u);
  for (size_t n = 0; n < good.size(); n += 3) {
    convc_tensor out;
    convc_status *s = convc_image_parse(good.data(), n, "small.png", 1, &out);
    if (s) {
      EXPECT_EQ(convc_status_code_of(s), CONVC_FORMAT_ERROR);
      convc_status_free(s);
    } else {
      // stb may decode a prefix that ends inside trailing chunks.
      EXPECT_EQ(out.shape[2], 4);
      convc_tensor_free(&out);
    }
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    convc_tensor out;
    convc_status *s = convc_image_parse(bad.data(), bad.size(), "x", 1, &out);
    if (s)
      convc_status_free(s);
    else
      convc_tensor_free(&out);
  }
  std::remove(path.c_str());
}

// A 25-byte TGA-like header (found by fuzzing) that claims 65285 x 1279
// grayscale pixels: rejected from the header, before stb fills 83 million
// pixels (seconds, and a 1 GB tensor). A large image that a small file
// really holds (a constant 2048 x 2048 PNG, a few KB) still loads.
TEST(Image, HeadersClaimingMorePixelsThanTheFileHoldsAreErrors) {
  const unsigned char claim[] = {0x89, 0x00, 0x03, 0x44, 0x41, 0x54, 0x78,
                                 0x9c, 0x01, 0x48, 0x00, 0x49, 0x05, 0xff,
                                 0xff, 0x04, 0x08, 0x00, 0x04, 0x08, 0x0c,
                                 0xae, 0x42, 0x64, 0x82};
  convc_tensor out;
  convc_status *s =
      convc_image_parse(claim, sizeof claim, "claim.tga", 3, &out);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(convc_status_code_of(s), CONVC_FORMAT_ERROR);
  EXPECT_NE(std::string(convc_status_message(s)).find("claims"),
            std::string::npos)
      << convc_status_message(s);
  convc_status_free(s);

  std::string path = writeBlackPng("flat.png", 2048, 2048);
  ASSERT_FALSE(path.empty());
  ASSERT_EQ(convc_image_read(path.c_str(), 1, &out), nullptr);
  EXPECT_EQ(out.shape[2], 2048);
  convc_tensor_free(&out);
  std::remove(path.c_str());
}

TEST(Image, RejectsBadChannelCountsAndShapes) {
  convc_tensor out;
  convc_status *s = convc_image_read("/nonexistent.png", 2, &out);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(convc_status_code_of(s), CONVC_INVALID_ARGUMENT);
  convc_status_free(s);
  s = convc_image_read("/nonexistent.png", 1, &out);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(std::string(convc_status_message(s)).find("/nonexistent.png"),
            std::string::npos);
  convc_status_free(s);
  convc_tensor t;
  int64_t shape[] = {2, 1, 4, 4};
  ASSERT_EQ(convc_tensor_alloc(&t, CONVC_F32, 4, shape), nullptr);
  s = convc_png_write("/tmp/never.png", &t);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(std::string(convc_status_message(s)).find("[1, C, H, W]"),
            std::string::npos);
  convc_status_free(s);
  convc_tensor_free(&t);
}

} // namespace
