// 2×2 max pooling with stride 2 and its backward pass (descent_pooling.h).
#include "rows.h"

// Every expression is evaluated as written: no a·b + c contracted into a fused multiply-add (see kernel.h).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

typedef int descent_i8 __attribute__((vector_size(32), aligned(4)));
typedef int descent_i4 __attribute__((vector_size(16), aligned(4)));

// One block of 2×2 / stride 2 max pooling: LANES outputs starting at column ow of output row oh, from input rows
// r0 and r1 (VF/VI: float and int vectors of LANES, VF2: float vector of 2·LANES). Writes the maxima to d and, when
// ix is not NULL, their flat positions base + 2·ow + {0, 1, W, W + 1} to ix.
#define DESCENT_EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define DESCENT_ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define DESCENT_STEP8 ((descent_i8){0, 2, 4, 6, 8, 10, 12, 14})
#define DESCENT_EVEN4 0, 2, 4, 6
#define DESCENT_ODD4 1, 3, 5, 7
#define DESCENT_STEP4 ((descent_i4){0, 2, 4, 6})
#define DESCENT_MAX_POOL_BLOCK(VF, VI, VF2, LANES, EVEN, ODD, STEP)                                          \
    {                                                                                                        \
        VF2 top = *(const VF2 *)(r0 + 2 * ow), bottom = *(const VF2 *)(r1 + 2 * ow);                         \
        VF best = __builtin_shufflevector(top, top, EVEN);                                                   \
        VF b = __builtin_shufflevector(top, top, ODD);                                                       \
        VF c = __builtin_shufflevector(bottom, bottom, EVEN);                                                \
        VF e = __builtin_shufflevector(bottom, bottom, ODD);                                                 \
        VI mb = (b > best) | (b != b);                                                                       \
        best = (VF)(((VI)b & mb) | ((VI)best & ~mb));                                                        \
        VI mc = (c > best) | (c != c);                                                                       \
        best = (VF)(((VI)c & mc) | ((VI)best & ~mc));                                                        \
        VI me = (e > best) | (e != e);                                                                       \
        best = (VF)(((VI)e & me) | ((VI)best & ~me));                                                        \
        *(VF *)(d + ow) = best;                                                                              \
        if (ix) {                                                                                            \
            VI k = (VI){0} - mb;                                                                             \
            k = (((VI){0} + w) & mc) | (k & ~mc);                                                            \
            k = (((VI){0} + (w + 1)) & me) | (k & ~me);                                                      \
            *(VI *)(ix + ow) = (VI)STEP + (int)(base + 2 * ow) + k;                                          \
        }                                                                                                    \
    }

// The backward pass of 2×2 / stride 2 max pooling over one output row in blocks of LANES windows (VF/VI: float and
// int vectors of LANES, VF2: float vector of 2·LANES, STEP: 0, 2, 4, … as ints, INTERLEAVE: the shuffle that
// alternates the lanes of two vectors): each window's gradient (masked by `not y ≤ 0` when yr) written at its
// maximum among the two rows r0, r1, +0 at the window's other three places. Sets ow to oW.
#define DESCENT_INTERLEAVE8 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15
#define DESCENT_INTERLEAVE4 0, 4, 1, 5, 2, 6, 3, 7
#define DESCENT_MAX_POOL_BACKWARD_BLOCKS(VF, VI, VF2, LANES, STEP, INTERLEAVE)                              \
    {                                                                                                        \
        for (long next = 0; next < oW; next += LANES) {                                                      \
            const long at = next + LANES <= oW ? next : oW - LANES;                                          \
            VI v = (VI)(*(const VF *)(gr + at) + 0.0f);                                                      \
            if (yr) v &= ~(*(const VF *)(yr + at) <= 0);                                                     \
            const VI k = *(const VI *)(ir + at) - (int)(base + 2 * at) - STEP;                               \
            const VF tl = (VF)(v & (k == 0)), tr = (VF)(v & (k == 1));                                       \
            const VF bl = (VF)(v & (k == (int)W)), br = (VF)(v & (k == (int)W + 1));                         \
            *(VF2 *)(r0 + 2 * at) = __builtin_shufflevector(tl, tr, INTERLEAVE);                             \
            *(VF2 *)(r1 + 2 * at) = __builtin_shufflevector(bl, br, INTERLEAVE);                             \
        }                                                                                                    \
        ow = oW;                                                                                             \
    }

