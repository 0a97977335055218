// RUN: convc-opt %s -pass-pipeline='builtin.module(func.func(convc-skip-padding-taps))' -split-input-file | FileCheck %s

// A channels-in-lanes micro-kernel: two taps (kernel rows 0 and 2 of a
// 3x3 window, kernel column 0 and 2), each a row of 6 pixels broadcast
// against 8 weights. Output row %oh reads padded rows %oh and %oh + 2 of
// a tensor padded by one on each side, so rows 0 and 5 touch the padding:
// the loop gets a version for each, with the row static, and keeps its
// general form for the others. In every version tap 0's pixel 0 reads
// padding column 0 and tap 2's pixel 5 padding column 7: those FMAs go
// (a select of the accumulator, whose constant LLVM folds once the tile
// is split into vectors); a tap that reads a padding row goes whole.

func.func @rows(%x: tensor<1x4x6x6xf32>, %init: vector<6x8xf32>) -> tensor<6x6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<4x2x8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %out = tensor.empty() : tensor<6x6x8xf32>
  %r = scf.for %oh = %c0 to %c6 step %c1 iter_args(%o = %out) -> (tensor<6x6x8xf32>) {
    %oh2 = affine.apply affine_map<(d0) -> (d0 + 2)>(%oh)
    %acc = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %init) -> (vector<6x8xf32>) {
      %row0 = vector.transfer_read %pad[%c0, %c, %oh, %c0], %zero {in_bounds = [true]} : tensor<1x4x8x8xf32>, vector<6xf32>
      %s0 = vector.shape_cast %row0 : vector<6xf32> to vector<6x1xf32>
      %p0 = vector.broadcast %s0 : vector<6x1xf32> to vector<6x8xf32>
      %w0 = vector.transfer_read %w[%c, %c0, %c0], %zero {in_bounds = [true]} : tensor<4x2x8xf32>, vector<8xf32>
      %b0 = vector.broadcast %w0 : vector<8xf32> to vector<6x8xf32>
      %m0 = arith.mulf %p0, %b0 fastmath<contract> : vector<6x8xf32>
      %a0 = arith.addf %a, %m0 fastmath<contract> : vector<6x8xf32>
      %row2 = vector.transfer_read %pad[%c0, %c, %oh2, %c2], %zero {in_bounds = [true]} : tensor<1x4x8x8xf32>, vector<6xf32>
      %s2 = vector.shape_cast %row2 : vector<6xf32> to vector<6x1xf32>
      %p2 = vector.broadcast %s2 : vector<6x1xf32> to vector<6x8xf32>
      %w2 = vector.transfer_read %w[%c, %c1, %c0], %zero {in_bounds = [true]} : tensor<4x2x8xf32>, vector<8xf32>
      %b2 = vector.broadcast %w2 : vector<8xf32> to vector<6x8xf32>
      %m2 = arith.mulf %b2, %p2 fastmath<contract> : vector<6x8xf32>
      %a2 = arith.addf %a0, %m2 fastmath<contract> : vector<6x8xf32>
      scf.yield %a2 : vector<6x8xf32>
    }
    %t = vector.transfer_write %acc, %o[%oh, %c0, %c0] {in_bounds = [true, true]} : vector<6x8xf32>, tensor<6x6x8xf32>
    scf.yield %t : tensor<6x6x8xf32>
  }
  return %r : tensor<6x6x8xf32>
}

