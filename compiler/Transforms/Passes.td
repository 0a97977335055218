//===- Passes.td - convc transformation passes -----------------------------===//

#ifndef CONVC_TRANSFORMS_PASSES
#define CONVC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def MemrefCopyToLinalgPass : Pass<"convc-memref-copy-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Input: bufferized IR. Output: every `memref.copy` is a `linalg.copy`
    with the same operands, so it becomes plain loops with the rest of the
    linalg ops instead of a call to the `memrefCopy` runtime function that
    the LLVM lowering would otherwise emit for strided copies (such as the
    copy of an input into the interior of its padded buffer).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def AllocReturnedShapePass : Pass<"convc-alloc-returned-shape", "::mlir::func::FuncOp"> {
  let summary = "Allocate a returned buffer in the shape the function returns";
  let description = [{
    Input: bufferized IR. A function result that is a reshaped view of an
    allocation (`memref.expand_shape` of a `memref.collapse_shape` of a
    `memref.alloc`, one reassociation) is allocated in the returned shape
    instead; the computation writes into a view of it. Then
    `buffer-results-to-out-params` makes the caller's buffer the
    allocation, where it would have copied the view into it.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def BlockBuffersOnStackPass
    : Pass<"convc-block-buffers-on-stack", "::mlir::func::FuncOp"> {
  let summary = "A cache block's small buffers on its thread's stack (CPU)";
  let description = [{
    Input: bufferized IR, before buffer deallocation. A `memref.alloc`
    directly in the body of an `scf.forall` (a cache block allocating a
    buffer of its own: the padded band of its input, a separable pair's
    depthwise band), static, with an identity layout, in the default memory
    space and at most `max-kib` KiB, becomes a `memref.alloca`: no malloc
    and free per block. `convert-scf-to-openmp` scopes each iteration's allocas.
  }];
  let options = [
    Option<"maxKib", "max-kib", "int64_t", /*default=*/"64",
           "Largest buffer (KiB) taken from the stack">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def MergeBorderFillsPass : Pass<"convc-merge-border-fills", "::mlir::func::FuncOp"> {
  let summary = "Cache blocks fill the border next to what they wrote (CPU)";
  let description = [{
    Input: bufferized IR. `convc-pad-in-place` fills the border of a padded
    tensor whose producer is a loop over cache blocks in a second loop over
    the same blocks, each filling the border next to its part of the
    interior (its `linalg.fill`s marked `convc.block_border`). Here that
    loop is merged into the producer's when nothing between them but
    deallocations (moved after it) and ops without memory effects: each
    block fills its border right after writing its interior, while the
    lines they share are in its core's cache, and a parallel region is
    saved. The marks are removed.
  }];
}

def CopyPerThreadPass : Pass<"convc-copy-per-thread", "::mlir::ModuleOp"> {
  let summary = "Each thread's own padded copy of a model input (CPU)";
  let description = [{
    Input: bufferized IR, after buffer deallocation. A buffer that is
    filled and copied from a function argument (the padded copy of a model
    input: fills of its border, a copy of its interior) and then read whole
    by every thread running the blocks of one `scf.forall` (no read index
    varies along the outermost dim of the blocks that has more than one, the
    dim along which OpenMP's static schedule splits them: blocks over output
    channels) is made by every thread for itself. The loop over blocks
    becomes an `scf.forall` over `omp_get_max_threads()` threads (at most
    one per block), each allocating and writing its own copy, then running
    in an `scf.for` the contiguous share of the blocks that the static
    schedule gives it (each block in a `memref.alloca_scope`). A copy shared
    by cores that are far apart costs more than the copy: each run's writes
    take the lines back from the other core's cache.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def VectorizeCopiesPass : Pass<"convc-vectorize-copies"> {
  let summary = "Copy and fill buffers as loops of vector writes (CPU)";
  let description = [{
    Input: bufferized IR (after `convc-memref-copy-to-linalg`). Output:
    every `linalg.copy` and `linalg.fill` of buffers with static shapes
    (such as the copy of a model input into the interior of its padded
    buffer, and the fills of its border) is a loop nest over its rows whose
    body writes a piece of a row (at most 64 elements, a divisor of the
    row) as one vector; those of 256 KiB or 4096 rows or more, outside
    loops, as an `scf.forall` (they run on every thread: a padded tensor's
    border columns are a row each).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def MaskPartialVectorsPass : Pass<"convc-mask-partial-vectors"> {
  let summary = "Transfer rows that end in part of a register as masked "
                "transfers of whole registers (AVX-512)";
  let description = [{
    Input: 1-D `vector.transfer_read` / `vector.transfer_write` ops on
    memrefs (after `convert-vector-to-scf{full-unroll=true}`). A row of n
    elements whose last, partial register would take LLVM several pieces
    (a 14-pixel row on 16 lanes: a load of 8, one of 4 and one of 2, then
    two inserts) becomes a transfer of whole registers whose last one is
    masked to the row (one `vmovups` with a mask register); the row
    is extracted from the wide vector or inserted into it. Only rows with
    unit stride in memory, in bounds and without a mask of their own; only
    when `lanes` (elements of the type per register, 32-bit) is set: on
    CPUs with mask registers.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", "0",
           "32-bit elements per vector register (0: leave transfers as they are)">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::ub::UBDialect"];
}

def ProfileLayersPass : Pass<"convc-profile-layers", "::mlir::ModuleOp"> {
  let summary = "Time each layer of the model function";
  let description = [{
    Input: the bufferized model function (straight-line code of loop
    nests). Each op that computes (loop nests, copies, stores) is labelled
    with the layers whose ops it holds (the `NameLoc`s the frontend gives
    each layer), in source order, joined by `+` for fused loop nests
    (`conv1+bn1+relu`; `convc-pad-in-place` names its border fills and
    copies `conv1:pad`);
    each run of consecutive ops with the same label is bracketed by calls
    to the runtime's `convc_profile_enter(id)` and `convc_profile_exit(id)`.
    The module's `convc.layers` attribute lists the labels by id, for the
    model descriptor. The calls cost a branch unless the executable runs
    with `--profile`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def PadInPlacePass : Pass<"convc-pad-in-place", "::mlir::func::FuncOp"> {
  let summary = "Let the producer of a padded tensor write into its interior";
  let description = [{
    Input: linalg on tensors, before bufferization. Each `tensor.pad` with
    static shapes and a constant padding value becomes a padded
    `tensor.empty` with the source inserted into its interior and its
    border slabs filled (`linalg.fill` on disjoint `extract_slice`s, so
    the interior is never written twice; after a computed interior, whose
    producer has just brought the lines they share into cache, before a
    copied one; where the producer is a loop over cache blocks, the slabs
    along the dims it does not tile in loops over the same blocks, each
    block filling the part next to its own, which
    `convc-merge-border-fills` moves into the producer's blocks). The
    padded tensor is created before the source's producer and the
    producer's destination, so that `eliminate-empty-tensors`, run
    next, can make the producer write its result straight into the
    interior: the padded copy of every intermediate (a full extra pass over
    memory) disappears. Where the source is read as it is too (a residual
    block's input), the readers after the pad read the padded tensor's
    interior, so that the source still has no other use. A pad of a
    function argument stays a copy; pads
    inside loops (a block padding its own part of an input) are rewritten
    the same way. A pad whose only use is a
    `bufferization.materialize_in_destination` is padded in that
    destination instead (versions of a copy that share one buffer).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FoldBatchNormPass : Pass<"cnn-fold-batchnorm"> {
  let summary = "Fold inference batch norm into the convolution before it";
  let description = [{
    Input: cnn ops. A `cnn.batch_norm` whose input is a `cnn.conv` used only
    there, with every parameter a constant (`cnn.weight` or `cnn.constant`),
    is folded at compile time: with `s = gamma / sqrt(var + eps)` per output
    channel, the convolution's weight becomes `w * s[f]` and its bias
    `(b - mean) * s + beta` (b = 0 without a bias). Output: the
    convolution, with the folded weight and bias under the convolution's
    weight keys; the batch norm is gone. Other batch norms stay.
  }];
}

def ImplicitGemmPass : Pass<"convc-implicit-gemm"> {
  let summary = "Rewrite 2-D convolutions and pooling windows as reductions "
                "over kernel taps";
  let description = [{
    Input: linalg on tensors. Every `linalg.conv_2d_nchw_fchw` and
    `linalg.depthwise_conv_2d_nchw_chw` with static shapes becomes one
    `linalg.generic` (marked `convc.conv = "dense"` or `"depthwise"`) whose
    operands are, for each kernel tap (kh, kw), the strided view of the
    padded input that the tap reads and the tap's slice of the kernel:
    `out += sum_t sum_c w_t[f, c] * x_t[n, c, oh, ow]` (dense, iteration
    space (n, c, f, oh, ow)) or `out += sum_t w_t[c] * x_t[n, c, oh, ow]`
    (depthwise, (n, c, oh, ow)). Every indexing map is a projected
    permutation, so the op tiles freely and vectorizes with the output
    width in the vector lanes; no im2col buffer is materialized.
    `linalg.pooling_nchw_max` and `linalg.pooling_nchw_sum` become the same
    form without weights (`convc.conv = "pool"`): the maximum or sum of the
    window taps' views, onto the accumulator.

    With `max-taps-per-op`, a dense kernel of more taps (7x7) becomes a
    chain of such generics, one per kernel row, each accumulating onto the
    one before: the CPU schedule then runs one reduction loop per row, whose
    body LLVM keeps in registers (one body of 49 taps it spills).
  }];
  let options = [
    Option<"maxTapsPerOp", "max-taps-per-op", "int64_t", "0",
           "Split dense kernels of more taps into one generic per kernel "
           "row (0: never)">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def TileAndVectorizePass : Pass<"convc-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile convolutions for caches and registers, fuse their epilogues, vectorize";
  let description = [{
    Input: linalg on tensors with the tap-sum convolutions of
    `convc-implicit-gemm`. Each one, with its bias and the chain of
    element-wise ops that consume only its result (activation, residual
    add), is tiled into an `scf.forall` over cache blocks and an `scf.for`
    over register tiles (sizes from convc's cost model of the CPU described
    by the options), the reduction over input channels is a loop of single
    steps, and every op of the innermost tile is vectorized. A 1x1
    convolution whose result is not padded for the next layer runs over its
    pixels flattened into one row (whole vectors per row of the tile). A
    depthwise convolution and the 1x1 convolution that consumes it are one
    loop nest whose blocks compute their band of depthwise output first;
    when the depthwise input is the padded result of a 1x1 expansion that
    does not fit in L2 (an inverted residual), each block computes the
    expansion's rows its band reads too, into a padded block buffer (a
    version per band that reaches into the padding), and the expansion is
    never a whole tensor.
    Output: vector ops on tensors inside the loops; the rest of the
    function is unchanged.

    With `gpu-arch`, the two loops are `scf.forall`s mapped to thread blocks
    and to the threads of a block (linear ids, innermost loop fastest), with
    tiles from the cost model of that GPU; each thread's register tile is
    vectorized the same way. A dense convolution's block copies the taps'
    input window and weights into shared memory (workgroup `alloc_tensor`s)
    a chunk of input channels at a time, its threads accumulating their
    tiles from them; a fused depthwise-separable pair computes its band in
    the block's shared memory. Linear layers are left as they are.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "256",
           "Width of the CPU's vector registers in bits">,
    Option<"vectorRegisters", "vector-registers", "int64_t", "16",
           "Number of vector registers">,
    Option<"l1KiB", "l1-kib", "int64_t", "32", "L1 data cache per core (KiB)">,
    Option<"l2KiB", "l2-kib", "int64_t", "512", "L2 cache per core (KiB)">,
    Option<"threads", "threads", "int64_t", "1",
           "Threads the cache blocks are shared among">,
    Option<"gpuArch", "gpu-arch", "std::string", "\"\"",
           "Schedule for this NVIDIA GPU (sm_80, sm_90, ...) instead: "
           "thread blocks and threads (#gpu.block, #gpu.thread foralls)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect"];
}

def SkipPaddingTapsPass : Pass<"convc-skip-padding-taps", "::mlir::func::FuncOp"> {
  let summary = "Specialize micro-kernels at the borders and drop the products of zero padding";
  let description = [{
    Input: the vector micro-kernels of `convc-tile-and-vectorize` (CPU).
    Each `scf.for` that carries vector accumulators and reads a zero-padded
    tensor (`tensor.pad` with a constant zero) at indices that vary with
    the loops around it is specialized for the positions at which some read
    touches the padding: an `scf.if` chain on the position (found by
    enumerating the enclosing loops' iterations), one copy of the loop per
    border position with the indices static, the loop as it was otherwise.
    Then a tap-sum term `acc + a * b` whose factor `a` is known zero in
    whole vectors (read from the padding at a static position, then
    shape-cast, broadcast or shuffled) and whose other factor is a finite constant
    (the weights) loses those vectors' products: a tap that reads a padding
    row entirely, the pixels of a channels-in-lanes tile that fall in a
    padding column one by one.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
}

def ReadThroughPaddingPass : Pass<"convc-read-through-padding", "::mlir::func::FuncOp"> {
  let summary = "Reads of a zero-padded tensor at known positions take its source";
  let description = [{
    Input: the micro-kernels after `convc-skip-padding-taps` (CPU). For a
    `tensor.pad` by a constant zero whose every use is an in-bounds
    minor-identity `vector.transfer_read`, each read's position along the
    padded dims is bounded: a static index directly, a dynamic one by
    enumerating the iterations of its loops that reach the read (the
    `scf.if` chain of the specialization, `index == constant`, excludes
    the border positions from the general loop). If every read is in the
    source, partly in the padding at a static position, or entirely in
    the padding, the reads take the source (the index less the low
    padding; the source's part of a partial read inserted into zeros;
    zeros for a read of padding only) and the pad, a copy of the tensor,
    goes. Otherwise nothing changes.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def FusePhaseLoopsPass : Pass<"convc-fuse-phase-loops", "::mlir::func::FuncOp"> {
  let summary = "Run the phases of a transposed convolution in one parallel loop (CPU)";
  let description = [{
    Input: the scheduled convolutions of `convc-tile-and-vectorize` (CPU).
    A chain of `tensor.insert_slice` ops that put the results of
    `scf.forall` loops (the phases of a transposed convolution) into
    strided slices of one tensor becomes one `scf.forall` over the tensor
    with each strided dim split in two (`tensor.expand_shape`: index /
    stride, index % stride). Each iteration takes its block of every
    remainder, computes each phase's part in place (the loops' bodies,
    cloned) and writes the block with one `tensor.parallel_insert_slice`.
    The loops must have the same iterations and compute the same block of
    a `tensor.empty` (the same constants and induction variables); the
    slices must have one static stride per dim that divides the tensor's
    size and differ only in their offsets modulo the strides. The threads
    then wait once instead of once per phase, and the phases' blocks,
    unequal in cost (border blocks skip padding taps), even out.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def PrefetchWeightsPass : Pass<"convc-prefetch-weights", "::mlir::ModuleOp"> {
  let summary = "Prefetch the next cache block's weights during this block (CPU)";
  let description = [{
    Input: bufferized micro-kernels (after `one-shot-bufferize`). Each
    `scf.for` that carries vector accumulators and reads a constant global
    of packed weights `[blocks, C, ...]` at `[b, iv, ...]` (b invariant in
    the loop: the cache block's filters) prefetches into L2, at each step
    of the second half of the block's passes (the `scf.for` loops between it
    and the block's `scf.forall`), its share of block `b + 1`: the block's
    size divided by those steps, so that the next block's weights arrive
    from DRAM while this block computes instead of stalling its first pass,
    late enough that they are not evicted by the current block's, which
    every pass reads again. Only when the
    module's constant globals are larger than `cache-kib` (the last-level
    cache): smaller weights stay in that cache from one run to the next.
  }];
  let options = [
    Option<"cacheKiB", "cache-kib", "int64_t", "32768",
           "Last-level cache of the CPU (KiB)">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GpuMapLoopsPass : Pass<"convc-gpu-map-loops", "::mlir::func::FuncOp"> {
  let summary = "Tile parallel loops and map them to GPU blocks and threads";
  let description = [{
    Input: `scf.parallel` loops (from `convert-linalg-to-parallel-loops`).
    Each outermost one is tiled (`threads-x` along its innermost dimension,
    `threads-y` along the one before, 1 elsewhere); the tile loop is mapped
    to blocks and the intra-tile loop to threads, innermost dimension to x,
    then y and z; further dimensions and nested parallel loops are
    sequential. Output: the loops with `mapping` attributes for
    `convert-parallel-loops-to-gpu`.
  }];
  let options = [
    Option<"threadsX", "threads-x", "int64_t", "32",
           "Threads of a block along the innermost dimension">,
    Option<"threadsY", "threads-y", "int64_t", "8",
           "Threads of a block along the dimension before it">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::affine::AffineDialect"];
}

def GpuMapForallsPass : Pass<"convc-gpu-map-foralls", "::mlir::func::FuncOp"> {
  let summary = "Turn the thread-block foralls of the GPU schedule into kernels";
  let description = [{
    Input: bufferized `scf.forall` loops mapped to `#gpu.block` linear ids
    (from `convc-tile-and-vectorize{gpu-arch=...}`), with nested foralls
    mapped to `#gpu.thread` linear ids. Each becomes a `gpu.launch` of one
    block per iteration and as many threads as its largest nested forall
    has iterations; the nested foralls are distributed over the threads
    (guarded, a barrier after each), buffers allocated in workgroup memory
    become the kernel's shared memory, and any linalg op left in the kernel
    becomes loops.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GpuLaunchToLoopsPass : Pass<"convc-gpu-launch-to-loops"> {
  let summary = "Run gpu.launch bodies as loops on the host";
  let description = [{
    Input: `gpu.launch` ops. Each becomes loops over the grid's blocks and,
    for each stretch of the body between barriers, loops over the block's
    threads (block and thread ids are the loop indices; barriers may sit in
    uniform `scf.for` loops; values that cross a barrier must be free of
    side effects and are recomputed); workgroup buffers become buffers of
    each block. The GPU schedule's index arithmetic, guards and barriers
    run, and are tested, on the CPU.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GpuMergeModulesPass : Pass<"convc-gpu-merge-modules", "::mlir::ModuleOp"> {
  let summary = "Move every outlined kernel into one gpu.module";
  let description = [{
    Input: the output of `gpu-kernel-outlining` (a gpu.module per kernel).
    Output: all kernels in the first gpu.module, launches updated, so that a
    model has one PTX module.
  }];
}

def CudaConstantsPass : Pass<"convc-cuda-constants", "::mlir::ModuleOp"> {
  let summary = "Give kernels device-readable copies of constant globals";
  let description = [{
    Input: the host side of a CUDA build in the LLVM dialect. Every
    `llvm.mlir.addressof` of a constant global (weights, constant tensors)
    becomes a call to the runtime's `convc_cuda_constant(ptr, bytes)`, which
    returns a cached copy in memory the GPU can read.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ReleaseUnusedBlobsPass
    : Pass<"convc-release-unused-blobs", "::mlir::ModuleOp"> {
  let summary = "Free the data of constant tensors no op refers to any more";
  let description = [{
    Input: any IR. A large constant tensor (a weight) is a resource blob
    (`dialect/ConstantData.h`), which outlives the ops that use it: when a
    pass replaces a weight with its batch-norm-folded, packed or blocked
    form, the old data stays in the context. This pass frees the data of
    every blob no op in the module refers to. Run after each pass that
    replaces weights, it keeps about one copy of them in memory, and the
    next pass's copy reuses the freed memory instead of faulting in new.
  }];
}

def FlattenConstantGlobalsPass
    : Pass<"convc-flatten-constant-globals", "::mlir::ModuleOp"> {
  let summary = "Constant tensors as flat byte arrays (fast to emit)";
  let description = [{
    Input: the LLVM dialect. Every constant `llvm.mlir.global` initialised
    by a dense, non-splat tensor (the model's weights and other constant
    tensors) becomes an `!llvm.array<N x i8>` of the same bytes, alignment
    and address. Users are unaffected: they take the global's address and
    index it with their own element types. Translated as is, a weight
    tensor is a nest of LLVM arrays, one uniqued constant per innermost
    row, that code generation emits one element at a time; as bytes it is
    one constant, written in one piece. The byte order is the host's, which
    is the target's (convc compiles for the machine it runs on).
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"64",
           "Smallest tensor (bytes) that is flattened">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // CONVC_TRANSFORMS_PASSES
