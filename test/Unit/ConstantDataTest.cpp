//===- ConstantDataTest.cpp - large constants as blobs, and their release -===//

#include "dialect/ConstantData.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace mlir;
using namespace convc;

namespace {

std::vector<float> iota(int64_t n) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.5f);
  return v;
}

RankedTensorType f32Tensor(MLIRContext &ctx, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(&ctx));
}

TEST(ConstantData, SmallConstantsStayDense) {
  MLIRContext ctx;
  ElementsAttr attr =
      cnn::makeF32Constant(f32Tensor(ctx, {2, 3}), iota(6), "small");
  ASSERT_TRUE(isa<DenseElementsAttr>(attr));
  std::vector<float> storage;
  auto values = cnn::f32Elements(attr, storage);
  ASSERT_TRUE(values);
  EXPECT_EQ(std::vector<float>(values->begin(), values->end()), iota(6));
  EXPECT_EQ(cnn::blobKey(attr), "");
}

TEST(ConstantData, LargeConstantsAreBlobsReadWithoutACopy) {
  MLIRContext ctx;
  int64_t n = cnn::kBlobMinBytes / 4 * 3;
  ElementsAttr attr =
      cnn::makeF32Constant(f32Tensor(ctx, {3, n / 3}), iota(n), "conv1.weight");
  ASSERT_TRUE(isa<DenseResourceElementsAttr>(attr));
  EXPECT_TRUE(cnn::blobKey(attr).starts_with("conv1.weight"));
  std::vector<float> storage;
  auto values = cnn::f32Elements(attr, storage);
  ASSERT_TRUE(values);
  EXPECT_TRUE(storage.empty());
  EXPECT_EQ(std::vector<float>(values->begin(), values->end()), iota(n));
  // A second constant with the same name hint gets a key of its own.
  ElementsAttr other =
      cnn::makeF32Constant(f32Tensor(ctx, {n}), iota(n), "conv1.weight");
  EXPECT_NE(cnn::blobKey(other), cnn::blobKey(attr));
}

TEST(ConstantData, SplatsAreExpanded) {
  MLIRContext ctx;
  auto attr = DenseElementsAttr::get(f32Tensor(ctx, {4, 5}), 2.5f);
  std::vector<float> storage;
  auto values = cnn::f32Elements(attr, storage);
  ASSERT_TRUE(values);
  EXPECT_EQ(std::vector<float>(values->begin(), values->end()),
            std::vector<float>(20, 2.5f));
  EXPECT_FALSE(cnn::f32Elements(
      DenseElementsAttr::get(
          RankedTensorType::get({2}, IntegerType::get(&ctx, 32)), 1),
      storage));
}

TEST(ConstantData, ReleasesOnlyBlobsNoOpRefersTo) {
  MLIRContext ctx;
  OpBuilder b(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  int64_t n = cnn::kBlobMinBytes;
  ElementsAttr kept = cnn::makeF32Constant(f32Tensor(ctx, {n}), iota(n), "a");
  ElementsAttr nested = cnn::makeF32Constant(f32Tensor(ctx, {n}), iota(n), "b");
  ElementsAttr dropped =
      cnn::makeF32Constant(f32Tensor(ctx, {n}), iota(n), "c");
  (*module)->setAttr("kept", kept);
  // Referred to from inside another attribute of a nested op.
  b.setInsertionPointToEnd(module->getBody());
  auto inner = ModuleOp::create(b, b.getUnknownLoc());
  inner->setAttr("list", b.getArrayAttr({b.getI64IntegerAttr(1), nested}));

  cnn::releaseUnusedBlobs(*module);
  std::vector<float> storage;
  for (ElementsAttr live : {kept, nested}) {
    auto values = cnn::f32Elements(live, storage);
    ASSERT_TRUE(values);
    EXPECT_EQ(std::vector<float>(values->begin(), values->end()), iota(n));
  }
  EXPECT_FALSE(cnn::f32Elements(dropped, storage));

  // Once its op is gone, the nested one goes too.
  inner->erase();
  cnn::releaseUnusedBlobs(*module);
  EXPECT_FALSE(cnn::f32Elements(nested, storage));
  EXPECT_TRUE(cnn::f32Elements(kept, storage));
}

} // namespace