/// 2×2 max pooling with stride 2 of one plane (row stride W, at least 2·oW columns and 2·oH rows):
/// dst[oh][ow] = the maximum of the window at (2·oh, 2·ow) and, when idx is not NULL, idx[oh][ow] = its flat position
/// in the plane. The window is scanned in row-major order and a later value wins when it is larger or NaN (PyTorch's
/// rule). Rows are done in blocks of 8 (or 4) outputs; a last partial block is redone as the block ending at oW.
DESCENT_KERNEL(void, descent_max_pool_2x2, (const float *restrict src, long W, float *restrict dst, int *restrict idx,
                                            long oH, long oW),
               (src, W, dst, idx, oH, oW), {
    for (long oh = 0; oh < oH; oh++) {
        const float *r0 = src + 2 * oh * W, *r1 = r0 + W;
        float *d = dst + oh * oW;
        int *ix = idx ? idx + oh * oW : NULL;
        const int base = (int)(2 * oh * W), w = (int)W;
        if (oW >= 8) {
            for (long next = 0; next < oW; next += 8) {
                const long ow = next + 8 <= oW ? next : oW - 8;
                DESCENT_MAX_POOL_BLOCK(descent_f8, descent_i8, descent_f16, 8, DESCENT_EVEN8, DESCENT_ODD8,
                                       DESCENT_STEP8)
            }
        } else if (oW >= 4) {
            for (long next = 0; next < oW; next += 4) {
                const long ow = next + 4 <= oW ? next : oW - 4;
                DESCENT_MAX_POOL_BLOCK(descent_f4, descent_i4, descent_f8, 4, DESCENT_EVEN4, DESCENT_ODD4,
                                       DESCENT_STEP4)
            }
        } else {
            for (long ow = 0; ow < oW; ow++) {
                const float *p = r0 + 2 * ow, *q = r1 + 2 * ow;
                float best = p[0];
                int k = 0;
                if (p[1] > best || p[1] != p[1]) { best = p[1]; k = 1; }
                if (q[0] > best || q[0] != q[0]) { best = q[0]; k = w; }
                if (q[1] > best || q[1] != q[1]) { best = q[1]; k = w + 1; }
                d[ow] = best;
                if (ix) ix[ow] = base + (int)(2 * ow) + k;
            }
        }
    }
})

/// The input gradient of 2×2 max pooling with stride 2 of one plane (H rows of W floats), in one sequential pass:
/// dst[h][w] = 0 + g[oh][ow] at the window's maximum idx[oh][ow] (a flat position in the plane, as
/// descent_max_pool_2x2 records it) and +0 everywhere else, also in a last row or column that no window covers;
/// the same values as zeroing the plane and adding each gradient at its maximum. With `y` (the pooled output of a
/// fused ReLU), a window's gradient passes only where not y ≤ 0.
DESCENT_KERNEL(void, descent_max_pool_2x2_backward,
               (const float *restrict g, const float *restrict y, const int *restrict idx, float *restrict dst, long H,
                long W, long oH, long oW),
               (g, y, idx, dst, H, W, oH, oW), {
    for (long oh = 0; oh < oH; oh++) {
        float *r0 = dst + 2 * oh * W, *r1 = r0 + W;
        const float *gr = g + oh * oW, *yr = y ? y + oh * oW : NULL;
        const int *ir = idx + oh * oW;
        const long base = 2 * oh * W;
        long ow = 0;
        // Blocks of 8 windows (16 columns of both rows), or of 4 for planes of 8 to 15 columns; a last partial block
        // is redone as the block ending at oW. Selections are bit masks (all ones or +0.0) on the gradient's bits.
        if (oW >= 8) {
            DESCENT_MAX_POOL_BACKWARD_BLOCKS(descent_f8, descent_i8, descent_f16, 8, DESCENT_STEP8, DESCENT_INTERLEAVE8)
        } else if (oW >= 4) {
            DESCENT_MAX_POOL_BACKWARD_BLOCKS(descent_f4, descent_i4, descent_f8, 4, DESCENT_STEP4, DESCENT_INTERLEAVE4)
        }
        for (; ow < oW; ow++) {
            float v = yr && yr[ow] <= 0 ? 0 : gr[ow] + 0.0f;
            const long k = ir[ow] - base - 2 * ow;  // 0, 1, W or W + 1
            r0[2 * ow] = k == 0 ? v : 0;
            r0[2 * ow + 1] = k == 1 ? v : 0;
            r1[2 * ow] = k == W ? v : 0;
            r1[2 * ow + 1] = k == W + 1 ? v : 0;
        }
        for (long w = 2 * oW; w < W; w++) {
            r0[w] = 0;
            r1[w] = 0;
        }
    }
    for (long h = 2 * oH; h < H; h++) descent_zero(dst + h * W, W);
})
