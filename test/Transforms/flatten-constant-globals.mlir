// RUN: convc-opt %s -pass-pipeline='builtin.module(convc-flatten-constant-globals{min-bytes=16})' | FileCheck %s

// A 2x2 f32 tensor (16 bytes) becomes its bytes, little-endian:
// 1.0 = 0x3F800000, 2.0 = 0x40000000, -1.5 = 0xBFC00000, 0.5 = 0x3F000000.
// CHECK: llvm.mlir.global private constant @w(dense<[0, 0, -128, 63, 0, 0, 0, 64, 0, 0, -64, -65, 0, 0, 0, 63]> : tensor<16xi8>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<16 x i8>
llvm.mlir.global private constant @w(dense<[[1.0, 2.0], [-1.5, 0.5]]> : tensor<2x2xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<2 x array<2 x f32>>

// i32 elements too: 258 = 0x00000102, -2 = 0xFFFFFFFE.
// CHECK: llvm.mlir.global private constant @ints(dense<[2, 1, 0, 0, -2, -1, -1, -1, 0, 0, 0, 0, 1, 0, 0, 0]> : tensor<16xi8>) {addr_space = 0 : i32} : !llvm.array<16 x i8>
llvm.mlir.global private constant @ints(dense<[258, -2, 0, 1]> : tensor<4xi32>) {addr_space = 0 : i32} : !llvm.array<4 x i32>

// Left as they are: a splat (translated cheaply as it is), a tensor
// smaller than min-bytes, a mutable global.
// CHECK: llvm.mlir.global private constant @splat(dense<2.500000e-01> : tensor<8xf32>) {addr_space = 0 : i32} : !llvm.array<8 x f32>
llvm.mlir.global private constant @splat(dense<0.25> : tensor<8xf32>) {addr_space = 0 : i32} : !llvm.array<8 x f32>
// CHECK: llvm.mlir.global private constant @small(dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
llvm.mlir.global private constant @small(dense<[1.0, 2.0]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
// CHECK: llvm.mlir.global private @state(dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>) {addr_space = 0 : i32} : !llvm.array<4 x f32>
llvm.mlir.global private @state(dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>) {addr_space = 0 : i32} : !llvm.array<4 x f32>

// A resource blob (a large weight) keeps its data: only the attribute's
// type changes.
// CHECK: llvm.mlir.global private constant @blob(dense_resource<weights> : tensor<16xi8>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<16 x i8>
llvm.mlir.global private constant @blob(dense_resource<weights> : tensor<2x2xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<2 x array<2 x f32>>

// Users index the global with their own element types: unchanged.
// CHECK-LABEL: llvm.func @read
// CHECK: %[[P:.*]] = llvm.mlir.addressof @w : !llvm.ptr
// CHECK: llvm.getelementptr %[[P]][0, 1, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x array<2 x f32>>
llvm.func @read() -> f32 {
  %p = llvm.mlir.addressof @w : !llvm.ptr
  %q = llvm.getelementptr %p[0, 1, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x array<2 x f32>>
  %v = llvm.load %q : !llvm.ptr -> f32
  llvm.return %v : f32
}

// CHECK: weights: "0x040000000000803F000000400000C0BF0000003F"
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F000000400000C0BF0000003F"
    }
  }
#-}
