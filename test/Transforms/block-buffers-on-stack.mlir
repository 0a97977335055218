// RUN: convc-opt %s -allow-unregistered-dialect -pass-pipeline='builtin.module(func.func(convc-block-buffers-on-stack{max-kib=16}))' | FileCheck %s

// A cache block's own small buffers (allocated directly in the body of the
// block loop, static) are taken from the stack; a buffer allocated in a
// loop inside the block (each iteration would take more stack), one over
// the size limit, one in another memory space and one outside the block
// loop stay on the heap.
// CHECK-LABEL: func.func @blocks
// CHECK: memref.alloc() : memref<8xf32>
// CHECK: scf.forall
// CHECK:   %[[PHASE:.*]] = memref.alloca() {alignment = 64 : i64} : memref<1x1x17x57xf32>
// CHECK:   memref.alloc() : memref<64x65xf32>
// CHECK:   memref.alloc() : memref<4xf32, 3>
// CHECK:   scf.for
// CHECK:     memref.alloc() : memref<4xf32>
// CHECK:   "test.use"(%[[PHASE]])
func.func @blocks(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %outside = memref.alloc() : memref<8xf32>
  scf.forall (%i) in (4) {
    %phase = memref.alloc() {alignment = 64 : i64} : memref<1x1x17x57xf32>
    %large = memref.alloc() : memref<64x65xf32>
    %shared = memref.alloc() : memref<4xf32, 3>
    scf.for %j = %c0 to %n step %c1 {
      %inner = memref.alloc() : memref<4xf32>
      "test.use"(%inner) : (memref<4xf32>) -> ()
    }
    "test.use"(%phase) : (memref<1x1x17x57xf32>) -> ()
    "test.use"(%large, %shared) : (memref<64x65xf32>, memref<4xf32, 3>) -> ()
  }
  "test.use"(%outside) : (memref<8xf32>) -> ()
  return
}
