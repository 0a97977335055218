//===- SafetensorsTest.cpp - the runtime's safetensors reader -------------===//

#include "convc/runtime.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

std::string safetensors(const std::string &header, const std::string &data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string floats(std::vector<float> v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(float));
}

struct Opened {
  convc_safetensors *file = nullptr;
  convc_status *s = nullptr;
  explicit Opened(const std::string &bytes) {
    s = convc_safetensors_parse(bytes.data(), bytes.size(), "w.safetensors",
                                &file);
  }
  ~Opened() {
    convc_status_free(s);
    convc_safetensors_close(file);
  }
  std::string message() const { return convc_status_message(s); }
};

const std::string kGood = safetensors(
    R"({"__metadata__": {"format": "pt", "nested": [1, {"a": null}]},)"
    R"( "conv1.weight": {"dtype": "F32", "shape": [2, 1, 1, 1], "data_offsets": [0, 8]},)"
    R"( "conv1.bias": {"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
    R"( "caf\u00e9": {"dtype": "BF16", "shape": [], "data_offsets": [16, 18]}})",
    floats({1.5f, -2.0f, 0.25f, 4.0f}) + std::string("\x80\x3f", 2));

TEST(Safetensors, ReadsTensorsByName) {
  Opened o(kGood);
  ASSERT_EQ(o.s, nullptr) << o.message();
  EXPECT_EQ(convc_safetensors_count(o.file), 3u);
  convc_tensor t;
  ASSERT_EQ(convc_safetensors_get(o.file, "conv1.bias", &t), nullptr);
  EXPECT_EQ(t.dtype, CONVC_F32);
  ASSERT_EQ(t.rank, 1);
  EXPECT_EQ(t.shape[0], 2);
  float v[2];
  std::memcpy(v, t.data, 8);
  EXPECT_EQ(v[0], 0.25f);
  EXPECT_EQ(v[1], 4.0f);
  ASSERT_EQ(convc_safetensors_get(o.file, "caf\xc3\xa9", &t), nullptr);
  EXPECT_EQ(t.dtype, CONVC_BF16);
  EXPECT_EQ(t.rank, 0);
}

TEST(Safetensors, MissingTensorIsNotFound) {
  Opened o(kGood);
  ASSERT_EQ(o.s, nullptr);
  convc_tensor t;
  convc_status *s = convc_safetensors_get(o.file, "fc.weight", &t);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(convc_status_code_of(s), CONVC_NOT_FOUND);
  convc_status_free(s);
}

TEST(Safetensors, RejectsBadFiles) {
  struct Case {
    std::string bytes, expect;
  } cases[] = {
      {"abc", "not a safetensors file"},
      {std::string("\xff\xff\xff\xff\x00\x00\x00\x00{}", 10),
       "exceeds the file size"},
      {safetensors("[]", ""), "expected a JSON object"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})",
           floats({1})),
       "outside the 4 data bytes"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
           floats({1, 2})),
       "need 12"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})",
           floats({1, 2})),
       "outside"},
      {safetensors(
           R"({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})",
           floats({1, 2})),
       "unsupported dtype"},
      {safetensors(R"({"a": {"dtype": "F32", "shape": [1]}})", floats({1})),
       "lacks"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
           R"( "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
           floats({1})),
       "appears twice"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
           floats({1})),
       "non-negative integer"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})",
           floats({1})),
       "expected an integer"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [99999999999999999999]}})", ""),
       "too large"},
      {safetensors(
           R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 4]}})",
           floats({1})),
       "too many elements"},
      {safetensors(R"({"a": 1} x)", ""), "a tensor entry must be an object"},
      {safetensors(R"({} x)", ""), "trailing characters"},
      {safetensors(R"({"a\q": {}})", ""), "bad escape"},
      {safetensors(R"({"__metadata__": )" + std::string(200, '['), ""),
       "nested too deeply"},
  };
  for (const Case &c : cases) {
    Opened o(c.bytes);
    ASSERT_NE(o.s, nullptr) << "accepted a file that should fail: " << c.expect;
    EXPECT_EQ(convc_status_code_of(o.s), CONVC_FORMAT_ERROR);
    EXPECT_NE(o.message().find(c.expect), std::string::npos) << o.message();
    EXPECT_EQ(o.file, nullptr);
  }
}

TEST(Safetensors, EveryTruncationIsAnError) {
  for (size_t n = 0; n < kGood.size(); ++n) {
    Opened o(kGood.substr(0, n));
    EXPECT_NE(o.s, nullptr) << "a prefix of " << n << " bytes was accepted";
  }
}

TEST(Safetensors, CorruptedBytesNeverReadOutOfBounds) {
  for (size_t i = 0; i < kGood.size(); ++i)
    for (char c :
         {'\0', '"', '{', '}', '[', ']', ',', ':', '9', '\\', '\xff'}) {
      std::string bad = kGood;
      bad[i] = c;
      Opened o(bad);
      if (o.s)
        continue;
      for (size_t k = 0; k < convc_safetensors_count(o.file); ++k) {
        convc_tensor t;
        ASSERT_EQ(convc_safetensors_get(o.file,
                                        convc_safetensors_name(o.file, k), &t),
                  nullptr);
        const char *begin = static_cast<const char *>(t.data);
        size_t bytes = convc_tensor_numel(&t) * convc_dtype_size(t.dtype);
        (void)begin;
        EXPECT_LE(bytes, bad.size());
      }
    }
}

TEST(Safetensors, MissingFileIsAnIoError) {
  convc_safetensors *f;
  convc_status *s = convc_safetensors_open("/nonexistent/w.safetensors", &f);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(convc_status_code_of(s), CONVC_IO_ERROR);
  convc_status_free(s);
}

} // namespace
