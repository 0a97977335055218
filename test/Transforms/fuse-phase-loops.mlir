// RUN: convc-opt %s -allow-unregistered-dialect -split-input-file -convc-fuse-phase-loops | FileCheck %s

// Two phases of stride 2 along the width, each a loop over blocks of 4
// rows: one loop whose block is every remainder of its rows, each phase
// computing its remainder in place.
// CHECK-LABEL: func.func @two_phases
// CHECK-SAME: (%[[OUT:.*]]: tensor<1x8x8x16xf32>)
// CHECK:      %[[E:.*]] = tensor.expand_shape %[[OUT]] {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 8, 8, 8, 2]
// CHECK:      %[[R:.*]] = scf.forall (%[[I:.*]]) = (0) to (8) step (4) shared_outs(%[[O:.*]] = %[[E]]) -> (tensor<1x8x8x8x2xf32>) {
// CHECK:        %[[B:.*]] = tensor.extract_slice %[[O]][0, 0, %[[I]], 0, 0] [1, 8, 4, 8, 2] [1, 1, 1, 1, 1]
// CHECK:        %[[P0:.*]] = tensor.extract_slice %[[B]][0, 0, 0, 0, 0] [1, 8, 4, 8, 1] [1, 1, 1, 1, 1]
// CHECK:        %[[IN0:.*]] = tensor.collapse_shape %[[P0]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x8x4x8x1xf32> into tensor<1x8x4x8xf32>
// CHECK:        %[[T0:.*]] = "phase.zero"(%[[IN0]], %[[I]])
// CHECK:        %[[OUT0:.*]] = tensor.expand_shape %[[T0]] {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 8, 4, 8, 1]
// CHECK:        %[[B1:.*]] = tensor.insert_slice %[[OUT0]] into %[[B]][0, 0, 0, 0, 0] [1, 8, 4, 8, 1] [1, 1, 1, 1, 1]
// CHECK:        %[[P1:.*]] = tensor.extract_slice %[[B1]][0, 0, 0, 0, 1] [1, 8, 4, 8, 1] [1, 1, 1, 1, 1]
// CHECK:        %[[IN1:.*]] = tensor.collapse_shape %[[P1]]
// CHECK:        %[[T1:.*]] = "phase.one"(%[[IN1]], %[[I]])
// CHECK:        %[[OUT1:.*]] = tensor.expand_shape %[[T1]]
// CHECK:        %[[B2:.*]] = tensor.insert_slice %[[OUT1]] into %[[B1]][0, 0, 0, 0, 1] [1, 8, 4, 8, 1] [1, 1, 1, 1, 1]
// CHECK:        scf.forall.in_parallel {
// CHECK-NEXT:     tensor.parallel_insert_slice %[[B2]] into %[[O]][0, 0, %[[I]], 0, 0] [1, 8, 4, 8, 2] [1, 1, 1, 1, 1]
// CHECK-NEXT:   }
// CHECK:      %[[C:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x8x8x8x2xf32> into tensor<1x8x8x16xf32>
// CHECK:      return %[[C]]
func.func @two_phases(%out: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %e0 = tensor.empty() : tensor<1x8x8x8xf32>
  %0 = scf.forall (%i) = (0) to (8) step (4) shared_outs(%o = %e0) -> (tensor<1x8x8x8xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 8, 4, 8] [1, 1, 1, 1] : tensor<1x8x8x8xf32> to tensor<1x8x4x8xf32>
    %t = "phase.zero"(%b, %i) : (tensor<1x8x4x8xf32>, index) -> tensor<1x8x4x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 8, 4, 8] [1, 1, 1, 1] : tensor<1x8x4x8xf32> into tensor<1x8x8x8xf32>
    }
  }
  %1 = tensor.insert_slice %0 into %out[0, 0, 0, 0] [1, 8, 8, 8] [1, 1, 1, 2] : tensor<1x8x8x8xf32> into tensor<1x8x8x16xf32>
  %e1 = tensor.empty() : tensor<1x8x8x8xf32>
  %2 = scf.forall (%j) = (0) to (8) step (4) shared_outs(%o = %e1) -> (tensor<1x8x8x8xf32>) {
    %b = tensor.extract_slice %o[0, 0, %j, 0] [1, 8, 4, 8] [1, 1, 1, 1] : tensor<1x8x8x8xf32> to tensor<1x8x4x8xf32>
    %t = "phase.one"(%b, %j) : (tensor<1x8x4x8xf32>, index) -> tensor<1x8x4x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %j, 0] [1, 8, 4, 8] [1, 1, 1, 1] : tensor<1x8x4x8xf32> into tensor<1x8x8x8xf32>
    }
  }
  %3 = tensor.insert_slice %2 into %1[0, 0, 0, 1] [1, 8, 8, 8] [1, 1, 1, 2] : tensor<1x8x8x8xf32> into tensor<1x8x8x16xf32>
  return %3 : tensor<1x8x8x16xf32>
}

// -----

