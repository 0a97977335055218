// RUN: convc-opt %s -pass-pipeline='builtin.module(func.func(convc-read-through-padding))' -split-input-file | FileCheck %s

// Reads of a 6x6 plane padded by one on each side, as
// convc-skip-padding-taps leaves them: output row 0 and row 5 have
// versions with the row static, the other rows keep the general form.
// Row 0 reads padding row 0 (zeros) and row 1 from column 0, whose first
// element is padding (the source's 5 columns go after a zero); row 5
// reads row 6 from column 2, whose last element is padding; the other
// rows read rows 1..4 from column 1, in the source: row - 1, column 0.
// Every read takes the source and the pad goes.

func.func @versions(%x: tensor<1x2x6x6xf32>, %c: index) -> tensor<6x3x6xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %init = arith.constant dense<1.0> : vector<3x6xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32>
  %out = tensor.empty() : tensor<6x3x6xf32>
  %r = scf.for %oh = %c0 to %c6 step %c1 iter_args(%o = %out) -> (tensor<6x3x6xf32>) {
    %top = arith.cmpi eq, %oh, %c0 : index
    %v = scf.if %top -> (vector<3x6xf32>) {
      %a = vector.transfer_read %pad[%c0, %c1, %c0, %c1], %zero {in_bounds = [true]} : tensor<1x2x8x8xf32>, vector<6xf32>
      %b = vector.transfer_read %pad[%c0, %c1, %c1, %c0], %zero {in_bounds = [true]} : tensor<1x2x8x8xf32>, vector<6xf32>
      %m0 = vector.insert %a, %init [0] : vector<6xf32> into vector<3x6xf32>
      %m1 = vector.insert %b, %m0 [1] : vector<6xf32> into vector<3x6xf32>
      scf.yield %m1 : vector<3x6xf32>
    } else {
      %bottom = arith.cmpi eq, %oh, %c5 : index
      %w = scf.if %bottom -> (vector<3x6xf32>) {
        %a = vector.transfer_read %pad[%c0, %c, %c6, %c2], %zero {in_bounds = [true]} : tensor<1x2x8x8xf32>, vector<6xf32>
        %m = vector.broadcast %a : vector<6xf32> to vector<3x6xf32>
        scf.yield %m : vector<3x6xf32>
      } else {
        %a = vector.transfer_read %pad[%c0, %c, %oh, %c1], %zero {in_bounds = [true]} : tensor<1x2x8x8xf32>, vector<6xf32>
        %m = vector.broadcast %a : vector<6xf32> to vector<3x6xf32>
        scf.yield %m : vector<3x6xf32>
      }
      scf.yield %w : vector<3x6xf32>
    }
    %s = vector.transfer_write %v, %o[%oh, %c0, %c0] {in_bounds = [true, true]} : vector<3x6xf32>, tensor<6x3x6xf32>
    scf.yield %s : tensor<6x3x6xf32>
  }
  return %r : tensor<6x3x6xf32>
}

// CHECK-LABEL: func.func @versions
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x6x6xf32>, %[[C:.*]]: index)
// CHECK-NOT:   tensor.pad
// CHECK:       scf.for %[[OH:.*]] = %c0 to %c6
// CHECK:         scf.if
// CHECK:           %[[ROW0:.*]] = arith.constant dense<0.000000e+00> : vector<6xf32>
// CHECK-NOT:       vector.transfer_read
// CHECK:           %[[B:.*]] = vector.transfer_read %[[X]][%c0, %c1, %{{.*}}, %c0], %{{.*}} {in_bounds = [true]} : tensor<1x2x6x6xf32>, vector<5xf32>
// CHECK:           %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : vector<6xf32>
// CHECK:           %[[BZ:.*]] = vector.insert_strided_slice %[[B]], %[[ZEROS]] {offsets = [1], strides = [1]} : vector<5xf32> into vector<6xf32>
// CHECK:           %[[M0:.*]] = vector.insert %[[ROW0]], %{{.*}} [0]
// CHECK:           vector.insert %[[BZ]], %[[M0]] [1]
// CHECK:         } else {
// CHECK:           scf.if
// CHECK:             %[[L:.*]] = vector.transfer_read %[[X]][%c0, %[[C]], %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x6x6xf32>, vector<5xf32>
// CHECK:             %[[LZ:.*]] = arith.constant dense<0.000000e+00> : vector<6xf32>
// CHECK:             vector.insert_strided_slice %[[L]], %[[LZ]] {offsets = [0], strides = [1]}
// CHECK:           } else {
// CHECK-NOT:         arith.constant
// CHECK:             %[[ROW:.*]] = affine.apply #{{.*}}()[%[[OH]]]
// CHECK:             vector.transfer_read %[[X]][%c0, %[[C]], %[[ROW]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x6x6xf32>, vector<6xf32>

// -----

// Without the versions, the general loop's read at row %oh reaches the
// padding (row 0, at %oh = 0): the pad stays, and so does every read of
// it, the reads in the source too.

func.func @dynamic(%x: tensor<1x2x6x6xf32>) -> tensor<6x6xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32>
  %out = tensor.empty() : tensor<6x6xf32>
  %r = scf.for %oh = %c0 to %c6 step %c1 iter_args(%o = %out) -> (tensor<6x6xf32>) {
    %inner = vector.transfer_read %pad[%c0, %c0, %c1, %c1], %zero {in_bounds = [true]} : tensor<1x2x8x8xf32>, vector<6xf32>
    %a = vector.transfer_read %pad[%c0, %c0, %oh, %c1], %zero {in_bounds = [true]} : tensor<1x2x8x8xf32>, vector<6xf32>
    %sum = arith.addf %inner, %a : vector<6xf32>
    %s = vector.transfer_write %sum, %o[%oh, %c0] {in_bounds = [true]} : vector<6xf32>, tensor<6x6xf32>
    scf.yield %s : tensor<6x6xf32>
  }
  return %r : tensor<6x6xf32>
}

// CHECK-LABEL: func.func @dynamic
// CHECK:       %[[PAD:.*]] = tensor.pad
// CHECK:       scf.for
// CHECK:         vector.transfer_read %[[PAD]][%c0, %c0, %c1, %c1]
// CHECK:         vector.transfer_read %[[PAD]][%c0, %c0, %{{.*}}, %c1]

// -----

// A pad that something other than a vector read uses stays.

func.func @sliced(%x: tensor<1x2x6x6xf32>) -> (vector<6xf32>, tensor<1x2x2x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32>
  %a = vector.transfer_read %pad[%c0, %c0, %c1, %c1], %zero {in_bounds = [true]} : tensor<1x2x8x8xf32>, vector<6xf32>
  %s = tensor.extract_slice %pad[0, 0, 0, 0] [1, 2, 2, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x2x8xf32>
  return %a, %s : vector<6xf32>, tensor<1x2x2x8xf32>
}

// CHECK-LABEL: func.func @sliced
// CHECK:       %[[PAD:.*]] = tensor.pad
// CHECK:       vector.transfer_read %[[PAD]]
