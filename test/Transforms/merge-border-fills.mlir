// RUN: convc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(convc-merge-border-fills))' | FileCheck %s

// A loop of border fills (convc-pad-in-place's, marked) over the same
// blocks as the loop just before it runs in that loop's blocks, after each
// block's own work; a deallocation between the two moves after them, a
// view stays before. The marks are removed.

// CHECK-LABEL: func.func @merged
// CHECK:       memref.subview %[[BUF:.*]][0, 0, 1, 1]
// CHECK:       scf.forall (%[[I:.*]]) = (0) to (8) step (4) {
// CHECK:         memref.copy
// CHECK:         %[[ROW:.*]] = arith.addi %[[I]], %c1
// CHECK:         %[[COL:.*]] = memref.subview %[[BUF]][0, 0, %[[ROW]], 0] [1, 3, 4, 1]
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[COL]]
// CHECK-NOT:     convc.block_border
// CHECK:       }
// CHECK-NEXT:  memref.dealloc %[[IN:.*]] :
// CHECK-NOT:   scf.forall
// CHECK:       return
func.func @merged(%x: memref<1x3x8x8xf32>, %buf: memref<1x3x10x10xf32>) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %in = memref.alloc() : memref<1x3x8x8xf32>
  memref.copy %x, %in : memref<1x3x8x8xf32> to memref<1x3x8x8xf32>
  scf.forall (%i) = (0) to (8) step (4) {
    %src = memref.subview %in[0, 0, %i, 0] [1, 3, 4, 8] [1, 1, 1, 1] : memref<1x3x8x8xf32> to memref<1x3x4x8xf32, strided<[192, 64, 8, 1], offset: ?>>
    %row = arith.addi %i, %c1 : index
    %dst = memref.subview %buf[0, 0, %row, 1] [1, 3, 4, 8] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x4x8xf32, strided<[300, 100, 10, 1], offset: ?>>
    memref.copy %src, %dst : memref<1x3x4x8xf32, strided<[192, 64, 8, 1], offset: ?>> to memref<1x3x4x8xf32, strided<[300, 100, 10, 1], offset: ?>>
  }
  memref.dealloc %in : memref<1x3x8x8xf32>
  %interior = memref.subview %buf[0, 0, 1, 1] [1, 3, 8, 8] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x8x8xf32, strided<[300, 100, 10, 1], offset: 11>>
  scf.forall (%j) = (0) to (8) step (4) {
    %row = arith.addi %j, %c1 : index
    %col = memref.subview %buf[0, 0, %row, 0] [1, 3, 4, 1] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x4x1xf32, strided<[300, 100, 10, 1], offset: ?>>
    linalg.fill {convc.block_border} ins(%zero : f32) outs(%col : memref<1x3x4x1xf32, strided<[300, 100, 10, 1], offset: ?>>)
  }
  return
}

// -----

// Not merged: blocks of other sizes, or a write between the loops. The
// marks are removed all the same.

// CHECK-LABEL: func.func @kept
// CHECK-COUNT-3: scf.forall
// CHECK-NOT:   convc.block_border
func.func @kept(%buf: memref<1x3x10x10xf32>, %other: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.forall (%i) = (0) to (8) step (2) {
    %row = arith.addi %i, %c1 : index
    %dst = memref.subview %buf[0, 0, %row, 1] [1, 3, 2, 8] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x2x8xf32, strided<[300, 100, 10, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%dst : memref<1x3x2x8xf32, strided<[300, 100, 10, 1], offset: ?>>)
  }
  scf.forall (%j) = (0) to (8) step (4) {
    %row = arith.addi %j, %c1 : index
    %col = memref.subview %buf[0, 0, %row, 0] [1, 3, 4, 1] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x4x1xf32, strided<[300, 100, 10, 1], offset: ?>>
    linalg.fill {convc.block_border} ins(%zero : f32) outs(%col : memref<1x3x4x1xf32, strided<[300, 100, 10, 1], offset: ?>>)
  }
  linalg.fill ins(%zero : f32) outs(%other : memref<4xf32>)
  scf.forall (%k) = (0) to (8) step (4) {
    %row = arith.addi %k, %c1 : index
    %col = memref.subview %buf[0, 0, %row, 9] [1, 3, 4, 1] [1, 1, 1, 1] : memref<1x3x10x10xf32> to memref<1x3x4x1xf32, strided<[300, 100, 10, 1], offset: ?>>
    linalg.fill {convc.block_border} ins(%zero : f32) outs(%col : memref<1x3x4x1xf32, strided<[300, 100, 10, 1], offset: ?>>)
  }
  return
}
