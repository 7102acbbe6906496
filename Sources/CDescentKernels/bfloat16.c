// float32 → bfloat16 conversion (descent_bfloat16.h).
#include "kernel.h"

/// The bf16 of one float32 given as its bits: round to nearest even (add 0x7FFF plus the lowest kept bit, keep the
/// upper half), or the quiet NaN with the same upper bits.
DESCENT_INLINE uint16_t descent_bf16_bits(uint32_t u) {
    uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    uint32_t nan = (u >> 16) | 0x40u;
    return (uint16_t)((u & 0x7FFFFFFFu) > 0x7F800000u ? nan : rounded);
}

DESCENT_KERNEL(void, descent_f32_to_bf16, (const float *restrict src, uint16_t *restrict dst, long n), (src, dst, n), {
    for (long i = 0; i < n; i++) {
        uint32_t u;
        __builtin_memcpy(&u, src + i, sizeof u);
        dst[i] = descent_bf16_bits(u);
    }
})
