// RUN: convc-opt %s --convc-alloc-returned-shape --split-input-file | FileCheck %s

// A buffer computed flat and returned as an image is allocated as the
// image; the computation writes into a flat view of it, and the function
// returns the allocation itself.
// CHECK-LABEL: func.func @flat_result
// CHECK: %[[IMAGE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x3x5xf32>
// CHECK: %[[C:.*]] = memref.collapse_shape %[[IMAGE]] {{\[\[}}0], [1], [2, 3]] : memref<1x4x3x5xf32> into memref<1x4x15xf32>
// CHECK: %[[FLAT:.*]] = memref.expand_shape %[[C]] {{\[\[}}0], [1], [2, 3]] output_shape [1, 4, 1, 15] : memref<1x4x15xf32> into memref<1x4x1x15xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[FLAT]] : memref<1x4x1x15xf32>)
// CHECK: return %[[IMAGE]] : memref<1x4x3x5xf32>
func.func @flat_result() -> memref<1x4x3x5xf32> {
  %zero = arith.constant 0.0 : f32
  %alloc = memref.alloc() {alignment = 64 : i64} : memref<1x4x1x15xf32>
  linalg.fill ins(%zero : f32) outs(%alloc : memref<1x4x1x15xf32>)
  %c = memref.collapse_shape %alloc [[0], [1], [2, 3]] : memref<1x4x1x15xf32> into memref<1x4x15xf32>
  %e = memref.expand_shape %c [[0], [1], [2, 3]] output_shape [1, 4, 3, 5] : memref<1x4x15xf32> into memref<1x4x3x5xf32>
  return %e : memref<1x4x3x5xf32>
}

// -----

// Other views of an allocation are left alone.
// CHECK-LABEL: func.func @subview_result
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK: memref.subview %[[A]]
func.func @subview_result() -> memref<4xf32, strided<[1], offset: 2>> {
  %alloc = memref.alloc() : memref<8xf32>
  %s = memref.subview %alloc[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  return %s : memref<4xf32, strided<[1], offset: 2>>
}
