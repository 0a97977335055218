// RUN: convc-opt %s --convc-gpu-launch-to-loops --canonicalize --split-input-file --verify-diagnostics | FileCheck %s

// A kernel that reverses each block's 32 elements through a workgroup
// buffer, then doubles them twice with a barrier in a loop: the blocks
// become a loop, the workgroup buffer one buffer the blocks use in turn,
// and each stretch between barriers a loop over the threads. The index arithmetic
// from before a barrier is recomputed after it.

// CHECK-LABEL: func.func @reverse
// CHECK: %[[TILE:.*]] = memref.alloca() : memref<32xf32>
// CHECK: scf.for %[[B:.*]] = %c0 to %c2 step %c1 {
// CHECK:   scf.for %[[T:.*]] = %c0 to %c32 step %c1 {
// CHECK:     %[[BASE:.*]] = arith.muli %[[B]], %c32
// CHECK:     %[[I:.*]] = arith.addi %[[BASE]], %[[T]]
// CHECK:     %[[X:.*]] = memref.load %arg0[%[[I]]]
// CHECK:     memref.store %[[X]], %[[TILE]][%[[T]]]
// CHECK:   }
// CHECK:   scf.for %[[T2:.*]] = %c0 to %c32 step %c1 {
// CHECK:     %[[R:.*]] = arith.subi %c31, %[[T2]]
// CHECK:     %[[Y:.*]] = memref.load %[[TILE]][%[[R]]]
// CHECK:     %[[BASE2:.*]] = arith.muli %[[B]], %c32
// CHECK:     %[[I2:.*]] = arith.addi %[[BASE2]], %[[T2]]
// CHECK:     memref.store %[[Y]], %arg1[%[[I2]]]
// CHECK:   }
// CHECK:   scf.for %{{.*}} = %c1 to %c3 step %c1 {
// CHECK:     scf.for %[[T3:.*]] = %c0 to %c32 step %c1 {
// CHECK:       memref.load %arg1
// CHECK:       arith.addf
// CHECK:       memref.store
// CHECK-NOT: gpu.
func.func @reverse(%in: memref<64xf32>, %out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c32 = arith.constant 32 : index
  %c31 = arith.constant 31 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<32xf32, #gpu.address_space<workgroup>>) {
    %base = arith.muli %bx, %c32 : index
    %i = arith.addi %base, %tx : index
    %x = memref.load %in[%i] : memref<64xf32>
    memref.store %x, %tile[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %r = arith.subi %c31, %tx : index
    %y = memref.load %tile[%r] : memref<32xf32, #gpu.address_space<workgroup>>
    memref.store %y, %out[%i] : memref<64xf32>
    scf.for %k = %c1 to %c3 step %c1 {
      gpu.barrier
      %z = memref.load %out[%i] : memref<64xf32>
      %s = arith.addf %z, %z : f32
      memref.store %s, %out[%i] : memref<64xf32>
    }
    gpu.terminator
  }
  return
}

// -----

func.func @crossing(%out: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @below {{convc: cannot emulate a kernel whose value crosses a barrier}}
    %x = memref.load %out[%tx] : memref<32xf32>
    gpu.barrier
    memref.store %x, %out[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @barrier_in_branch(%out: memref<32xf32>, %flag: i1) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @below {{convc: cannot emulate a barrier inside this op}}
    scf.if %flag {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

func.func @loop_bounds_per_thread(%out: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  // expected-error @below {{convc: cannot emulate a barrier in a loop whose bounds differ between threads}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    scf.for %i = %c0 to %tx step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}
