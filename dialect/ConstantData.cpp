//===- ConstantData.cpp - the data of large constant tensors --------------===//

#include "dialect/ConstantData.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace convc::cnn {

ElementsAttr makeF32Constant(ShapedType type, std::vector<float> values,
                             StringRef name) {
  assert(static_cast<int64_t>(values.size()) == type.getNumElements() &&
         "values do not fill the type");
  if (static_cast<int64_t>(values.size() * sizeof(float)) < kBlobMinBytes)
    return DenseElementsAttr::get(type, ArrayRef<float>(values));
  auto *owned = new std::vector<float>(std::move(values));
  AsmResourceBlob blob(
      ArrayRef<float>(*owned),
      [owned](float *, size_t, size_t) { delete owned; },
      /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, name.empty() ? "constant" : name,
                                        std::move(blob));
}

std::optional<ArrayRef<float>> f32Elements(Attribute attr,
                                           std::vector<float> &storage) {
  if (auto blob = dyn_cast_if_present<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = blob.tryGetAsArrayRef();
    if (!data || static_cast<int64_t>(data->size()) != blob.getNumElements())
      return std::nullopt;
    return data;
  }
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || !dense.getElementType().isF32())
    return std::nullopt;
  if (dense.isSplat()) {
    storage.assign(dense.getNumElements(), dense.getSplatValue<float>());
    return ArrayRef<float>(storage);
  }
  ArrayRef<char> raw = dense.getRawData();
  return ArrayRef<float>(reinterpret_cast<const float *>(raw.data()),
                         raw.size() / sizeof(float));
}

StringRef blobKey(Attribute attr) {
  auto blob = dyn_cast_if_present<DenseResourceElementsAttr>(attr);
  return blob ? blob.getRawHandle().getKey() : StringRef();
}

void releaseUnusedBlobs(Operation *root) {
  llvm::StringSet<> used;
  root->walk([&](Operation *op) {
    op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
      used.insert(attr.getRawHandle().getKey());
    });
  });
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(root->getContext())
          .getBlobManager();
  SmallVector<std::string> unused;
  manager.getBlobMap(
      [&](const llvm::StringMap<DialectResourceBlobManager::BlobEntry> &blobs) {
        for (const auto &entry : blobs) {
          const AsmResourceBlob *blob = entry.getValue().getBlob();
          if (blob && !blob->getData().empty() &&
              !used.contains(entry.getKey()))
            unused.push_back(entry.getKey().str());
        }
      });
  // An empty blob runs the old one's deleter; a stale attribute reads as
  // released (f32Elements returns nullopt).
  for (const std::string &key : unused)
    manager.update(key, AsmResourceBlob());
}

} // namespace convc::cnn
