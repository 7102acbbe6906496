// Batch norm, ReLU and 2×2 max pooling fused over one nChw16c block (descent_blocked.h).
#include "rows.h"

// Every expression is evaluated as written: no a·b + c contracted into a fused multiply-add (see kernel.h).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

typedef int descent_i16 __attribute__((vector_size(64), aligned(4)));
typedef float descent_f16a __attribute__((vector_size(64), aligned(64)));

/// Stores v at p (64-byte aligned) past the caches.
#define DESCENT_STREAM(p, v) __builtin_nontemporal_store((descent_f16a)(v), (descent_f16a *)(p))

/// The 16 lanes at p.
#define DESCENT_LANES(p) (*(const descent_f16 *)(p))

// Helpers as macros: 64-byte vectors cannot be passed to or returned from functions in the AVX2 build.

/// m ? x : y, lane by lane (m: all ones or all zeros per lane).
#define descent_select16(m, x, y) ((descent_f16)(((descent_i16)(x) & (m)) | ((descent_i16)(y) & ~(m))))

/// relu(z) as descent_relu (NaN and −0 kept).
#define descent_relu16(z) ((descent_f16)((descent_i16)(z) & ~((z) < 0)))

/// relu(x·a + b) when affine, else x.
#define descent_activate16(x, a, b, affine) ((affine) ? descent_relu16((x) * (a) + (b)) : (x))

/// g·[not out ≤ 0]: the pooled gradient through the ReLU.
#define descent_through_relu16(g, out) \
    ((descent_f16)((descent_i16)DESCENT_LANES(g) & ~(DESCENT_LANES(out) <= 0)))

/// The 2×2 window at column pair j of rows r0, r1: its values x0…x3 (row-major), their maximum `best` after
/// descent_activate16, and the lanes m1, m2, m3 where x1, x2, x3 took over the running maximum (a later value wins
/// when larger or NaN): the maximum is at position 3 where m3, else 2 where m2, else 1 where m1, else 0.
#define DESCENT_WINDOW_MAXIMUM(r0, r1, j, va, vb, affine)                                                        \
    const descent_f16 x0 = DESCENT_LANES((r0) + 32 * (j)), x1 = DESCENT_LANES((r0) + 32 * (j) + 16);             \
    const descent_f16 x2 = DESCENT_LANES((r1) + 32 * (j)), x3 = DESCENT_LANES((r1) + 32 * (j) + 16);             \
    const descent_f16 z1 = descent_activate16(x1, va, vb, affine), z2 = descent_activate16(x2, va, vb, affine);   \
    const descent_f16 z3 = descent_activate16(x3, va, vb, affine);                                               \
    descent_f16 best = descent_activate16(x0, va, vb, affine);                                                   \
    const descent_i16 m1 = (z1 > best) | (z1 != z1);                                                             \
    best = descent_select16(m1, z1, best);                                                                       \
    const descent_i16 m2 = (z2 > best) | (z2 != z2);                                                             \
    best = descent_select16(m2, z2, best);                                                                       \
    const descent_i16 m3 = (z3 > best) | (z3 != z3);                                                             \
    best = descent_select16(m3, z3, best);

DESCENT_KERNEL(void, descent_blocked_moments,
               (const float *restrict src, long count, float *restrict mean, float *restrict m2),
               (src, count, mean, m2), {
    descent_f16 s0 = {0}, s1 = {0};
    long p = 0;
    for (; p + 2 <= count; p += 2) {
        s0 += DESCENT_LANES(src + 16 * p);
        s1 += DESCENT_LANES(src + 16 * p + 16);
    }
    if (p < count) s0 += DESCENT_LANES(src + 16 * p);
    const descent_f16 mu = (s0 + s1) / (float)count;
    descent_f16 q0 = {0}, q1 = {0};
    for (p = 0; p + 2 <= count; p += 2) {
        descent_f16 d0 = DESCENT_LANES(src + 16 * p) - mu, d1 = DESCENT_LANES(src + 16 * p + 16) - mu;
        q0 += d0 * d0;
        q1 += d1 * d1;
    }
    if (p < count) {
        descent_f16 d = DESCENT_LANES(src + 16 * p) - mu;
        q0 += d * d;
    }
    *(descent_f16 *)mean = mu;
    *(descent_f16 *)m2 = q0 + q1;
})

/// descent_blocked_bn_relu_pool with `affine` fixed, so that each build has a loop without the test.
DESCENT_INLINE void descent_blocked_pool_rows(const float *restrict src, long H, long W, const float *restrict a,
                                              const float *restrict b, float *restrict dst, float *restrict keep,
                                              const int affine) {
    const long oH = H / 2, oW = W / 2;
    descent_f16 va = {0}, vb = {0};
    if (affine) {
        va = DESCENT_LANES(a);
        vb = DESCENT_LANES(b);
    }
    for (long i = 0; i < oH; i++) {
        const float *r0 = src + 2 * i * W * 16, *r1 = r0 + W * 16;
        for (long j = 0; j < oW; j++) {
            DESCENT_WINDOW_MAXIMUM(r0, r1, j, va, vb, affine)
            const long o = (i * oW + j) * 16;
            *(descent_f16 *)(dst + o) = best;
            if (keep) {
                *(descent_f16 *)(keep + o) =
                    descent_select16(m3, x3, descent_select16(m2, x2, descent_select16(m1, x1, x0)));
            }
        }
    }
}

