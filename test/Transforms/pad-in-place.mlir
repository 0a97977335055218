// RUN: convc-opt %s -pass-pipeline='builtin.module(func.func(convc-pad-in-place),eliminate-empty-tensors)' | FileCheck %s

// The producer of a padded tensor writes straight into the padded tensor's
// interior: its destination becomes a slice of the padded tensor, whose
// border (only) is filled after the producer has run (the lines the border
// shares with the interior are then in cache).

// CHECK-LABEL: func.func @produced
// CHECK:       %[[PADDED:.*]] = tensor.empty() : tensor<2x3x7x8xf32>
// CHECK:       %[[INTERIOR:.*]] = tensor.extract_slice %[[PADDED]][0, 0, 1, 3] [2, 3, 4, 5]
// CHECK:       %[[RELU:.*]] = linalg.generic {{.*}} outs(%[[INTERIOR]] : tensor<2x3x4x5xf32>)
// CHECK:       %[[T0:.*]] = tensor.insert_slice %[[RELU]] into %[[PADDED]][0, 0, 1, 3] [2, 3, 4, 5]
// CHECK:       linalg.fill {{.*}} -> tensor<2x3x1x8xf32>
// CHECK:       %[[T1:.*]] = tensor.insert_slice %{{.*}} into %[[T0]][0, 0, 0, 0] [2, 3, 1, 8]
// CHECK:       linalg.fill {{.*}} -> tensor<2x3x2x8xf32>
// CHECK:       %[[T2:.*]] = tensor.insert_slice %{{.*}} into %[[T1]][0, 0, 5, 0] [2, 3, 2, 8]
// CHECK:       linalg.fill {{.*}} -> tensor<2x3x4x3xf32>
// CHECK:       %[[T3:.*]] = tensor.insert_slice %{{.*}} into %[[T2]][0, 0, 1, 0] [2, 3, 4, 3]
// CHECK-NOT:   linalg.fill {{.*}} -> tensor<2x3x4x0xf32>
// CHECK-NOT:   tensor.pad
// CHECK:       return %[[T3]]
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @produced(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x7x8xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x3x4x5xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x3x4x5xf32>) outs(%empty : tensor<2x3x4x5xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x3x4x5xf32>
  %padded = tensor.pad %relu low[0, 0, 1, 3] high[0, 0, 2, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<2x3x4x5xf32> to tensor<2x3x7x8xf32>
  return %padded : tensor<2x3x7x8xf32>
}


// A function argument cannot be written in place: it is copied in, and
// only the border is filled, first (the copy runs on every thread; fills
// after it, on one, would take the lines they share back from the others).
// CHECK-LABEL: func.func @argument
// CHECK:       %[[PADDED:.*]] = tensor.empty() : tensor<1x2x5x5xf32>
// CHECK-COUNT-4: linalg.fill
// CHECK:       tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [1, 2, 3, 3]
// CHECK-NOT:   tensor.pad
func.func @argument(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x3x3xf32> to tensor<1x2x5x5xf32>
  return %padded : tensor<1x2x5x5xf32>
}


// A pad whose value is not a constant stays.
// CHECK-LABEL: func.func @computed_value
// CHECK: tensor.pad
func.func @computed_value(%x: tensor<4xf32>, %v: f32) -> tensor<6xf32> {
  %padded = tensor.pad %x low[1] high[1] {
  ^bb0(%i: index):
    tensor.yield %v : f32
  } : tensor<4xf32> to tensor<6xf32>
  return %padded : tensor<6xf32>
}


// A pad inside a loop (a block padding its own channel plane of a model
// input): the same border fills, inside the loop.
// CHECK-LABEL: func.func @plane_in_block
// CHECK:       scf.forall (%[[C:.*]]) in (2)
// CHECK-COUNT-4:  linalg.fill
// CHECK:         %[[PLANE:.*]] = tensor.extract_slice %arg0[0, %[[C]], 0, 0] [1, 1, 3, 3]
// CHECK:         tensor.insert_slice %[[PLANE]] into %{{.*}}[0, 0, 1, 1] [1, 1, 3, 3]
// CHECK-NOT:   tensor.pad
func.func @plane_in_block(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x5x5xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<1x2x5x5xf32>
  %r = scf.forall (%c) in (2) shared_outs(%out = %init) -> (tensor<1x2x5x5xf32>) {
    %plane = tensor.extract_slice %x[0, %c, 0, 0] [1, 1, 3, 3] [1, 1, 1, 1] : tensor<1x2x3x3xf32> to tensor<1x1x3x3xf32>
    %padded = tensor.pad %plane nofold low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero : f32
    } : tensor<1x1x3x3xf32> to tensor<1x1x5x5xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %padded into %out[0, %c, 0, 0] [1, 1, 5, 5] [1, 1, 1, 1] : tensor<1x1x5x5xf32> into tensor<1x2x5x5xf32>
    }
  }
  return %r : tensor<1x2x5x5xf32>
}

