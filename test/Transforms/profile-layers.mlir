// RUN: convc-opt %s -convc-profile-layers | FileCheck %s

// Each run of computing ops is bracketed by the runtime's timers, labelled
// with the layers its ops come from (a fused loop nest holds several);
// allocations, views and constants are not timed. Private functions are
// left alone.

// CHECK: module attributes {convc.layers = ["conv1+conv1:relu", "pool", "fc"]}
// CHECK-DAG: func.func private @convc_profile_enter(i32)
// CHECK-DAG: func.func private @convc_profile_exit(i32)
// CHECK-LABEL: func.func @model
// CHECK:      memref.alloc
// CHECK:      %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT: call @convc_profile_enter(%[[C0]])
// CHECK-NEXT: scf.for
// CHECK:      call @convc_profile_exit(%[[C0]])
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: call @convc_profile_enter(%[[C1]])
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.copy
// CHECK-NEXT: call @convc_profile_exit(%[[C1]])
// CHECK:      memref.subview
// CHECK:      %[[C2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: call @convc_profile_enter(%[[C2]])
// CHECK-NEXT: memref.copy
// CHECK-NEXT: call @convc_profile_exit(%[[C2]])
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func @model(%x: memref<8xf32>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32> loc("conv1"("m.cnn":2:3))
    %r = arith.maximumf %v, %zero : f32 loc("conv1:relu"("m.cnn":2:10))
    memref.store %r, %t[%i] : memref<8xf32>
  } loc("conv1"("m.cnn":2:3))
  linalg.fill ins(%zero : f32) outs(%x : memref<8xf32>) loc("pool"("m.cnn":3:3))
  memref.copy %t, %x : memref<8xf32> to memref<8xf32> loc("pool"("m.cnn":3:3))
  %head = memref.subview %t[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>> loc("fc"("m.cnn":4:3))
  memref.copy %head, %y : memref<4xf32, strided<[1]>> to memref<4xf32> loc("fc"("m.cnn":4:3))
  memref.dealloc %t : memref<8xf32>
  return
}

// CHECK-LABEL: func.func private @helper
// CHECK-NOT: convc_profile
func.func private @helper(%x: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%x : memref<8xf32>) loc("other"("m.cnn":9:3))
  return
}