// Phases along both dims of stride 2 whose offsets are a stride or more
// (a quotient of 1), and a third dim without stride whose offset they
// share: the block starts there.
// CHECK:      #[[ROW_MAP:.*]] = affine_map<(d0) -> (d0 + 1)>
// CHECK-LABEL: func.func @offset_phases
// CHECK:      %[[E:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 8, 5, 2, 5, 2]
// CHECK:      scf.forall (%[[I:.*]]) = (0) to (4) step (2) shared_outs(%[[O:.*]] = %[[E]])
// CHECK:        %[[ROW:.*]] = affine.apply #[[ROW_MAP]](%[[I]])
// CHECK:        %[[B:.*]] = tensor.extract_slice %[[O]][0, 2, %[[ROW]], 0, 1, 0] [1, 4, 2, 2, 4, 2] [1, 1, 1, 1, 1, 1]
// CHECK:        tensor.extract_slice %[[B]][0, 0, 0, 1, 0, 0] [1, 4, 2, 1, 4, 1]
// CHECK:        "phase.a"
// CHECK:        tensor.extract_slice %{{.*}}[0, 0, 0, 0, 0, 1] [1, 4, 2, 1, 4, 1]
// CHECK:        "phase.b"
// CHECK:        tensor.parallel_insert_slice %{{.*}} into %[[O]][0, 2, %[[ROW]], 0, 1, 0] [1, 4, 2, 2, 4, 2]
func.func @offset_phases(%out: tensor<1x8x10x10xf32>) -> tensor<1x8x10x10xf32> {
  %e0 = tensor.empty() : tensor<1x4x4x4xf32>
  %0 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e0) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x2x4xf32>
    %t = "phase.a"(%b) : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x2x4xf32> into tensor<1x4x4x4xf32>
    }
  }
  %1 = tensor.insert_slice %0 into %out[0, 2, 3, 2] [1, 4, 4, 4] [1, 1, 2, 2] : tensor<1x4x4x4xf32> into tensor<1x8x10x10xf32>
  %e1 = tensor.empty() : tensor<1x4x4x4xf32>
  %2 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e1) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x2x4xf32>
    %t = "phase.b"(%b) : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x2x4xf32> into tensor<1x4x4x4xf32>
    }
  }
  %3 = tensor.insert_slice %2 into %1[0, 2, 2, 3] [1, 4, 4, 4] [1, 1, 2, 2] : tensor<1x4x4x4xf32> into tensor<1x8x10x10xf32>
  return %3 : tensor<1x8x10x10xf32>
}

// -----

// Not fused: the second phase's slice is the first's (the same remainder,
// so not disjoint), an output dim that the stride does not divide, and
// loops of different blocks.
// CHECK-LABEL: func.func @same_remainder
// CHECK-NOT:  tensor.expand_shape
// CHECK-COUNT-2: scf.forall
func.func @same_remainder(%out: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %e0 = tensor.empty() : tensor<1x4x4x4xf32>
  %0 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e0) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x2x4xf32>
    %t = "phase.a"(%b) : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x2x4xf32> into tensor<1x4x4x4xf32>
    }
  }
  %1 = tensor.insert_slice %0 into %out[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 2] : tensor<1x4x4x4xf32> into tensor<1x4x4x8xf32>
  %e1 = tensor.empty() : tensor<1x4x4x4xf32>
  %2 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e1) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x2x4xf32>
    %t = "phase.b"(%b) : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x2x4xf32> into tensor<1x4x4x4xf32>
    }
  }
  %3 = tensor.insert_slice %2 into %1[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 2] : tensor<1x4x4x4xf32> into tensor<1x4x4x8xf32>
  return %3 : tensor<1x4x4x8xf32>
}

// CHECK-LABEL: func.func @stride_does_not_divide
// CHECK-NOT:  tensor.expand_shape
// CHECK-COUNT-2: scf.forall
func.func @stride_does_not_divide(%out: tensor<1x4x4x9xf32>) -> tensor<1x4x4x9xf32> {
  %e0 = tensor.empty() : tensor<1x4x4x4xf32>
  %0 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e0) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x2x4xf32>
    %t = "phase.a"(%b) : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x2x4xf32> into tensor<1x4x4x4xf32>
    }
  }
  %1 = tensor.insert_slice %0 into %out[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 2] : tensor<1x4x4x4xf32> into tensor<1x4x4x9xf32>
  %e1 = tensor.empty() : tensor<1x4x4x4xf32>
  %2 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e1) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x2x4xf32>
    %t = "phase.b"(%b) : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x2x4xf32> into tensor<1x4x4x4xf32>
    }
  }
  %3 = tensor.insert_slice %2 into %1[0, 0, 0, 1] [1, 4, 4, 4] [1, 1, 1, 2] : tensor<1x4x4x4xf32> into tensor<1x4x4x9xf32>
  return %3 : tensor<1x4x4x9xf32>
}

// CHECK-LABEL: func.func @different_blocks
// CHECK-NOT:  tensor.expand_shape
// CHECK-COUNT-2: scf.forall
func.func @different_blocks(%out: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %e0 = tensor.empty() : tensor<1x4x4x4xf32>
  %0 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e0) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x2x4xf32>
    %t = "phase.a"(%b) : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, %i, 0] [1, 4, 2, 4] [1, 1, 1, 1] : tensor<1x4x2x4xf32> into tensor<1x4x4x4xf32>
    }
  }
  %1 = tensor.insert_slice %0 into %out[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 2] : tensor<1x4x4x4xf32> into tensor<1x4x4x8xf32>
  %e1 = tensor.empty() : tensor<1x4x4x4xf32>
  %2 = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e1) -> (tensor<1x4x4x4xf32>) {
    %b = tensor.extract_slice %o[0, 0, 0, %i] [1, 4, 4, 2] [1, 1, 1, 1] : tensor<1x4x4x4xf32> to tensor<1x4x4x2xf32>
    %t = "phase.b"(%b) : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[0, 0, 0, %i] [1, 4, 4, 2] [1, 1, 1, 1] : tensor<1x4x4x2xf32> into tensor<1x4x4x4xf32>
    }
  }
  %3 = tensor.insert_slice %2 into %1[0, 0, 0, 1] [1, 4, 4, 4] [1, 1, 1, 2] : tensor<1x4x4x4xf32> into tensor<1x4x4x8xf32>
  return %3 : tensor<1x4x4x8xf32>
}
