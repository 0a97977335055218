// RUN: convc-opt %s -convc-mask-partial-vectors=lanes=16 | FileCheck %s
// RUN: convc-opt %s -convc-mask-partial-vectors | FileCheck %s --check-prefix=OFF

// A row of 14 pixels on 16 lanes: one masked read of 16 lanes (the first 14),
// the row extracted from it; the write the same way round.
// CHECK-LABEL: func.func @row_of_14
// CHECK-SAME: (%[[A:.*]]: memref<4x56xf32>, %[[B:.*]]: memref<4x56xf32>, %[[I:.*]]: index)
// CHECK: %[[P:.*]] = ub.poison : vector<16xf32>
// CHECK: %[[M:.*]] = arith.constant dense<[true, true, true, true, true, true, true, true, true, true, true, true, true, true, false, false]> : vector<16xi1>
// CHECK: %[[W:.*]] = vector.transfer_read %[[A]][%[[I]], %{{.*}}], %{{.*}}, %[[M]] {in_bounds = [true]} : memref<4x56xf32>, vector<16xf32>
// CHECK: %[[R:.*]] = vector.extract_strided_slice %[[W]] {offsets = [0], sizes = [14], strides = [1]} : vector<16xf32> to vector<14xf32>
// CHECK: %[[S:.*]] = arith.addf %[[R]], %[[R]] : vector<14xf32>
// CHECK: %[[X:.*]] = vector.insert_strided_slice %[[S]], %[[P]] {offsets = [0], strides = [1]} : vector<14xf32> into vector<16xf32>
// CHECK: vector.transfer_write %[[X]], %[[B]][%[[I]], %{{.*}}], %{{.*}} {in_bounds = [true]} : vector<16xf32>, memref<4x56xf32>
// OFF-LABEL: func.func @row_of_14
// OFF: vector.transfer_read {{.*}} : memref<4x56xf32>, vector<14xf32>
// OFF: vector.transfer_write {{.*}} : vector<14xf32>, memref<4x56xf32>
func.func @row_of_14(%a: memref<4x56xf32>, %b: memref<4x56xf32>, %i: index) {
  %c42 = arith.constant 42 : index
  %pad = arith.constant 0.0 : f32
  %r = vector.transfer_read %a[%i, %c42], %pad {in_bounds = [true]} : memref<4x56xf32>, vector<14xf32>
  %s = arith.addf %r, %r : vector<14xf32>
  vector.transfer_write %s, %b[%i, %c42] {in_bounds = [true]} : vector<14xf32>, memref<4x56xf32>
  return
}

// 27 elements: a whole register and one of 11 masked lanes.
// CHECK-LABEL: func.func @two_registers
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : memref<64xf32>, vector<32xf32>
// CHECK: vector.extract_strided_slice {{.*}} sizes = [27]
func.func @two_registers(%a: memref<64xf32>) -> vector<27xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %r = vector.transfer_read %a[%c0], %pad {in_bounds = [true]} : memref<64xf32>, vector<27xf32>
  return %r : vector<27xf32>
}

// Left as they are: whole registers, a tail LLVM loads in one piece (8 or
// 24 = 16 + 8), a row that may run past the buffer (not in bounds), one
// that is strided in memory, one with a mask of its own, other element
// types, and a row whose elements are broadcast one by one (LLVM folds
// each into its FMA as a load).
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: extract_strided_slice
// CHECK: vector.transfer_read {{.*}} : memref<64xf32>, vector<16xf32>
// CHECK-NEXT: vector.transfer_read {{.*}} : memref<64xf32>, vector<8xf32>
// CHECK-NEXT: vector.transfer_read {{.*}} : memref<64xf32>, vector<24xf32>
// CHECK-NEXT: vector.transfer_read {{.*}} : memref<64xf32>, vector<14xf32>
// CHECK-NEXT: vector.transfer_read {{.*}} : memref<8x32xf32, strided<[64, 2]>>, vector<14xf32>
// CHECK-NEXT: vector.transfer_read {{.*}} : memref<64xf32>, vector<14xf32>
// CHECK-NEXT: vector.transfer_read {{.*}} : memref<64xf16>, vector<14xf16>
// CHECK-NEXT: vector.transfer_read {{.*}} : memref<64xf32>, vector<14xf32>
// CHECK-NOT: extract_strided_slice
// CHECK: return
func.func @unchanged(%a: memref<64xf32>, %s: memref<8x32xf32, strided<[64, 2]>>,
                     %h: memref<64xf16>, %m: vector<14xi1>)
    -> (vector<16xf32>, vector<8xf32>, vector<24xf32>, vector<14xf32>,
        vector<14xf32>, vector<14xf32>, vector<14xf16>, vector<14x16xf32>) {
  %c0 = arith.constant 0 : index
  %c60 = arith.constant 60 : index
  %pad = arith.constant 0.0 : f32
  %hpad = arith.constant 0.0 : f16
  %r16 = vector.transfer_read %a[%c0], %pad {in_bounds = [true]} : memref<64xf32>, vector<16xf32>
  %r8 = vector.transfer_read %a[%c0], %pad {in_bounds = [true]} : memref<64xf32>, vector<8xf32>
  %r24 = vector.transfer_read %a[%c0], %pad {in_bounds = [true]} : memref<64xf32>, vector<24xf32>
  %past = vector.transfer_read %a[%c60], %pad : memref<64xf32>, vector<14xf32>
  %strided = vector.transfer_read %s[%c0, %c0], %pad {in_bounds = [true]} : memref<8x32xf32, strided<[64, 2]>>, vector<14xf32>
  %masked = vector.transfer_read %a[%c0], %pad, %m {in_bounds = [true]} : memref<64xf32>, vector<14xf32>
  %half = vector.transfer_read %h[%c0], %hpad {in_bounds = [true]} : memref<64xf16>, vector<14xf16>
  %pixels = vector.transfer_read %a[%c0], %pad {in_bounds = [true]} : memref<64xf32>, vector<14xf32>
  %cast = vector.shape_cast %pixels : vector<14xf32> to vector<14x1xf32>
  %bcast = vector.broadcast %cast : vector<14x1xf32> to vector<14x16xf32>
  return %r16, %r8, %r24, %past, %strided, %masked, %half, %bcast
      : vector<16xf32>, vector<8xf32>, vector<24xf32>, vector<14xf32>,
        vector<14xf32>, vector<14xf32>, vector<14xf16>, vector<14x16xf32>
}
