// RUN: convc-opt %s --convc-gpu-map-foralls --canonicalize --split-input-file --verify-diagnostics | FileCheck %s

// A block forall of 2 x 2 iterations becomes a launch of 4 blocks; its
// block id is delinearized with linear_dim_0 (the column tiles) fastest.
// The thread forall (2 x 8 iterations) gives a block 16 threads: row
// tid / 8, column (tid mod 8) * 4; a barrier follows it.

// CHECK-DAG: #[[ROW:.*]] = affine_map<()[s0, s1] -> (s1 + s0 floordiv 8)>
// CHECK-DAG: #[[COL:.*]] = affine_map<()[s0, s1] -> (s0 * 4 + s1 - (s0 floordiv 8) * 32)>
// CHECK-LABEL: func.func @scale
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C4]], %{{.*}} = %c1, %{{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C16]], %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK:   %[[JT:.*]] = arith.remui %[[BX]], %[[C2]]
// CHECK:   %[[REST:.*]] = arith.divui %[[BX]], %[[C2]]
// CHECK:   %[[J:.*]] = arith.muli %[[JT]], %[[C32]]
// CHECK:   %[[IT:.*]] = arith.remui %[[REST]], %[[C2]]
// CHECK:   %[[I:.*]] = arith.muli %[[IT]], %[[C2]]
// CHECK:   %[[TID:.*]] = gpu.thread_id x
// CHECK:   %[[R:.*]] = affine.apply #[[ROW]]()[%[[TID]], %[[I]]]
// CHECK:   %[[C:.*]] = affine.apply #[[COL]]()[%[[TID]], %[[J]]]
// CHECK:   memref.load %arg0[%[[R]], %[[C]]]
// CHECK:   memref.store %{{.*}}, %arg1[%[[R]], %[[C]]]
// CHECK:   gpu.barrier
// CHECK:   gpu.terminator
func.func @scale(%in: memref<4x64xf32>, %out: memref<4x64xf32>) {
  %two = arith.constant 2.0 : f32
  scf.forall (%i, %j) = (0, 0) to (4, 64) step (2, 32) {
    scf.forall (%a, %b) = (0, 0) to (2, 32) step (1, 4) {
      %r = affine.apply affine_map<(d0, d1) -> (d0 + d1)>(%i, %a)
      %c = affine.apply affine_map<(d0, d1) -> (d0 + d1)>(%j, %b)
      %x = memref.load %in[%r, %c] : memref<4x64xf32>
      %y = arith.mulf %x, %two : f32
      memref.store %y, %out[%r, %c] : memref<4x64xf32>
    } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_1>, #gpu.block<linear_dim_0>]}
  return
}

// -----

// Two thread loops in one block: the block has as many threads as the
// larger one (32); the smaller one is guarded, and each is followed by a
// barrier. A copy left in the kernel becomes loops.

// CHECK-LABEL: func.func @two_stages
// CHECK: gpu.launch {{.*}} threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c32, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK:   %[[TID:.*]] = gpu.thread_id x
// CHECK:   scf.for
// CHECK:     memref.load
// CHECK:     memref.store
// CHECK:   gpu.barrier
// CHECK:   %[[TID2:.*]] = gpu.thread_id x
// CHECK:   %[[IN:.*]] = arith.cmpi ult, %[[TID2]], %c8
// CHECK:   scf.if %[[IN]]
// CHECK:   gpu.barrier
// CHECK-NOT: linalg.copy
func.func @two_stages(%in: memref<32x4xf32>, %out: memref<8xf32>) {
  scf.forall (%blk) in (1) {
    scf.forall (%t) in (32) {
      %row = memref.subview %in[%t, 0] [1, 4] [1, 1] : memref<32x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      %dst = memref.subview %in[%t, 0] [1, 4] [1, 1] : memref<32x4xf32> to memref<4xf32, strided<[1], offset: ?>>
      linalg.copy ins(%row : memref<4xf32, strided<[1], offset: ?>>) outs(%dst : memref<4xf32, strided<[1], offset: ?>>)
    } {mapping = [#gpu.thread<linear_dim_0>]}
    scf.forall (%t) in (8) {
      %c0 = arith.constant 0 : index
      %x = memref.load %in[%t, %c0] : memref<32x4xf32>
      memref.store %x, %out[%t] : memref<8xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

func.func @too_many_threads(%out: memref<2048xf32>) {
  %zero = arith.constant 0.0 : f32
  // expected-error @below {{convc: a thread block of 2048 threads (at most 1024)}}
  scf.forall (%blk) in (1) {
    scf.forall (%t) in (2048) {
      memref.store %zero, %out[%t] : memref<2048xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// A buffer the block allocates in workgroup memory becomes the kernel's
// shared memory, read through a generic view: the subviews of it lose the
// workgroup memory space, and its dealloc goes.

// CHECK-LABEL: func.func @band
// CHECK: gpu.launch {{.*}} workgroup(%[[WG:.*]] : memref<16xf32, #gpu.address_space<workgroup>>)
// CHECK:   %[[BAND:.*]] = memref.memory_space_cast %[[WG]] : memref<16xf32, #gpu.address_space<workgroup>> to memref<16xf32>
// CHECK:   memref.store %{{.*}}, %[[BAND]][%{{.*}}] : memref<16xf32>
// CHECK:   gpu.barrier
// CHECK:   memref.subview %[[BAND]]{{.*}} : memref<16xf32> to memref<2xf32, strided<[1], offset: ?>>
// CHECK-NOT: memref.dealloc
// CHECK-NOT: memref.alloc
func.func @band(%in: memref<64xf32>, %out: memref<64xf32>) {
  scf.forall (%blk) = (0) to (64) step (16) {
    %band = memref.alloc() : memref<16xf32, #gpu.address_space<workgroup>>
    scf.forall (%t) in (16) {
      %i = affine.apply affine_map<(d0, d1) -> (d0 + d1)>(%blk, %t)
      %x = memref.load %in[%i] : memref<64xf32>
      memref.store %x, %band[%t] : memref<16xf32, #gpu.address_space<workgroup>>
    } {mapping = [#gpu.thread<linear_dim_0>]}
    scf.forall (%t) in (8) {
      %i = affine.apply affine_map<(d0, d1) -> (d0 + d1)>(%blk, %t)
      %sub = memref.subview %band[%t] [2] [1] : memref<16xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
      %c1 = arith.constant 1 : index
      %y = memref.load %sub[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
      memref.store %y, %out[%i] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
    memref.dealloc %band : memref<16xf32, #gpu.address_space<workgroup>>
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

func.func @not_linear(%out: memref<64xf32>) {
  %zero = arith.constant 0.0 : f32
  // expected-error @below {{convc: a thread-block loop must use distinct linear block ids}}
  scf.forall (%blk) in (2) {
    scf.forall (%t) in (32) {
      memref.store %zero, %out[%t] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<x>]}
  return
}