// CHECK-LABEL: func.func @rows
// CHECK-DAG:   %[[FIRST:.*]] = arith.constant dense<{{\[\[}}true, true, true, true, true, true, true, true], [false, {{.*}}]]> : vector<6x8xi1>
// CHECK-DAG:   %[[LAST:.*]] = arith.constant dense<{{\[\[}}false, {{.*}}], [true, true, true, true, true, true, true, true]]> : vector<6x8xi1>
// CHECK:       %[[PAD:.*]] = tensor.pad
// CHECK:       scf.for %[[OH:.*]] = %c0 to %c6
// CHECK:         %[[TOP:.*]] = arith.cmpi eq, %[[OH]], %c0
// CHECK:         scf.if %[[TOP]]
// Row 0: tap 0 reads padding row 0 (gone); tap 2 reads row 2, but not
// its pixel 5 (column 7).
// CHECK:           scf.for
// CHECK-NOT:         vector.transfer_read %[[PAD]][%c0, %{{.*}}, %c0,
// CHECK:             vector.transfer_read %[[PAD]][%c0, %{{.*}}, %c2, %c2]
// CHECK:             arith.mulf
// CHECK:             arith.select %[[LAST]]
// CHECK-NOT:         arith.mulf
// CHECK:             scf.yield
// CHECK:         } else {
// CHECK:           %[[BOTTOM:.*]] = arith.cmpi eq, %[[OH]], %c5
// CHECK:           scf.if %[[BOTTOM]]
// Row 5: tap 2 reads padding row 7 (gone); tap 0 reads row 5 from
// column 0, not its pixel 0.
// CHECK:             scf.for
// CHECK:               vector.transfer_read %[[PAD]][%c0, %{{.*}}, %c5, %c0]
// CHECK-NOT:           vector.transfer_read %[[PAD]]
// CHECK:               arith.mulf
// CHECK:               arith.select %[[FIRST]]
// CHECK-NOT:           arith.mulf
// CHECK:               scf.yield
// The other rows: both taps, without pixel 0 of the first and pixel 5 of
// the second.
// CHECK:           } else {
// CHECK:             scf.for
// CHECK:               vector.transfer_read %[[PAD]][%c0, %{{.*}}, %[[OH]], %c0]
// CHECK:               arith.mulf
// CHECK:               arith.select %[[FIRST]]
// CHECK:               vector.transfer_read %[[PAD]][%c0, %{{.*}}, %{{.*}}, %c2]
// CHECK:               arith.mulf
// CHECK:               arith.select %[[LAST]]
// CHECK:               scf.yield

// -----

// Tiles of 6 pixels along a padded row of 14 (12 + 1 + 1): tap column 2
// of the tile at %ow reads columns %ow + 2 ... %ow + 7, the last of which
// is padding column 13 for the tile at 6 only (the read's far end decides).

func.func @columns(%x: tensor<1x4x12x12xf32>, %init: vector<6x8xf32>) -> tensor<2x6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c12 = arith.constant 12 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<4x8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x12x12xf32> to tensor<1x4x14x14xf32>
  %out = tensor.empty() : tensor<2x6x8xf32>
  %r = scf.for %ow = %c0 to %c12 step %c6 iter_args(%o = %out) -> (tensor<2x6x8xf32>) {
    %col = affine.apply affine_map<(d0) -> (d0 + 2)>(%ow)
    %acc = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %init) -> (vector<6x8xf32>) {
      %row = vector.transfer_read %pad[%c0, %c, %c1, %col], %zero {in_bounds = [true]} : tensor<1x4x14x14xf32>, vector<6xf32>
      %s = vector.shape_cast %row : vector<6xf32> to vector<6x1xf32>
      %p = vector.broadcast %s : vector<6x1xf32> to vector<6x8xf32>
      %w0 = vector.transfer_read %w[%c, %c0], %zero {in_bounds = [true]} : tensor<4x8xf32>, vector<8xf32>
      %b = vector.broadcast %w0 : vector<8xf32> to vector<6x8xf32>
      %m = arith.mulf %p, %b fastmath<contract> : vector<6x8xf32>
      %a1 = arith.addf %a, %m fastmath<contract> : vector<6x8xf32>
      scf.yield %a1 : vector<6x8xf32>
    }
    %tile = affine.apply affine_map<(d0) -> (d0 floordiv 6)>(%ow)
    %t = vector.transfer_write %acc, %o[%tile, %c0, %c0] {in_bounds = [true, true]} : vector<6x8xf32>, tensor<2x6x8xf32>
    scf.yield %t : tensor<2x6x8xf32>
  }
  return %r : tensor<2x6x8xf32>
}

