// RUN: convc-opt %s -convc-vectorize-copies -canonicalize | FileCheck %s

// The copy of an input into the interior of its padded buffer: a loop over
// the rows, each row one vector read and one vector write (in bounds). Small
// copies stay on one thread.
// CHECK-LABEL: func.func @into_padded
// CHECK-SAME: (%[[SRC:.*]]: memref<1x2x4x7xf32>, %[[DST:.*]]: memref<1x2x6x9xf32>)
// CHECK: %[[SV:.*]] = memref.subview %[[DST]][0, 0, 1, 1] [1, 2, 4, 7] [1, 1, 1, 1]
// CHECK: scf.for %[[C:.*]] = %c0 to %c2 step %c1
// CHECK:   scf.for %[[H:.*]] = %c0 to %c4 step %c1
// CHECK:     %[[ROW:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true, true, true, true]} : memref<1x1x1x7xf32, {{.*}}>, vector<1x1x1x7xf32>
// CHECK:     vector.transfer_write %[[ROW]], %{{.*}} {in_bounds = [true, true, true, true]} : vector<1x1x1x7xf32>, memref<1x1x1x7xf32, {{.*}}>
// CHECK-NOT: linalg.copy
func.func @into_padded(%src: memref<1x2x4x7xf32>, %dst: memref<1x2x6x9xf32>) {
  %sv = memref.subview %dst[0, 0, 1, 1] [1, 2, 4, 7] [1, 1, 1, 1]
      : memref<1x2x6x9xf32> to memref<1x2x4x7xf32, strided<[108, 54, 9, 1], offset: 10>>
  linalg.copy ins(%src : memref<1x2x4x7xf32>) outs(%sv : memref<1x2x4x7xf32, strided<[108, 54, 9, 1], offset: 10>>)
  return
}

// Long rows go in pieces of at most 64 elements that divide the row: 100
// in pieces of 50; a prime length above 64, one element at a time.
// CHECK-LABEL: func.func @long_rows
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:   scf.for %{{.*}} = %c0 to %c100 step %c50
// CHECK:     vector.transfer_read {{.*}} vector<1x50xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c67 step %c1
// CHECK:   vector.transfer_read {{.*}} vector<1xf32>
func.func @long_rows(%a: memref<3x100xf32>, %b: memref<3x100xf32>,
                     %c: memref<67xf32>, %d: memref<67xf32>) {
  linalg.copy ins(%a : memref<3x100xf32>) outs(%b : memref<3x100xf32>)
  linalg.copy ins(%c : memref<67xf32>) outs(%d : memref<67xf32>)
  return
}

// Dynamic shapes stay linalg.copy (plain loops later).
// CHECK-LABEL: func.func @dynamic
// CHECK: linalg.copy
func.func @dynamic(%a: memref<?xf32>, %b: memref<?xf32>) {
  linalg.copy ins(%a : memref<?xf32>) outs(%b : memref<?xf32>)
  return
}

// A copy of 256 KiB or more runs on all threads: the row loops are one
// scf.forall (an OpenMP loop later).
// CHECK-LABEL: func.func @large
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (64, 1024) step (1, 64)
// CHECK:   vector.transfer_read {{.*}} vector<1x64xf32>
// CHECK:   vector.transfer_write
// CHECK-NOT: scf.for
func.func @large(%a: memref<64x1024xf32>, %b: memref<64x1024xf32>) {
  linalg.copy ins(%a : memref<64x1024xf32>) outs(%b : memref<64x1024xf32>)
  return
}


// Fills too: a padded tensor's border columns, one element on each of
// 2 x 64 x 64 rows, on every thread; a fill inside a loop stays in it.
// CHECK-LABEL: func.func @border_columns
// CHECK:     scf.forall (%{{.*}}, %{{.*}}) in (64, 64)
// CHECK:       vector.transfer_write %{{.*}} : vector<1x1x1x1xf32>, memref<1x1x1x1xf32
// CHECK:     scf.for
// CHECK:       scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK:         scf.for %{{.*}} = %c0 to %c66 step %c33
// CHECK:           vector.transfer_write %{{.*}} : vector<1x1x1x33xf32>
// CHECK-NOT: linalg.fill
func.func @border_columns(%padded: memref<1x64x66x66xf32>) {
  %zero = arith.constant 0.0 : f32
  %left = memref.subview %padded[0, 0, 1, 0] [1, 64, 64, 1] [1, 1, 1, 1]
      : memref<1x64x66x66xf32> to memref<1x64x64x1xf32, strided<[278784, 4356, 66, 1], offset: 66>>
  linalg.fill ins(%zero : f32) outs(%left : memref<1x64x64x1xf32, strided<[278784, 4356, 66, 1], offset: 66>>)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %c = %c0 to %c64 step %c1 {
    %rows = memref.subview %padded[0, %c, 0, 0] [1, 1, 2, 66] [1, 1, 1, 1]
        : memref<1x64x66x66xf32> to memref<1x1x2x66xf32, strided<[278784, 4356, 66, 1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%rows : memref<1x1x2x66xf32, strided<[278784, 4356, 66, 1], offset: ?>>)
  }
  return
}
