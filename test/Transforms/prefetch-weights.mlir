// RUN: convc-opt %s -pass-pipeline='builtin.module(convc-prefetch-weights{cache-kib=16})' | FileCheck %s
// RUN: convc-opt %s -pass-pipeline='builtin.module(convc-prefetch-weights{cache-kib=32})' | FileCheck %s --check-prefix=FITS

// Four cache blocks of 16 filters; the weights, packed [4, 8, 3, 3, 16]
// (18 KiB), are larger than a 16 KiB cache. Each block makes four passes
// (2 tiles x 2 rows) of 8 steps (input channels) over its 1152 weights: 32
// steps at (tile * 2 + row) * 8 + step. Those of the first two passes
// prefetch nothing new (they repeat the first busy step's lines); each of the
// other 16 prefetches 72 floats of the next block, rounded up to whole
// lines: 5 lines of 16 floats, at max(position - 16, 0) * 80 + line * 16
// within the block, of block min(b + 1, 3).

memref.global "private" constant @w : memref<4x8x3x3x16xf32> = dense<0.5>

func.func @blocks(%init: vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<4x8x3x3x16xf32>
  scf.forall (%f) = (0) to (64) step (16) {
    %b = affine.apply affine_map<()[s0] -> (s0 floordiv 16)>()[%f]
    scf.for %tile = %c0 to %c2 step %c1 {
    scf.for %row = %c0 to %c2 step %c1 {
      %acc = scf.for %c = %c0 to %c8 step %c1 iter_args(%a = %init) -> (vector<16xf32>) {
        %v = vector.transfer_read %w[%b, %c, %c1, %c2, %c0], %zero {in_bounds = [true]} : memref<4x8x3x3x16xf32>, vector<16xf32>
        %s = arith.addf %a, %v : vector<16xf32>
        scf.yield %s : vector<16xf32>
      }
      // Not a block's channels: the loop's index is not the read's second.
      %other = scf.for %c = %c0 to %c8 step %c1 iter_args(%a = %init) -> (vector<16xf32>) {
        %v = vector.transfer_read %w[%b, %c0, %c1, %c2, %c0], %zero {in_bounds = [true]} : memref<4x8x3x3x16xf32>, vector<16xf32>
        %s = arith.addf %a, %v : vector<16xf32>
        scf.yield %s : vector<16xf32>
      }
    }
    }
  }
  return
}

// CHECK-DAG:   #[[NEXT:.*]] = affine_map<()[s0] -> (s0 floordiv 16 + 1, 3)>
// CHECK-DAG:   #[[BUSY:.*]] = affine_map<()[s0, s1, s2] -> (s0 * 8 + s1 * 16 + s2 - 16, 0)>
// CHECK-DAG:   #[[LINE0:.*]] = affine_map<()[s0] -> (s0 * 80, 1151)>
// CHECK-DAG:   #[[LINE4:.*]] = affine_map<()[s0] -> (s0 * 80 + 64, 1151)>
// CHECK-LABEL: func.func @blocks
// CHECK:         scf.forall (%[[F:.*]]) =
// CHECK:           scf.for %[[TILE:.*]] = %c0 to %c2
// CHECK:             scf.for %[[ROW:.*]] = %c0 to %c2
// CHECK:               %[[FLAT:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3, 4]] : memref<4x8x3x3x16xf32> into memref<4x1152xf32>
// CHECK:               %[[B:.*]] = affine.min #[[NEXT]]()[%[[F]]]
// CHECK:               scf.for %[[C:.*]] = %c0 to %c8
// CHECK:                 %[[AT:.*]] = affine.max #[[BUSY]]()[%[[ROW]], %[[TILE]], %[[C]]]
// CHECK:                 %[[AT0:.*]] = affine.min #[[LINE0]]()[%[[AT]]]
// CHECK:                 memref.prefetch %[[FLAT]][%[[B]], %[[AT0]]], read, locality<2>, data
// CHECK-COUNT-3:         memref.prefetch
// CHECK:                 %[[AT4:.*]] = affine.min #[[LINE4]]()[%[[AT]]]
// CHECK:                 memref.prefetch %[[FLAT]][%[[B]], %[[AT4]]], read, locality<2>, data
// CHECK-NEXT:            vector.transfer_read
// CHECK:               scf.for
// CHECK-NOT:             memref.prefetch
// CHECK:             }

// FITS-NOT: memref.prefetch
