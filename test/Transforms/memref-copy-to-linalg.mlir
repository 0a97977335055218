// RUN: convc-opt %s -convc-memref-copy-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @strided_copy
// CHECK-SAME: (%[[SRC:.*]]: memref<1x2x4x4xf32>, %[[DST:.*]]: memref<1x2x6x6xf32>)
// CHECK: %[[SV:.*]] = memref.subview %[[DST]][0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1]
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[SRC]] : memref<1x2x4x4xf32>) outs(%[[SV]] : memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>)
func.func @strided_copy(%src: memref<1x2x4x4xf32>, %dst: memref<1x2x6x6xf32>) {
  %sv = memref.subview %dst[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1]
      : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  memref.copy %src, %sv : memref<1x2x4x4xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  return
}
