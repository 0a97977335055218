//===- PaddedReads.h - a pad folded into its vector reads -------*- C++ -*-===//
//
// A micro-kernel that reads slices of a tensor padded by a constant (the
// taps of a strided depthwise convolution or pooling window) need not read
// a padded copy: its vector reads can take the source's rows themselves,
// with the padding folded in. A schedule marks such a pad; after
// vectorization, the register tiles at the start of a row are peeled from
// their loops (so that their columns are static), and a pattern
// rewrites the reads: per row, the source's whole registers from a column
// that the taps of a window share, and one two-source shuffle per tap that
// picks its columns (every s-th). Rows in the padding are masked off,
// columns past a row's end too, and the columns before its start (static)
// are shifted in.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_TRANSFORMS_PADDEDREADS_H
#define CONVC_TRANSFORMS_PADDEDREADS_H

#include "mlir/IR/PatternMatch.h"

namespace convc {

/// Marks `pad` (a tensor.pad by a constant) as one whose vector reads
/// take the source's elements, the padding folded in.
void markPaddingInReads(mlir::Operation *pad);

/// Peels the first iteration from each scf.for under `scope` whose reads
/// of a marked pad move along its innermost dim: that iteration reads the
/// low padding at static columns.
void peelBorderTiles(mlir::RewriterBase &rewriter, mlir::Operation *scope);

/// The rewrite of the reads of a marked pad, for registers of
/// `vectorBits`; it comes before ReadStridedRowsWhole (which would read the
/// padded tensor, copied).
void populatePaddedReadPatterns(mlir::RewritePatternSet &patterns,
                                int64_t vectorBits);

} // namespace convc

#endif // CONVC_TRANSFORMS_PADDEDREADS_H