DESCENT_KERNEL(void, descent_blocked_bn_relu_pool,
               (const float *restrict src, long H, long W, const float *restrict a, const float *restrict b,
                float *restrict dst, float *restrict keep),
               (src, H, W, a, b, dst, keep), {
    if (a) {
        descent_blocked_pool_rows(src, H, W, a, b, dst, keep, 1);
    } else {
        descent_blocked_pool_rows(src, H, W, a, b, dst, keep, 0);
    }
})

DESCENT_KERNEL(void, descent_blocked_bn_relu_pool_sums,
               (const float *restrict g, const float *restrict out, const float *restrict keep, long count,
                const float *restrict mu, float *restrict sums),
               (g, out, keep, count, mu, sums), {
    const descent_f16 vmu = DESCENT_LANES(mu);
    descent_f16 sg = {0}, sgx = {0};
    for (long p = 0; p < count; p++) {
        const descent_f16 gp = descent_through_relu16(g + 16 * p, out + 16 * p);
        sg += gp;
        sgx += gp * (DESCENT_LANES(keep + 16 * p) - vmu);
    }
    *(descent_f16 *)sums += sg;
    *(descent_f16 *)(sums + 16) += sgx;
})

/// descent_blocked_bn_relu_pool_backward with `affine` fixed.
DESCENT_INLINE void descent_blocked_unpool_rows(const float *restrict src, long H, long W, const float *restrict a,
                                                const float *restrict b, const float *restrict g,
                                                const float *restrict out, const float *restrict mu,
                                                const float *restrict meanG, const float *restrict k,
                                                const float *restrict scale, float *restrict dx, const int affine) {
    const long oH = H / 2, oW = W / 2;
    descent_f16 va = {0}, vb = {0}, vmu = {0}, vmg = {0}, vk = {0}, vs = {0};
    if (affine) {
        va = DESCENT_LANES(a);
        vb = DESCENT_LANES(b);
        vmu = DESCENT_LANES(mu);
        vmg = DESCENT_LANES(meanG);
        vk = DESCENT_LANES(k);
        vs = DESCENT_LANES(scale);
    }
    const descent_f16 zero = {0};
// The input gradient at one position from its share gp of the pooled gradient.
#define DESCENT_DX(gp, x) (affine ? ((gp) - vmg - ((x) - vmu) * vk) * vs : (gp))
    for (long i = 0; i < oH; i++) {
        const float *r0 = src + 2 * i * W * 16, *r1 = r0 + W * 16;
        float *d0 = dx + 2 * i * W * 16, *d1 = d0 + W * 16;
        for (long j = 0; j < oW; j++) {
            DESCENT_WINDOW_MAXIMUM(r0, r1, j, va, vb, affine)
            (void)best;
            // w0…w3: the lanes whose maximum is at position 0…3.
            const descent_i16 w3 = m3, w2 = m2 & ~m3, w1 = m1 & ~m2 & ~m3, w0 = ~(m1 | m2 | m3);
            const long o = (i * oW + j) * 16;
            const descent_f16 gv = descent_through_relu16(g + o, out + o);
            DESCENT_STREAM(d0 + 32 * j, DESCENT_DX(descent_select16(w0, gv, zero), x0));
            DESCENT_STREAM(d0 + 32 * j + 16, DESCENT_DX(descent_select16(w1, gv, zero), x1));
            DESCENT_STREAM(d1 + 32 * j, DESCENT_DX(descent_select16(w2, gv, zero), x2));
            DESCENT_STREAM(d1 + 32 * j + 16, DESCENT_DX(descent_select16(w3, gv, zero), x3));
        }
        if (W % 2) {
            const long last = (W - 1) * 16;
            DESCENT_STREAM(d0 + last, DESCENT_DX(zero, DESCENT_LANES(r0 + last)));
            DESCENT_STREAM(d1 + last, DESCENT_DX(zero, DESCENT_LANES(r1 + last)));
        }
    }
    if (H % 2) {
        const float *r = src + (H - 1) * W * 16;
        float *d = dx + (H - 1) * W * 16;
        for (long j = 0; j < W; j++) DESCENT_STREAM(d + 16 * j, DESCENT_DX(zero, DESCENT_LANES(r + 16 * j)));
    }
#undef DESCENT_DX
}

DESCENT_KERNEL(void, descent_blocked_bn_relu_pool_backward,
               (const float *restrict src, long H, long W, const float *restrict a, const float *restrict b,
                const float *restrict g, const float *restrict out, const float *restrict mu,
                const float *restrict meanG, const float *restrict k, const float *restrict scale,
                float *restrict dx),
               (src, H, W, a, b, g, out, mu, meanG, k, scale, dx), {
    if (a) {
        descent_blocked_unpool_rows(src, H, W, a, b, g, out, mu, meanG, k, scale, dx, 1);
    } else {
        descent_blocked_unpool_rows(src, H, W, a, b, g, out, mu, meanG, k, scale, dx, 0);
    }
})
