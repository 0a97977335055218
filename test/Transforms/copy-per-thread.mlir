// RUN: convc-opt %s -allow-unregistered-dialect -split-input-file -convc-copy-per-thread | FileCheck %s

// A padded copy of a model input (border fills, interior copy) that every
// block reads whole (blocks over output channels, 4 x 2 of them): each
// thread allocates its own copy in one allocation for all, writes it and
// runs its share of the blocks, numbered row-major.
// CHECK-LABEL: func.func private @omp_get_max_threads() -> i32
// CHECK-LABEL: func.func @channels
// CHECK-SAME: (%[[X:.*]]: memref<1x8x4x4xf32>, %[[Y:.*]]: memref<1x8x4x4xf32>)
// CHECK-NOT: scf.forall
// CHECK: %[[MAX:.*]] = call @omp_get_max_threads() : () -> i32
// CHECK: %[[IDX:.*]] = arith.index_cast %[[MAX]] : i32 to index
// CHECK: %[[MIN:.*]] = arith.minsi %[[IDX]], %c8
// CHECK: %[[T:.*]] = arith.maxsi %[[MIN]], %c1
// CHECK: %[[BYTES:.*]] = arith.muli %[[T]], %c1152
// CHECK: %[[ALL:.*]] = memref.alloc(%[[BYTES]]) {alignment = 64 : i64} : memref<?xi8>
// CHECK: scf.forall (%[[TID:.*]]) in (%[[T]]) {
// CHECK:   %[[AT:.*]] = arith.muli %[[TID]], %c1152
// CHECK:   %[[MINE:.*]] = memref.view %[[ALL]][%[[AT]]][] : memref<?xi8> to memref<1x8x6x6xf32>
// CHECK:   memref.subview %[[MINE]][0, 0, 0, 0] [1, 8, 1, 6]
// CHECK:   linalg.fill
// CHECK:   %[[IN:.*]] = memref.subview %[[MINE]][0, 0, 1, 1] [1, 8, 4, 4]
// CHECK:   linalg.copy ins(%[[X]] : memref<1x8x4x4xf32>) outs(%[[IN]]
// CHECK:   %[[NEXT:.*]] = arith.addi %[[TID]], %c1
// CHECK:   %[[S0:.*]] = arith.muli %[[TID]], %c8
// CHECK:   %[[LO:.*]] = arith.divui %[[S0]], %[[T]]
// CHECK:   %[[S1:.*]] = arith.muli %[[NEXT]], %c8
// CHECK:   %[[HI:.*]] = arith.divui %[[S1]], %[[T]]
// CHECK:   scf.for %[[K:.*]] = %[[LO]] to %[[HI]] step %c1
// CHECK:     memref.alloca_scope
// CHECK:       %[[J:.*]] = arith.remui %[[K]], %c2
// CHECK:       %[[KI:.*]] = arith.divui %[[K]], %c2
// CHECK:       %[[J2:.*]] = arith.muli %[[J]], %c2
// CHECK:       %[[JV:.*]] = arith.addi %[[J2]], %c0
// CHECK:       %[[I2:.*]] = arith.muli %[[KI]], %c2
// CHECK:       %[[IV:.*]] = arith.addi %[[I2]], %c0
// CHECK:       vector.transfer_read %[[MINE]][%c0, %c0, %[[JV]], %c0]
// CHECK:       memref.subview %[[Y]][0, %[[IV]], %[[JV]], 0]
// CHECK:   }
// CHECK: }
// CHECK: memref.dealloc %[[ALL]] : memref<?xi8>
// CHECK-NOT: memref.dealloc
func.func @channels(%x: memref<1x8x4x4xf32>, %y: memref<1x8x4x4xf32>) {
  %cst = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %p = memref.alloc() {alignment = 64 : i64} : memref<1x8x6x6xf32>
  %top = memref.subview %p[0, 0, 0, 0] [1, 8, 1, 6] [1, 1, 1, 1] : memref<1x8x6x6xf32> to memref<1x8x1x6xf32, strided<[288, 36, 6, 1]>>
  linalg.fill ins(%cst : f32) outs(%top : memref<1x8x1x6xf32, strided<[288, 36, 6, 1]>>)
  %in = memref.subview %p[0, 0, 1, 1] [1, 8, 4, 4] [1, 1, 1, 1] : memref<1x8x6x6xf32> to memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>
  linalg.copy ins(%x : memref<1x8x4x4xf32>) outs(%in : memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>)
  scf.forall (%i, %j) = (0, 0) to (8, 4) step (2, 2) {
    %v = vector.transfer_read %p[%c0, %c0, %j, %c0], %cst {in_bounds = [true]} : memref<1x8x6x6xf32>, vector<6xf32>
    %out = memref.subview %y[0, %i, %j, 0] [1, 2, 2, 4] [1, 1, 1, 1] : memref<1x8x4x4xf32> to memref<1x2x2x4xf32, strided<[128, 16, 4, 1], offset: ?>>
    "test.use"(%v, %out) : (vector<6xf32>, memref<1x2x2x4xf32, strided<[128, 16, 4, 1], offset: ?>>) -> ()
  }
  memref.dealloc %p : memref<1x8x6x6xf32>
  return
}

