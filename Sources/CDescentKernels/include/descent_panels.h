// Matrix products C (+)= A · B (+ bias) against a right operand B packed once into column panels, for products
// that reuse one B many times with few rows of A (the per-step h · W_hhᵀ of the recurrent layers). Each sum is a
// chain of fused multiply-adds in k order, the same in every instruction-set build.
#ifndef DESCENT_PANELS_H
#define DESCENT_PANELS_H

#include "descent_dispatch.h"

/// The floats that descent_panel_pack writes for a k×n operand: k · 16 per panel of 16 columns (the last one padded
/// with zeros).
static inline long descent_panel_size(long k, long n) { return ((n + 15) / 16) * 16 * k; }

/// Packs B (k×n) into panels of 16 columns, panels[p·16k + kk·16 + jj] = B[kk, 16p + jj] (0 past column n): b is B
/// row-major [k, n], or with transposed ≠ 0 Bᵀ row-major [n, k] (a weight [out, in] for x · Wᵀ)
DESCENT_DECLARE(void, descent_panel_pack,
                (const float *restrict b, long k, long n, int transposed, float *restrict panels))

/// c[i·ldc + j] = (accumulate ≠ 0 ? c[i·ldc + j] : 0) + Σ_kk a[i·lda + kk] · B[kk, j] (+ bias[j] when bias is not
/// NULL) for i < m, j < n, with B as packed by descent_panel_pack
DESCENT_DECLARE(void, descent_panel_gemm,
                (long m, long n, long k, const float *restrict a, long lda, const float *restrict panels,
                 const float *restrict bias, int accumulate, float *restrict c, long ldc))

#endif
