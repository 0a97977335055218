//===- NpyTest.cpp - the runtime's .npy reader and writer -----------------===//

#include "convc/runtime.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

/// A .npy file with the given header dict and raw data bytes.
std::string npy(const std::string &dict, const std::string &data,
                int major = 1) {
  std::string header = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += char(0);
  size_t n = header.size();
  out += char(n & 0xff);
  out += char((n >> 8) & 0xff);
  if (major != 1) {
    out += char((n >> 16) & 0xff);
    out += char((n >> 24) & 0xff);
  }
  return out + header + data;
}

std::string floats(std::vector<float> v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(float));
}

struct Parsed {
  convc_tensor t{};
  convc_status *s = nullptr;
  explicit Parsed(const std::string &bytes) {
    s = convc_npy_parse(bytes.data(), bytes.size(), "test.npy", &t);
  }
  ~Parsed() {
    convc_status_free(s);
    convc_tensor_free(&t);
  }
  std::string message() const { return convc_status_message(s); }
};

TEST(Npy, ParsesFloat32) {
  Parsed p(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               floats({1, 2, 3, 4, 5, 6.5f})));
  ASSERT_EQ(p.s, nullptr) << p.message();
  EXPECT_EQ(p.t.dtype, CONVC_F32);
  ASSERT_EQ(p.t.rank, 2);
  EXPECT_EQ(p.t.shape[0], 2);
  EXPECT_EQ(p.t.shape[1], 3);
  EXPECT_EQ(static_cast<float *>(p.t.data)[5], 6.5f);
}

TEST(Npy, ParsesVersion2ScalarsAndOneTuples) {
  Parsed v2(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}",
                floats({1, 2, 3}), 2));
  ASSERT_EQ(v2.s, nullptr) << v2.message();
  EXPECT_EQ(v2.t.rank, 1);
  EXPECT_EQ(v2.t.shape[0], 3);
  Parsed scalar(npy("{'shape': (), 'fortran_order': False, 'descr': '<f8'}",
                    std::string(8, '\0')));
  ASSERT_EQ(scalar.s, nullptr) << scalar.message();
  EXPECT_EQ(scalar.t.rank, 0);
  EXPECT_EQ(scalar.t.dtype, CONVC_F64);
}

TEST(Npy, RejectsBadFiles) {
  struct Case {
    std::string bytes, expect;
  } cases[] = {
      {"not a numpy file at all", "bad magic"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
           floats({1, 2, 3})),
       "data is 12 bytes"},
      {npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }",
           floats({1, 2})),
       "Fortran-order"},
      {npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
           floats({1})),
       "unsupported dtype '>f4'"},
      {npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
           std::string(8, '\0')),
       "unsupported dtype"},
      {npy("{'descr': '<f4', 'shape': (1,), }", floats({1})), "lacks"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }",
           floats({1})),
       "malformed 'shape'"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
           "(99999999999, 99999999999, 99999999999), }",
           ""),
       "too large"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
           floats({1})),
       "unknown key 'x'"},
      {std::string("\x93NUMPY\x01\x00\xff\x00{", 11), "truncated"},
      {std::string("\x93NUMPY\x07\x00\x10\x00", 10),
       "unsupported .npy version"},
  };
  for (const Case &c : cases) {
    Parsed p(c.bytes);
    ASSERT_NE(p.s, nullptr) << "accepted a file that should fail: " << c.expect;
    EXPECT_EQ(convc_status_code_of(p.s), CONVC_FORMAT_ERROR);
    EXPECT_NE(p.message().find(c.expect), std::string::npos) << p.message();
    EXPECT_NE(p.message().find("test.npy"), std::string::npos);
  }
}

TEST(Npy, EveryTruncationIsAnError) {
  std::string good =
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
          floats({1, 2, 3, 4}));
  for (size_t n = 0; n < good.size(); ++n) {
    Parsed p(good.substr(0, n));
    EXPECT_NE(p.s, nullptr) << "a prefix of " << n << " bytes was accepted";
  }
}

TEST(Npy, CorruptedBytesNeverCrash) {
  std::string good =
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
          floats({1, 2, 3, 4}));
  for (size_t i = 0; i < good.size(); ++i)
    for (char c : {'\0', '(', ')', ',', '\'', '9', '\xff'}) {
      std::string bad = good;
      bad[i] = c;
      Parsed p(bad);
      if (!p.s) { // a harmless change: the data must still be in bounds
        EXPECT_LE(convc_tensor_numel(&p.t) * convc_dtype_size(p.t.dtype),
                  bad.size());
      }
    }
}

TEST(Npy, WriteThenReadRoundTrips) {
  std::string path = ::testing::TempDir() + "/roundtrip.npy";
  convc_tensor t;
  int64_t shape[] = {1, 3, 5, 7};
  ASSERT_EQ(convc_tensor_alloc(&t, CONVC_F32, 4, shape), nullptr);
  float *v = static_cast<float *>(t.data);
  for (size_t i = 0; i < convc_tensor_numel(&t); ++i)
    v[i] = 0.25f * static_cast<float>(i) - 3.0f;
  ASSERT_EQ(convc_npy_write(path.c_str(), &t), nullptr);
  convc_tensor back;
  convc_status *s = convc_npy_read(path.c_str(), &back);
  ASSERT_EQ(s, nullptr) << convc_status_message(s);
  ASSERT_EQ(back.rank, 4);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(back.shape[i], shape[i]);
  EXPECT_EQ(std::memcmp(back.data, t.data, convc_tensor_numel(&t) * 4), 0);
  convc_tensor_free(&t);
  convc_tensor_free(&back);
  std::remove(path.c_str());
}

TEST(Npy, MissingFileIsAnIoError) {
  convc_tensor t;
  convc_status *s = convc_npy_read("/nonexistent/x.npy", &t);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(convc_status_code_of(s), CONVC_IO_ERROR);
  EXPECT_NE(std::string(convc_status_message(s)).find("/nonexistent/x.npy"),
            std::string::npos);
  convc_status_free(s);
}

} // namespace
