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


// A source that takes every other element of its rows (a column phase of a
// strided window): each piece is one contiguous read of the 2 * 7 - 1
// elements it spans, at the piece's offset in the underlying buffer (a
// whole register of 16, the lanes past the span masked off), and a
// shuffle that keeps every other one.
// CHECK-LABEL: func.func @phase
// CHECK-SAME: (%[[SRC:.*]]: memref<1x2x4x14xf32>, %[[DST:.*]]: memref<1x2x4x7xf32>)
// CHECK-DAG: %[[MASK:.*]] = arith.constant dense<[true, true, true, true, true, true, true, true, true, true, true, true, true, false, false, false]> : vector<16xi1>
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK:   scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK:     %{{.*}}, %[[OFFSET:.*]], %{{.*}}:4, %{{.*}}:4 = memref.extract_strided_metadata
// CHECK:     %[[SPAN:.*]] = memref.reinterpret_cast %{{.*}} to offset: [%[[OFFSET]]], sizes: [13], strides: [1]
// CHECK:     %[[ALL:.*]] = vector.maskedload %[[SPAN]][%c0], %[[MASK]], %{{.*}} : memref<13xf32, strided<[1], offset: ?>>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:     %[[ROW:.*]] = vector.shuffle %[[ALL]], %[[ALL]] [0, 2, 4, 6, 8, 10, 12]
// CHECK:     %[[SHAPED:.*]] = vector.shape_cast %[[ROW]] : vector<7xf32> to vector<1x1x1x7xf32>
// CHECK:     vector.transfer_write %[[SHAPED]], %{{.*}} {in_bounds = [true, true, true, true]}
// CHECK-NOT: linalg.copy
func.func @phase(%src: memref<1x2x4x14xf32>, %dst: memref<1x2x4x7xf32>) {
  %odd = memref.subview %src[0, 0, 0, 1] [1, 2, 4, 7] [1, 1, 1, 2]
      : memref<1x2x4x14xf32> to memref<1x2x4x7xf32, strided<[112, 56, 14, 2], offset: 1>>
  linalg.copy ins(%odd : memref<1x2x4x7xf32, strided<[112, 56, 14, 2], offset: 1>>) outs(%dst : memref<1x2x4x7xf32>)
  return
}


// The two column phases of the same rows, each into its own padded buffer
// (fills of those in between): one loop over the rows, each row read once,
// from the phase that starts first (the even one, copied second here),
// and each phase's elements picked from it.
// CHECK-LABEL: func.func @phases_of_rows
// CHECK-SAME: (%[[SRC:.*]]: memref<1x1x4x14xf32>, %[[EVEN:.*]]: memref<1x1x4x8xf32>, %[[ODD:.*]]: memref<1x1x4x7xf32>)
// CHECK-DAG: %[[EVEN_SRC:.*]] = memref.subview %[[SRC]][0, 0, 0, 0] [1, 1, 4, 7] [1, 1, 1, 2]
// CHECK-DAG: %[[INTERIOR:.*]] = memref.subview %[[EVEN]][0, 0, 0, 0] [1, 1, 4, 7] [1, 1, 1, 1]
// CHECK:     scf.for %[[ROW:.*]] = %c0 to %c4 step %c1
// CHECK:       %[[FROM:.*]] = memref.subview %[[EVEN_SRC]][0, 0, %[[ROW]], 0]
// CHECK-DAG:   %[[TO_EVEN:.*]] = memref.subview %[[INTERIOR]][0, 0, %[[ROW]], 0]
// CHECK-DAG:   %[[TO_ODD:.*]] = memref.subview %[[ODD]][0, 0, %[[ROW]], 0]
// CHECK:       memref.extract_strided_metadata %[[FROM]]
// CHECK:       %[[ALL:.*]] = vector.maskedload {{.*}} memref<14xf32{{.*}} into vector<16xf32>
// CHECK-NOT:   vector.maskedload
// CHECK:       %[[E:.*]] = vector.shuffle %[[ALL]], %[[ALL]] [0, 2, 4, 6, 8, 10, 12]
// CHECK:       %[[ES:.*]] = vector.shape_cast %[[E]]
// CHECK:       vector.transfer_write %[[ES]], %[[TO_EVEN]]
// CHECK:       %[[O:.*]] = vector.shuffle %[[ALL]], %[[ALL]] [1, 3, 5, 7, 9, 11, 13]
// CHECK:       %[[OS:.*]] = vector.shape_cast %[[O]]
// CHECK:       vector.transfer_write %[[OS]], %[[TO_ODD]]
// CHECK-NOT: scf.for
// CHECK: return
func.func @phases_of_rows(%src: memref<1x1x4x14xf32>, %even: memref<1x1x4x8xf32>, %odd: memref<1x1x4x7xf32>) {
  %zero = arith.constant 0.0 : f32
  %odd_src = memref.subview %src[0, 0, 0, 1] [1, 1, 4, 7] [1, 1, 1, 2]
      : memref<1x1x4x14xf32> to memref<1x1x4x7xf32, strided<[56, 56, 14, 2], offset: 1>>
  linalg.copy ins(%odd_src : memref<1x1x4x7xf32, strided<[56, 56, 14, 2], offset: 1>>) outs(%odd : memref<1x1x4x7xf32>)
  %border = memref.subview %even[0, 0, 0, 7] [1, 1, 4, 1] [1, 1, 1, 1]
      : memref<1x1x4x8xf32> to memref<1x1x4x1xf32, strided<[32, 32, 8, 1], offset: 7>>
  linalg.fill ins(%zero : f32) outs(%border : memref<1x1x4x1xf32, strided<[32, 32, 8, 1], offset: 7>>)
  %even_src = memref.subview %src[0, 0, 0, 0] [1, 1, 4, 7] [1, 1, 1, 2]
      : memref<1x1x4x14xf32> to memref<1x1x4x7xf32, strided<[56, 56, 14, 2]>>
  %interior = memref.subview %even[0, 0, 0, 0] [1, 1, 4, 7] [1, 1, 1, 1]
      : memref<1x1x4x8xf32> to memref<1x1x4x7xf32, strided<[32, 32, 8, 1]>>
  linalg.copy ins(%even_src : memref<1x1x4x7xf32, strided<[56, 56, 14, 2]>>) outs(%interior : memref<1x1x4x7xf32, strided<[32, 32, 8, 1]>>)
  return
}

