//===- CnnBase.td - the cnn dialect and its op base class -----------------===//

#ifndef CNN_BASE_TD
#define CNN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Cnn_Dialect : Dialect {
  let name = "cnn";
  let cppNamespace = "::convc::cnn";
  let summary = "Convolutional-network layers with tensor semantics";
  let description = [{
    The `cnn` dialect is the graph form of a convc model: one op per layer,
    on ranked `f32` tensors in NCHW layout, with the layer's hyper-parameters
    as attributes and its parameters as `cnn.weight` operands. Every op infers
    its result type from the output-size formulas, so a graph that verifies
    has consistent shapes. Source locations point into the `.cnn` file.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class Cnn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Cnn_Dialect, mnemonic, traits>;

def Cnn_Tensor : RankedTensorOf<[F32]>;
def Cnn_Tensor4D : 4DTensorOf<[F32]>;
def Cnn_Tensor2D : 2DTensorOf<[F32]>;
def Cnn_Tensor1D : 1DTensorOf<[F32]>;
def Cnn_IndexTensor4D : 4DTensorOf<[I64]>;

#endif // CNN_BASE_TD
