// The gate kernels of the recurrent layers: one batch row of `n` hidden units per call, the pre-activations `xp`
// (input projection) and `hp` (hidden projection, biases included) in PyTorch's gate blocks of `n`. e^x, σ and tanh
// are computed by polynomials (Cephes' expf and tanhf), the same in every instruction-set build.
#ifndef DESCENT_RECURRENT_H
#define DESCENT_RECURRENT_H

#include "descent_dispatch.h"

/// LSTM step of one row (blocks i, f, g, o): c ← f·c + i·g, h ← o·tanh c, out = h; saves acts and tc = tanh c
DESCENT_DECLARE(void, descent_lstm_forward, (const float *restrict xp, const float *restrict hp, float *restrict c,
                                             float *restrict h, float *restrict out, float *restrict acts,
                                             float *restrict tc, long n))

/// LSTM backward of one row: the pre-activation gradients dg from dh + go and dc; dc ← dc'·f; dh ← 0
DESCENT_DECLARE(void, descent_lstm_backward, (const float *restrict acts, const float *restrict tc,
                                              const float *restrict cPrev, const float *restrict go,
                                              float *restrict dh, float *restrict dc, float *restrict dg, long n))

/// GRU step of one row (blocks r, z, n): h ← (1 − z)·tanh(x_n + r·h_n) + z·h, out = h; saves acts and h_n
DESCENT_DECLARE(void, descent_gru_forward, (const float *restrict xp, const float *restrict hp, float *restrict h,
                                            float *restrict out, float *restrict acts, float *restrict hn, long n))

/// GRU backward of one row: input and hidden pre-activation gradients dgx, dgh from dh + go; dh ← (dh + go)·z
DESCENT_DECLARE(void, descent_gru_backward, (const float *restrict acts, const float *restrict hn,
                                             const float *restrict hPrev, const float *restrict go,
                                             float *restrict dh, float *restrict dgx, float *restrict dgh, long n))

/// Elman step of one row: h = out = acts = tanh(xp + hp), or ReLU when relu ≠ 0
DESCENT_DECLARE(void, descent_rnn_forward, (const float *restrict xp, const float *restrict hp, float *restrict h,
                                            float *restrict out, float *restrict acts, long n, int relu))

/// Elman backward of one row: dg = (dh + go)·(1 − y²), or masked by y > 0 for ReLU; dh ← 0
DESCENT_DECLARE(void, descent_rnn_backward, (const float *restrict acts, const float *restrict go,
                                             float *restrict dh, float *restrict dg, long n, int relu))

#endif