// CHECK-LABEL: func.func @columns
// CHECK:         scf.for %[[OW:.*]] = %c0 to %c12 step %c6
// CHECK:           %[[COL:.*]] = affine.apply #{{.*}}(%[[OW]])
// CHECK:           %[[LAST:.*]] = arith.cmpi eq, %[[COL]], %c8
// CHECK-NOT:       arith.cmpi
// CHECK:           scf.if %[[LAST]]
// CHECK:             vector.transfer_read %{{.*}}[%c0, %{{.*}}, %c1, %c8]
// CHECK:             arith.select
// CHECK:             scf.yield
// CHECK:           } else {
// CHECK-NOT:         arith.select
// CHECK:             scf.yield

// -----

// A strided row (stride 2), read whole and shuffled: pixel 0 is padding
// column 0 and pixel 5 padding column 10; their FMAs go (a select of the
// accumulator, whose constant LLVM folds once the tile is split into
// vectors).

func.func @strided(%x: tensor<1x4x9x9xf32>, %init: vector<6x8xf32>) -> vector<6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<4x8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x9x9xf32> to tensor<1x4x11x11xf32>
  %acc = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %init) -> (vector<6x8xf32>) {
    %row = vector.transfer_read %pad[%c0, %c, %c3, %c0], %zero {in_bounds = [true]} : tensor<1x4x11x11xf32>, vector<11xf32>
    %picked = vector.shuffle %row, %row [0, 2, 4, 6, 8, 10] : vector<11xf32>, vector<11xf32>
    %s = vector.shape_cast %picked : vector<6xf32> to vector<6x1xf32>
    %p = vector.broadcast %s : vector<6x1xf32> to vector<6x8xf32>
    %w0 = vector.transfer_read %w[%c, %c0], %zero {in_bounds = [true]} : tensor<4x8xf32>, vector<8xf32>
    %b = vector.broadcast %w0 : vector<8xf32> to vector<6x8xf32>
    %m = arith.mulf %p, %b fastmath<contract> : vector<6x8xf32>
    %a1 = arith.addf %a, %m fastmath<contract> : vector<6x8xf32>
    scf.yield %a1 : vector<6x8xf32>
  }
  return %acc : vector<6x8xf32>
}

// CHECK-LABEL: func.func @strided
// CHECK-DAG:     %[[SKIP:.*]] = arith.constant dense<{{\[\[}}true, true, true, true, true, true, true, true], [false, false, false, false, false, false, false, false], [false, {{.*}}], [false, {{.*}}], [false, {{.*}}], [true, true, true, true, true, true, true, true]]> : vector<6x8xi1>
// CHECK:         scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK:           %[[SUM:.*]] = arith.addf %[[ACC]], %{{.*}} fastmath<contract> : vector<6x8xf32>
// CHECK:           arith.select %[[SKIP]], %[[ACC]], %[[SUM]]

// -----

// Weights that are not all finite: 0 * inf is NaN, so the products of
// padding stay (in every version).

func.func @infinite_weights(%x: tensor<1x4x6x6xf32>, %init: vector<6x8xf32>) -> vector<6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0x7F800000]> : tensor<8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %acc = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %init) -> (vector<6x8xf32>) {
    %row = vector.transfer_read %pad[%c0, %c, %c0, %c0], %zero {in_bounds = [true]} : tensor<1x4x8x8xf32>, vector<6xf32>
    %s = vector.shape_cast %row : vector<6xf32> to vector<6x1xf32>
    %p = vector.broadcast %s : vector<6x1xf32> to vector<6x8xf32>
    %w0 = vector.transfer_read %w[%c0], %zero {in_bounds = [true]} : tensor<8xf32>, vector<8xf32>
    %b = vector.broadcast %w0 : vector<8xf32> to vector<6x8xf32>
    %m = arith.mulf %p, %b fastmath<contract> : vector<6x8xf32>
    %a1 = arith.addf %a, %m fastmath<contract> : vector<6x8xf32>
    scf.yield %a1 : vector<6x8xf32>
  }
  return %acc : vector<6x8xf32>
}

