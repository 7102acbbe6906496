// 2×2 max pooling with stride 2 and its backward pass, one plane per call.
#ifndef DESCENT_POOLING_H
#define DESCENT_POOLING_H

#include "descent_dispatch.h"

/// 2×2 max pooling with stride 2 of one plane (row stride W, at least 2·oW columns and 2·oH rows):
/// dst[oh][ow] = the maximum of the window at (2·oh, 2·ow) and, when idx is not NULL, idx[oh][ow] = its flat position
/// in the plane. The window is scanned in row-major order and a later value wins when it is larger or NaN (PyTorch's
/// rule). Rows are done in blocks of 8 (or 4) outputs; a last partial block is redone as the block ending at oW.
DESCENT_DECLARE(void, descent_max_pool_2x2, (const float *restrict src, long W, float *restrict dst, int *restrict idx,
                                             long oH, long oW))

/// The input gradient of 2×2 max pooling with stride 2 of one plane (H rows of W floats), in one sequential pass:
/// dst[h][w] = 0 + g[oh][ow] at the window's maximum idx[oh][ow] (a flat position in the plane, as
/// descent_max_pool_2x2 records it) and +0 everywhere else, also in a last row or column that no window covers;
/// the same values as zeroing the plane and adding each gradient at its maximum. With `y` (the pooled output of a
/// fused ReLU), a window's gradient passes only where not y ≤ 0.
DESCENT_DECLARE(void, descent_max_pool_2x2_backward, (const float *restrict g, const float *restrict y,
                                                      const int *restrict idx, float *restrict dst, long H, long W,
                                                      long oH, long oW))

#endif
