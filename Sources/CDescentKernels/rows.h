// Vector copies, fills and sums over rows of floats (private to this target).
#ifndef DESCENT_ROWS_H
#define DESCENT_ROWS_H

#include "kernel.h"

// Short copies, fills and sums over rows of floats with explicit vectors (unaligned), inlined into each kernel and
// so compiled at the kernel's vector width. Rows in convolutions are short (8 to 64 floats), too short for memcpy
// calls and too irregular for the loop vectorizer.
typedef float descent_f16 __attribute__((vector_size(64), aligned(4)));
typedef float descent_f8 __attribute__((vector_size(32), aligned(4)));
typedef float descent_f4 __attribute__((vector_size(16), aligned(4)));

/// d[0..<n] = s[0..<n] (the ranges must not overlap)
DESCENT_INLINE void descent_copy(float *restrict d, const float *restrict s, long n) {
    if (n >= 16) {
        long t = 0;
        for (; t + 16 <= n; t += 16) *(descent_f16 *)(d + t) = *(const descent_f16 *)(s + t);
        if (t < n) *(descent_f16 *)(d + n - 16) = *(const descent_f16 *)(s + n - 16);
    } else if (n >= 8) {
        *(descent_f8 *)d = *(const descent_f8 *)s;
        *(descent_f8 *)(d + n - 8) = *(const descent_f8 *)(s + n - 8);
    } else if (n >= 4) {
        *(descent_f4 *)d = *(const descent_f4 *)s;
        *(descent_f4 *)(d + n - 4) = *(const descent_f4 *)(s + n - 4);
    } else {
        for (long t = 0; t < n; t++) d[t] = s[t];
    }
}

/// d[0..<n] = 0
DESCENT_INLINE void descent_zero(float *d, long n) {
    const descent_f16 z16 = {0};
    const descent_f8 z8 = {0};
    const descent_f4 z4 = {0};
    if (n >= 16) {
        long t = 0;
        for (; t + 16 <= n; t += 16) *(descent_f16 *)(d + t) = z16;
        if (t < n) *(descent_f16 *)(d + n - 16) = z16;
    } else if (n >= 8) {
        *(descent_f8 *)d = z8;
        *(descent_f8 *)(d + n - 8) = z8;
    } else if (n >= 4) {
        *(descent_f4 *)d = z4;
        *(descent_f4 *)(d + n - 4) = z4;
    } else {
        for (long t = 0; t < n; t++) d[t] = 0;
    }
}

/// d[0..<n] += s[0..<n]
DESCENT_INLINE void descent_accumulate(float *restrict d, const float *restrict s, long n) {
    long t = 0;
    for (; t + 16 <= n; t += 16) *(descent_f16 *)(d + t) += *(const descent_f16 *)(s + t);
    if (t + 8 <= n) { *(descent_f8 *)(d + t) += *(const descent_f8 *)(s + t); t += 8; }
    if (t + 4 <= n) { *(descent_f4 *)(d + t) += *(const descent_f4 *)(s + t); t += 4; }
    for (; t < n; t++) d[t] += s[t];
}

/// Transposes the 8×8 block at src (row stride ls) into dst (row stride ld): dst[j·ld + i] = src[i·ls + j].
DESCENT_INLINE void descent_transpose8(const float *restrict src, long ls, float *restrict dst, long ld) {
    descent_f8 r0 = *(const descent_f8 *)(src), r1 = *(const descent_f8 *)(src + ls);
    descent_f8 r2 = *(const descent_f8 *)(src + 2 * ls), r3 = *(const descent_f8 *)(src + 3 * ls);
    descent_f8 r4 = *(const descent_f8 *)(src + 4 * ls), r5 = *(const descent_f8 *)(src + 5 * ls);
    descent_f8 r6 = *(const descent_f8 *)(src + 6 * ls), r7 = *(const descent_f8 *)(src + 7 * ls);
    descent_f8 t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    descent_f8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    descent_f8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    descent_f8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    *(descent_f8 *)(dst) = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + ld) = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + 2 * ld) = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + 3 * ld) = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + 4 * ld) = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
    *(descent_f8 *)(dst + 5 * ld) = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
    *(descent_f8 *)(dst + 6 * ld) = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
    *(descent_f8 *)(dst + 7 * ld) = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
}

#endif