// CHECK-LABEL: func.func @infinite_weights
// CHECK-NOT:     arith.select

// -----

// Weights in a resource blob (as large weights are) are read the same way:
// finite, so pixel 0, which reads padding column 0, is dropped...

func.func @blob_weights(%x: tensor<1x4x6x6xf32>, %init: vector<6x8xf32>) -> vector<6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense_resource<finite> : tensor<8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %acc = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %init) -> (vector<6x8xf32>) {
    %row = vector.transfer_read %pad[%c0, %c, %c1, %c0], %zero {in_bounds = [true]} : tensor<1x4x8x8xf32>, vector<6xf32>
    %s = vector.shape_cast %row : vector<6xf32> to vector<6x1xf32>
    %p = vector.broadcast %s : vector<6x1xf32> to vector<6x8xf32>
    %w0 = vector.transfer_read %w[%c0], %zero {in_bounds = [true]} : tensor<8xf32>, vector<8xf32>
    %b = vector.broadcast %w0 : vector<8xf32> to vector<6x8xf32>
    %m = arith.mulf %p, %b fastmath<contract> : vector<6x8xf32>
    %a1 = arith.addf %a, %m fastmath<contract> : vector<6x8xf32>
    scf.yield %a1 : vector<6x8xf32>
  }
  return %acc : vector<6x8xf32>
}

// CHECK-LABEL: func.func @blob_weights
// CHECK:         arith.select

{-#
  dialect_resources: {
    builtin: {
      finite: "0x040000000000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F"
    }
  }
#-}

// -----

// ...and with an infinity among them, kept.

func.func @blob_infinite_weights(%x: tensor<1x4x6x6xf32>, %init: vector<6x8xf32>) -> vector<6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense_resource<infinite> : tensor<8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %acc = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %init) -> (vector<6x8xf32>) {
    %row = vector.transfer_read %pad[%c0, %c, %c1, %c0], %zero {in_bounds = [true]} : tensor<1x4x8x8xf32>, vector<6xf32>
    %s = vector.shape_cast %row : vector<6xf32> to vector<6x1xf32>
    %p = vector.broadcast %s : vector<6x1xf32> to vector<6x8xf32>
    %w0 = vector.transfer_read %w[%c0], %zero {in_bounds = [true]} : tensor<8xf32>, vector<8xf32>
    %b = vector.broadcast %w0 : vector<8xf32> to vector<6x8xf32>
    %m = arith.mulf %p, %b fastmath<contract> : vector<6x8xf32>
    %a1 = arith.addf %a, %m fastmath<contract> : vector<6x8xf32>
    scf.yield %a1 : vector<6x8xf32>
  }
  return %acc : vector<6x8xf32>
}

// CHECK-LABEL: func.func @blob_infinite_weights
// CHECK-NOT:     arith.select

{-#
  dialect_resources: {
    builtin: {
      infinite: "0x040000000000003F0000003F0000003F0000003F0000003F0000003F0000003F0000807F"
    }
  }
#-}

// -----

// Padding with ones (not zeros): nothing is specialized or dropped.

func.func @ones(%x: tensor<1x4x6x6xf32>, %init: vector<6x8xf32>) -> tensor<6x6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %w = arith.constant dense<0.5> : tensor<8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %one : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %out = tensor.empty() : tensor<6x6x8xf32>
  %r = scf.for %oh = %c0 to %c6 step %c1 iter_args(%o = %out) -> (tensor<6x6x8xf32>) {
    %acc = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %init) -> (vector<6x8xf32>) {
      %row = vector.transfer_read %pad[%c0, %c, %oh, %c0], %zero {in_bounds = [true]} : tensor<1x4x8x8xf32>, vector<6xf32>
      %s = vector.shape_cast %row : vector<6xf32> to vector<6x1xf32>
      %p = vector.broadcast %s : vector<6x1xf32> to vector<6x8xf32>
      %w0 = vector.transfer_read %w[%c0], %zero {in_bounds = [true]} : tensor<8xf32>, vector<8xf32>
      %b = vector.broadcast %w0 : vector<8xf32> to vector<6x8xf32>
      %m = arith.mulf %p, %b fastmath<contract> : vector<6x8xf32>
      %a1 = arith.addf %a, %m fastmath<contract> : vector<6x8xf32>
      scf.yield %a1 : vector<6x8xf32>
    }
    %t = vector.transfer_write %acc, %o[%oh, %c0, %c0] {in_bounds = [true, true]} : vector<6x8xf32>, tensor<6x6x8xf32>
    scf.yield %t : tensor<6x6x8xf32>
  }
  return %r : tensor<6x6x8xf32>
}