// A write to the source between two phases' copies: they stay two loops,
// the fill of the source between them.
// CHECK-LABEL: func.func @source_written_between
// CHECK:     scf.for
// CHECK:       vector.maskedload {{.*}} memref<13xf32{{.*}} into vector<16xf32>
// CHECK-NOT:   vector.maskedload
// CHECK:     scf.for
// CHECK:       vector.transfer_write {{.*}} : vector<1x1x1x14xf32>
// CHECK:     scf.for
// CHECK:       vector.maskedload {{.*}} memref<13xf32{{.*}} into vector<16xf32>
func.func @source_written_between(%src: memref<1x1x4x14xf32>, %even: memref<1x1x4x7xf32>, %odd: memref<1x1x4x7xf32>) {
  %zero = arith.constant 0.0 : f32
  %odd_src = memref.subview %src[0, 0, 0, 1] [1, 1, 4, 7] [1, 1, 1, 2]
      : memref<1x1x4x14xf32> to memref<1x1x4x7xf32, strided<[56, 56, 14, 2], offset: 1>>
  linalg.copy ins(%odd_src : memref<1x1x4x7xf32, strided<[56, 56, 14, 2], offset: 1>>) outs(%odd : memref<1x1x4x7xf32>)
  linalg.fill ins(%zero : f32) outs(%src : memref<1x1x4x14xf32>)
  %even_src = memref.subview %src[0, 0, 0, 0] [1, 1, 4, 7] [1, 1, 1, 2]
      : memref<1x1x4x14xf32> to memref<1x1x4x7xf32, strided<[56, 56, 14, 2]>>
  linalg.copy ins(%even_src : memref<1x1x4x7xf32, strided<[56, 56, 14, 2]>>) outs(%even : memref<1x1x4x7xf32>)
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


// A run of three phases (stride 3): one loop, one read of the 9 elements
// the three span, three shuffles.
// CHECK-LABEL: func.func @three_phases
// CHECK:     scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK:       %[[ALL:.*]] = vector.maskedload {{.*}} memref<9xf32{{.*}} into vector<16xf32>
// CHECK-NOT:   vector.maskedload
// CHECK:       vector.shuffle %[[ALL]], %[[ALL]] [0, 3, 6]
// CHECK:       vector.shuffle %[[ALL]], %[[ALL]] [1, 4, 7]
// CHECK:       vector.shuffle %[[ALL]], %[[ALL]] [2, 5, 8]
// CHECK-NOT: scf.for
// CHECK: return
func.func @three_phases(%src: memref<1x1x4x9xf32>, %p0: memref<1x1x4x3xf32>, %p1: memref<1x1x4x3xf32>, %p2: memref<1x1x4x3xf32>) {
  %s0 = memref.subview %src[0, 0, 0, 0] [1, 1, 4, 3] [1, 1, 1, 3]
      : memref<1x1x4x9xf32> to memref<1x1x4x3xf32, strided<[36, 36, 9, 3]>>
  linalg.copy ins(%s0 : memref<1x1x4x3xf32, strided<[36, 36, 9, 3]>>) outs(%p0 : memref<1x1x4x3xf32>)
  %s1 = memref.subview %src[0, 0, 0, 1] [1, 1, 4, 3] [1, 1, 1, 3]
      : memref<1x1x4x9xf32> to memref<1x1x4x3xf32, strided<[36, 36, 9, 3], offset: 1>>
  linalg.copy ins(%s1 : memref<1x1x4x3xf32, strided<[36, 36, 9, 3], offset: 1>>) outs(%p1 : memref<1x1x4x3xf32>)
  %s2 = memref.subview %src[0, 0, 0, 2] [1, 1, 4, 3] [1, 1, 1, 3]
      : memref<1x1x4x9xf32> to memref<1x1x4x3xf32, strided<[36, 36, 9, 3], offset: 2>>
  linalg.copy ins(%s2 : memref<1x1x4x3xf32, strided<[36, 36, 9, 3], offset: 2>>) outs(%p2 : memref<1x1x4x3xf32>)
  return
}
