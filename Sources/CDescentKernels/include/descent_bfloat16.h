// Conversion of float32 to bfloat16 (the upper 16 bits of a float32: sign, 8-bit exponent, 7 stored mantissa bits),
// the inputs of the bf16 matrix products (Backend.precision == .bf16).
#ifndef DESCENT_BFLOAT16_H
#define DESCENT_BFLOAT16_H

#include <stdint.h>
#include "descent_dispatch.h"

/// dst[i] = bf16(src[i]) as raw 16-bit words: the float32 rounded to nearest, ties to even, at its 8th significant
/// bit (finite values too large round to ±infinity, as IEEE rounding does); infinities stay infinities and a NaN
/// stays a NaN, made quiet (its sign and upper payload kept), as PyTorch's and oneDNN's conversions do.
DESCENT_DECLARE(void, descent_f32_to_bf16, (const float *restrict src, uint16_t *restrict dst, long n))

#endif