// CHECK-LABEL: func.func @ones
// CHECK-NOT:     scf.if
// CHECK-NOT:     arith.select

// -----

// A tile of 4 pixels at row %oh and column %ow: the taps read rows %oh
// and %oh + 2, columns %ow ... %ow + 5, so both dims reach the padding.
// The pad copies a model input (a function argument), which
// convc-read-through-padding can read in place only if every read's
// position is known: the versions of the columns go into the versions of
// the rows too (the corners).

func.func @corners_of_input(%x: tensor<1x2x4x8xf32>, %init: vector<4x8xf32>) -> tensor<4x2x4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<2x8xf32>
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x4x8xf32> to tensor<1x2x6x10xf32>
  %out = tensor.empty() : tensor<4x2x4x8xf32>
  %r = scf.for %oh = %c0 to %c4 step %c1 iter_args(%o = %out) -> (tensor<4x2x4x8xf32>) {
    %r2 = scf.for %ow = %c0 to %c8 step %c4 iter_args(%o2 = %o) -> (tensor<4x2x4x8xf32>) {
      %oh2 = affine.apply affine_map<(d0) -> (d0 + 2)>(%oh)
      %ow2 = affine.apply affine_map<(d0) -> (d0 + 2)>(%ow)
      %acc = scf.for %c = %c0 to %c2 step %c1 iter_args(%a = %init) -> (vector<4x8xf32>) {
        %w0 = vector.transfer_read %w[%c, %c0], %zero {in_bounds = [true]} : tensor<2x8xf32>, vector<8xf32>
        %b = vector.broadcast %w0 : vector<8xf32> to vector<4x8xf32>
        %row0 = vector.transfer_read %pad[%c0, %c, %oh, %ow], %zero {in_bounds = [true]} : tensor<1x2x6x10xf32>, vector<4xf32>
        %s0 = vector.shape_cast %row0 : vector<4xf32> to vector<4x1xf32>
        %p0 = vector.broadcast %s0 : vector<4x1xf32> to vector<4x8xf32>
        %m0 = arith.mulf %p0, %b fastmath<contract> : vector<4x8xf32>
        %a0 = arith.addf %a, %m0 fastmath<contract> : vector<4x8xf32>
        %row2 = vector.transfer_read %pad[%c0, %c, %oh2, %ow2], %zero {in_bounds = [true]} : tensor<1x2x6x10xf32>, vector<4xf32>
        %s2 = vector.shape_cast %row2 : vector<4xf32> to vector<4x1xf32>
        %p2 = vector.broadcast %s2 : vector<4x1xf32> to vector<4x8xf32>
        %m2 = arith.mulf %p2, %b fastmath<contract> : vector<4x8xf32>
        %a2 = arith.addf %a0, %m2 fastmath<contract> : vector<4x8xf32>
        scf.yield %a2 : vector<4x8xf32>
      }
      %tile = affine.apply affine_map<(d0) -> (d0 floordiv 4)>(%ow)
      %t = vector.transfer_write %acc, %o2[%oh, %tile, %c0, %c0] {in_bounds = [true, true]} : vector<4x8xf32>, tensor<4x2x4x8xf32>
      scf.yield %t : tensor<4x2x4x8xf32>
    }
    scf.yield %r2 : tensor<4x2x4x8xf32>
  }
  return %r : tensor<4x2x4x8xf32>
}

