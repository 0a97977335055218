//===- RowReads.h - vector reads of strided and padded rows -----*- C++ -*-===//
//
// The micro-kernels of strided and padded windows read slices whose rows
// are not plain vectors of the tensor: a strided convolution's taps take
// every s-th element of a row, and a padded tensor's rows reach into its
// padding. These patterns rewrite such reads into whole rows of the
// underlying tensor and shuffles.
//
// A tensor padded by a constant (the input of a strided depthwise
// convolution or pooling window, or of a depthwise-separable pair) need
// not be copied padded: a schedule marks the pad; after vectorization, the
// register tiles at the start of a row are peeled from their loops (so
// that their columns are static), and the reads take the source's rows:
// per row, the source's whole registers from a column that the taps of a
// window share, and one two-source shuffle per tap that picks its columns
// (every s-th). Rows in the padding are masked off, columns past a row's
// end too, and the columns before its start (static) are shifted in.
//
//===----------------------------------------------------------------------===//

#ifndef CONVC_TRANSFORMS_ROWREADS_H
#define CONVC_TRANSFORMS_ROWREADS_H

#include "mlir/IR/PatternMatch.h"

namespace convc {

/// Marks `pad` (a tensor.pad by a constant) as one whose vector reads
/// take the source's elements, the padding folded in.
void markPaddingInReads(mlir::Operation *pad);

/// Peels the first iteration from each scf.for under `scope` whose reads
/// of a marked pad move along its innermost dim: that iteration reads the
/// low padding at static columns.
void peelBorderTiles(mlir::RewriterBase &rewriter, mlir::Operation *scope);

/// The rewrites of reads of strided rows (ReadStridedRowsWhole) and of a
/// marked pad (ReadPaddedRows, which comes first), for registers of
/// `vectorBits`.
void populateRowReadPatterns(mlir::RewritePatternSet &patterns,
                             int64_t vectorBits);

} // namespace convc

#endif // CONVC_TRANSFORMS_ROWREADS_H
