// Matrix products against a right operand packed once into column panels (descent_panels.h).
#include "kernel.h"
#include "rows.h"

// Every expression is evaluated as written (see kernel.h); the products are explicit fused multiply-adds, so every
// instruction-set build gives the same bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

/// The columns of one panel (one 16-float vector).
#define DESCENT_PANEL 16

/// Rows of the left operand per block of the product: 4 accumulators of 16 floats stay in registers in the AVX2
/// build too (8 would spill there, and gain nothing in the AVX-512 one).
#define DESCENT_PANEL_ROWS 4

/// The vector with every lane x (a statement expression: no vector return value, whose ABI differs between builds).
#define DESCENT_SPLAT16(x)                                        \
    ({                                                            \
        descent_f16 splat_;                                       \
        float value_ = (x);                                       \
        for (int lane_ = 0; lane_ < DESCENT_PANEL; lane_++) splat_[lane_] = value_; \
        splat_;                                                   \
    })

/// acc[r] = Σ_kk a[r·lda + kk] · panel[kk·16 + 0..<16] for r < mr, each sum a chain of fused multiply-adds in kk order.
DESCENT_INLINE void descent_panel_block(long mr, long k, const float *restrict a, long lda,
                                        const float *restrict panel, descent_f16 *restrict acc) {
    for (long r = 0; r < mr; r++) acc[r] = DESCENT_SPLAT16(0.0f);
    for (long kk = 0; kk < k; kk++) {
        descent_f16 b = *(const descent_f16 *)(panel + kk * DESCENT_PANEL);
        for (long r = 0; r < mr; r++) acc[r] = __builtin_elementwise_fma(DESCENT_SPLAT16(a[r * lda + kk]), b, acc[r]);
    }
}

/// Writes rows r < mr of one block: c[r·ldc + j] = (accumulate ? c[r·ldc + j] : 0) + acc[r][j] (+ bias[j]) for the
/// first `cols` columns.
DESCENT_INLINE void descent_panel_store(long mr, long cols, const descent_f16 *restrict acc,
                                        const float *restrict bias, int accumulate, float *restrict c, long ldc) {
    for (long r = 0; r < mr; r++) {
        descent_f16 v = acc[r];
        float *row = c + r * ldc;
        if (cols == DESCENT_PANEL) {
            if (bias) v = v + *(const descent_f16 *)bias;
            if (accumulate) v = *(const descent_f16 *)row + v;
            *(descent_f16 *)row = v;
        } else {
            for (long j = 0; j < cols; j++) {
                float x = v[j];
                if (bias) x = x + bias[j];
                row[j] = accumulate ? row[j] + x : x;
            }
        }
    }
}

/// One block of mr rows against every panel.
DESCENT_INLINE void descent_panel_rows(long mr, long n, long k, const float *restrict a, long lda,
                                       const float *restrict panels, const float *restrict bias, int accumulate,
                                       float *restrict c, long ldc) {
    descent_f16 acc[DESCENT_PANEL_ROWS];
    for (long p = 0; p * DESCENT_PANEL < n; p++) {
        long j0 = p * DESCENT_PANEL, cols = n - j0 < DESCENT_PANEL ? n - j0 : DESCENT_PANEL;
        descent_panel_block(mr, k, a, lda, panels + j0 * k, acc);
        descent_panel_store(mr, cols, acc, bias ? bias + j0 : 0, accumulate, c + j0, ldc);
    }
}

DESCENT_KERNEL(void, descent_panel_pack,
               (const float *restrict b, long k, long n, int transposed, float *restrict panels),
               (b, k, n, transposed, panels), {
    for (long j0 = 0; j0 < n; j0 += DESCENT_PANEL) {
        float *panel = panels + j0 * k;
        for (long kk = 0; kk < k; kk++) {
            for (long jj = 0; jj < DESCENT_PANEL; jj++) {
                long j = j0 + jj;
                panel[kk * DESCENT_PANEL + jj] = j >= n ? 0.0f : (transposed ? b[j * k + kk] : b[kk * n + j]);
            }
        }
    }
})

DESCENT_KERNEL(void, descent_panel_gemm,
               (long m, long n, long k, const float *restrict a, long lda, const float *restrict panels,
                const float *restrict bias, int accumulate, float *restrict c, long ldc),
               (m, n, k, a, lda, panels, bias, accumulate, c, ldc), {
    long i = 0;
    for (; i + DESCENT_PANEL_ROWS <= m; i += DESCENT_PANEL_ROWS) {
        descent_panel_rows(DESCENT_PANEL_ROWS, n, k, a + i * lda, lda, panels, bias, accumulate, c + i * ldc, ldc);
    }
    if (i + 2 <= m) {
        descent_panel_rows(2, n, k, a + i * lda, lda, panels, bias, accumulate, c + i * ldc, ldc);
        i += 2;
    }
    if (i < m) descent_panel_rows(1, n, k, a + i * lda, lda, panels, bias, accumulate, c + i * ldc, ldc);
})