// CHECK-LABEL: func.func @corners_of_input
// CHECK:         %[[TOP:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK:         scf.if %[[TOP]]
// CHECK-NOT:       scf.for
// CHECK:           %[[LEFT:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK:           scf.if %[[LEFT]]
// CHECK:             scf.for

// -----

// The same tile on a padded tensor that the function computes (its
// producer writes into the padded buffer, convc-pad-in-place): the
// corners keep the products of the columns' padding, and the rows'
// versions have no versions of their own.

func.func @corners_of_computed(%x: tensor<1x2x4x8xf32>, %init: vector<4x8xf32>) -> tensor<4x2x4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<2x8xf32>
  %y = arith.addf %x, %x : tensor<1x2x4x8xf32>
  %pad = tensor.pad %y low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x4x8xf32> to tensor<1x2x6x10xf32>
  %out = tensor.empty() : tensor<4x2x4x8xf32>
  %r = scf.for %oh = %c0 to %c4 step %c1 iter_args(%o = %out) -> (tensor<4x2x4x8xf32>) {
    %r2 = scf.for %ow = %c0 to %c8 step %c4 iter_args(%o2 = %o) -> (tensor<4x2x4x8xf32>) {
      %oh2 = affine.apply affine_map<(d0) -> (d0 + 2)>(%oh)
      %ow2 = affine.apply affine_map<(d0) -> (d0 + 2)>(%ow)
      %acc = scf.for %c = %c0 to %c2 step %c1 iter_args(%a = %init) -> (vector<4x8xf32>) {
        %w0 = vector.transfer_read %w[%c, %c0], %zero {in_bounds = [true]} : tensor<2x8xf32>, vector<8xf32>
        %b = vector.broadcast %w0 : vector<8xf32> to vector<4x8xf32>
        %row0 = vector.transfer_read %pad[%c0, %c, %oh, %ow], %zero {in_bounds = [true]} : tensor<1x2x6x10xf32>, vector<4xf32>
        %s0 = vector.shape_cast %row0 : vector<4xf32> to vector<4x1xf32>
        %p0 = vector.broadcast %s0 : vector<4x1xf32> to vector<4x8xf32>
        %m0 = arith.mulf %p0, %b fastmath<contract> : vector<4x8xf32>
        %a0 = arith.addf %a, %m0 fastmath<contract> : vector<4x8xf32>
        %row2 = vector.transfer_read %pad[%c0, %c, %oh2, %ow2], %zero {in_bounds = [true]} : tensor<1x2x6x10xf32>, vector<4xf32>
        %s2 = vector.shape_cast %row2 : vector<4xf32> to vector<4x1xf32>
        %p2 = vector.broadcast %s2 : vector<4x1xf32> to vector<4x8xf32>
        %m2 = arith.mulf %p2, %b fastmath<contract> : vector<4x8xf32>
        %a2 = arith.addf %a0, %m2 fastmath<contract> : vector<4x8xf32>
        scf.yield %a2 : vector<4x8xf32>
      }
      %tile = affine.apply affine_map<(d0) -> (d0 floordiv 4)>(%ow)
      %t = vector.transfer_write %acc, %o2[%oh, %tile, %c0, %c0] {in_bounds = [true, true]} : vector<4x8xf32>, tensor<4x2x4x8xf32>
      scf.yield %t : tensor<4x2x4x8xf32>
    }
    scf.yield %r2 : tensor<4x2x4x8xf32>
  }
  return %r : tensor<4x2x4x8xf32>
}

// CHECK-LABEL: func.func @corners_of_computed
// CHECK:         %[[TOP:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK:         scf.if %[[TOP]]
// CHECK-NOT:       arith.cmpi
// CHECK:           scf.for