// -----

// Blocks over bands of rows (the outermost dim of the blocks) read disjoint
// parts of the copy: it stays shared, as does a copy of something other
// than a function argument, and one that two loops read.
// CHECK-LABEL: func.func @shared
// CHECK-NOT: omp_get_max_threads
// CHECK-COUNT-3: memref.alloc() {alignment = 64 : i64} : memref<1x8x6x6xf32>
// CHECK-NOT: memref.view
func.func @shared(%x: memref<1x8x4x4xf32>) {
  %cst = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %rows = memref.alloc() {alignment = 64 : i64} : memref<1x8x6x6xf32>
  %in = memref.subview %rows[0, 0, 1, 1] [1, 8, 4, 4] [1, 1, 1, 1] : memref<1x8x6x6xf32> to memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>
  linalg.copy ins(%x : memref<1x8x4x4xf32>) outs(%in : memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>)
  scf.forall (%i, %j) = (0, 0) to (4, 8) step (2, 2) {
    %v = vector.transfer_read %rows[%c0, %j, %i, %c0], %cst {in_bounds = [true]} : memref<1x8x6x6xf32>, vector<6xf32>
    "test.use"(%v) : (vector<6xf32>) -> ()
  }
  memref.dealloc %rows : memref<1x8x6x6xf32>

  %local = memref.alloc() : memref<1x8x4x4xf32>
  "test.init"(%local) : (memref<1x8x4x4xf32>) -> ()
  %q = memref.alloc() {alignment = 64 : i64} : memref<1x8x6x6xf32>
  %qin = memref.subview %q[0, 0, 1, 1] [1, 8, 4, 4] [1, 1, 1, 1] : memref<1x8x6x6xf32> to memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>
  linalg.copy ins(%local : memref<1x8x4x4xf32>) outs(%qin : memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>)
  scf.forall (%i) in (4) {
    %v = vector.transfer_read %q[%c0, %c0, %c0, %c0], %cst {in_bounds = [true]} : memref<1x8x6x6xf32>, vector<6xf32>
    "test.use"(%v) : (vector<6xf32>) -> ()
  }
  memref.dealloc %q : memref<1x8x6x6xf32>
  memref.dealloc %local : memref<1x8x4x4xf32>

  %two = memref.alloc() {alignment = 64 : i64} : memref<1x8x6x6xf32>
  %tin = memref.subview %two[0, 0, 1, 1] [1, 8, 4, 4] [1, 1, 1, 1] : memref<1x8x6x6xf32> to memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>
  linalg.copy ins(%x : memref<1x8x4x4xf32>) outs(%tin : memref<1x8x4x4xf32, strided<[288, 36, 6, 1], offset: 7>>)
  scf.forall (%i) in (4) {
    %v = vector.transfer_read %two[%c0, %c0, %c0, %c0], %cst {in_bounds = [true]} : memref<1x8x6x6xf32>, vector<6xf32>
    "test.use"(%v) : (vector<6xf32>) -> ()
  }
  scf.forall (%i) in (4) {
    %v = vector.transfer_read %two[%c0, %c0, %c0, %c0], %cst {in_bounds = [true]} : memref<1x8x6x6xf32>, vector<6xf32>
    "test.use"(%v) : (vector<6xf32>) -> ()
  }
  memref.dealloc %two : memref<1x8x6x6xf32>
  return
}