// -----

// A pad materialized in a destination (the buffer that every version of a
// block's copy writes) is padded in that destination: its border filled
// and the source inserted there, with no tensor of its own.
// CHECK-LABEL: func.func @into_destination
// CHECK-SAME: (%[[SRC:.*]]: tensor<1x1x4x6xf32>)
// CHECK: %[[DEST:.*]] = bufferization.alloc_tensor() : tensor<1x1x5x7xf32>
// CHECK-NOT: tensor.empty
// CHECK: %[[TOP:.*]] = tensor.extract_slice %[[DEST]][0, 0, 0, 0] [1, 1, 1, 7]
// CHECK: %[[FTOP:.*]] = linalg.fill {{.*}} outs(%[[TOP]] : tensor<1x1x1x7xf32>)
// CHECK: %[[T1:.*]] = tensor.insert_slice %[[FTOP]] into %[[DEST]][0, 0, 0, 0] [1, 1, 1, 7]
// CHECK: %[[LEFT:.*]] = tensor.extract_slice %[[T1]][0, 0, 1, 0] [1, 1, 4, 1]
// CHECK: %[[FLEFT:.*]] = linalg.fill {{.*}} outs(%[[LEFT]] : tensor<1x1x4x1xf32>)
// CHECK: %[[T2:.*]] = tensor.insert_slice %[[FLEFT]] into %[[T1]][0, 0, 1, 0] [1, 1, 4, 1]
// CHECK: %[[T3:.*]] = tensor.insert_slice %[[SRC]] into %[[T2]][0, 0, 1, 1] [1, 1, 4, 6]
// CHECK-NOT: tensor.pad
// CHECK-NOT: bufferization.materialize_in_destination
// CHECK: return %[[T3]]
func.func @into_destination(%src: tensor<1x1x4x6xf32>) -> tensor<1x1x5x7xf32> {
  %zero = arith.constant 0.0 : f32
  %dest = bufferization.alloc_tensor() : tensor<1x1x5x7xf32>
  %padded = tensor.pad %src nofold low[0, 0, 1, 1] high[0, 0, 0, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x1x4x6xf32> to tensor<1x1x5x7xf32>
  %r = bufferization.materialize_in_destination %padded in %dest
      : (tensor<1x1x5x7xf32>, tensor<1x1x5x7xf32>) -> tensor<1x1x5x7xf32>
  return %r : tensor<1x1x5x7xf32>
}


// A padded tensor that is also read as it is (a residual block's input,
// which its add reads too): the readers after the pad read the padded
// tensor's interior, so that the producer still writes straight into it
// and the tensor is never copied; a reader before the pad keeps reading
// the producer's result.
// CHECK-LABEL: func.func @shared
// CHECK:       %[[PADDED:.*]] = tensor.empty() : tensor<1x2x5x5xf32>
// CHECK:       %[[DEST:.*]] = tensor.extract_slice %[[PADDED]][0, 0, 1, 1] [1, 2, 3, 3]
// CHECK:       %[[RELU:.*]] = linalg.generic {{.*}} outs(%[[DEST]] : tensor<1x2x3x3xf32>)
// CHECK:       %[[BEFORE:.*]] = arith.addf %[[RELU]], %[[RELU]]
// CHECK:       tensor.insert_slice %[[RELU]] into %[[PADDED]][0, 0, 1, 1] [1, 2, 3, 3]
// CHECK-COUNT-4: linalg.fill
// CHECK:       %[[FILLED:.*]] = tensor.insert_slice
// CHECK:       %[[INTERIOR:.*]] = tensor.extract_slice %[[FILLED]][0, 0, 1, 1] [1, 2, 3, 3]
// CHECK:       %[[AFTER:.*]] = arith.mulf %[[INTERIOR]], %[[INTERIOR]]
// CHECK:       return %[[FILLED]], %[[BEFORE]], %[[AFTER]]
func.func @shared(%x: tensor<1x2x3x3xf32>)
    -> (tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x2x3x3xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x2x3x3xf32>) outs(%empty : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3x3xf32>
  %before = arith.addf %relu, %relu : tensor<1x2x3x3xf32>
  %padded = tensor.pad %relu low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x3x3xf32> to tensor<1x2x5x5xf32>
  %after = arith.mulf %relu, %relu : tensor<1x2x3x3xf32>
  return %padded, %before, %after
      : tensor<1x2x5x5xf32>, tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}


// A source computed by a loop over cache blocks (rows 0-3 and 4-7 here):
// the slabs along the dims that the blocks tile (the top and bottom rows)
// are filled after the loop, and each slab along another dim (the left and
// right columns) in a loop over the same blocks, each block its own rows
// of it (marked for convc-merge-border-fills, which runs them in the
// producer's blocks).
// CHECK-LABEL: func.func @blocks
// CHECK:       %[[PADDED:.*]] = tensor.empty() : tensor<1x3x10x10xf32>
// CHECK:       %[[R:.*]] = scf.forall (%[[I:.*]]) = (0) to (8) step (4) shared_outs(%{{.*}} = %{{.*}})
// CHECK:       %[[T0:.*]] = tensor.insert_slice %[[R]] into %[[PADDED]][0, 0, 1, 1] [1, 3, 8, 8]
// CHECK:       %[[L:.*]] = scf.forall (%[[J:.*]]) = (0) to (8) step (4) shared_outs(%[[OUT:.*]] = %[[T0]])
// CHECK:         %[[ROW:.*]] = arith.addi %[[J]], %c1
// CHECK:         %[[S:.*]] = tensor.extract_slice %[[OUT]][0, 0, %[[ROW]], 0] [1, 3, 4, 1]
// CHECK:         %[[F:.*]] = linalg.fill {convc.block_border} ins(%{{.*}} : f32) outs(%[[S]] : tensor<1x3x4x1xf32>)
// CHECK:         tensor.parallel_insert_slice %[[F]] into %[[OUT]][0, 0, %[[ROW]], 0] [1, 3, 4, 1]
// CHECK:       %[[RI:.*]] = scf.forall (%[[K:.*]]) = (0) to (8) step (4) shared_outs(%[[OUT2:.*]] = %[[L]])
// CHECK:         %[[ROW2:.*]] = arith.addi %[[K]], %c1
// CHECK:         linalg.fill {convc.block_border} {{.*}} -> tensor<1x3x4x1xf32>
// CHECK:         tensor.parallel_insert_slice %{{.*}} into %[[OUT2]][0, 0, %[[ROW2]], 9] [1, 3, 4, 1]
// CHECK:       linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x3x1x10xf32>)
// CHECK:       %[[T1:.*]] = tensor.insert_slice %{{.*}} into %[[RI]][0, 0, 0, 0] [1, 3, 1, 10]
// CHECK:       linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x3x1x10xf32>)
// CHECK:       %[[T2:.*]] = tensor.insert_slice %{{.*}} into %[[T1]][0, 0, 9, 0] [1, 3, 1, 10]
// CHECK-NOT:   tensor.pad
// CHECK:       return %[[T2]]
func.func @blocks(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<1x3x8x8xf32>
  %r = scf.forall (%i) = (0) to (8) step (4) shared_outs(%out = %init) -> (tensor<1x3x8x8xf32>) {
    %in = tensor.extract_slice %x[0, 0, %i, 0] [1, 3, 4, 8] [1, 1, 1, 1] : tensor<1x3x8x8xf32> to tensor<1x3x4x8xf32>
    %sq = arith.mulf %in, %in : tensor<1x3x4x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %sq into %out[0, 0, %i, 0] [1, 3, 4, 8] [1, 1, 1, 1] : tensor<1x3x4x8xf32> into tensor<1x3x8x8xf32>
    }
  }
  %padded = tensor.pad %r low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
  return %padded : tensor<1x3x10x10xf32>
}
