//===- ReleaseUnusedBlobs.cpp - free the weights no op uses any more
//-------===//

#include "compiler/Transforms/Passes.h"
#include "dialect/ConstantData.h"

#include "mlir/IR/BuiltinOps.h"

namespace convc {
#define GEN_PASS_DEF_RELEASEUNUSEDBLOBSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace convc

namespace {

struct ReleaseUnusedBlobsPass
    : convc::impl::ReleaseUnusedBlobsPassBase<ReleaseUnusedBlobsPass> {
  void runOnOperation() override {
    convc::cnn::releaseUnusedBlobs(getOperation());
    markAllAnalysesPreserved();
  }
};

} // namespace
