// The gate kernels of the recurrent layers, one batch row of `n` hidden units per call (descent_recurrent.h).
#include "kernel.h"

// Every expression is evaluated as written: no a·b + c contracted into a fused multiply-add (see kernel.h).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

/// The float whose bits are `i`.
DESCENT_INLINE float descent_bits_float(int i) {
    union { int i; float f; } u = {i};
    return u.f;
}

/// The bits of `f`.
DESCENT_INLINE int descent_float_bits(float f) {
    union { float f; int i; } u = {f};
    return u.i;
}

/// e^x: x clamped to [−87, 88], x = k·ln 2 + r with k rounded to nearest (through 1.5·2²³) and ln 2 in two parts,
/// e^r by Cephes' degree-6 polynomial, times 2^k built from its bits.
DESCENT_INLINE float descent_exp(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    float shifted = x * 1.44269504088896341f + 12582912.0f;
    float k = shifted - 12582912.0f;
    int ki = descent_float_bits(shifted) - 0x4B400000;
    float r = x - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * z + r + 1.0f;
    return y * descent_bits_float((ki + 127) << 23);
}

/// 1 / (1 + e^−x)
DESCENT_INLINE float descent_sigmoid(float x) { return 1.0f / (1.0f + descent_exp(-x)); }

/// tanh x: Cephes' odd polynomial x + x³·P(x²) below |x| = 0.625, else ±(1 − 2 / (e^{2|x|} + 1)).
DESCENT_INLINE float descent_tanh(float x) {
    float a = x < 0 ? -x : x;
    float s = x * x;
    float p = -5.70498872745e-3f;
    p = p * s + 2.06390887954e-2f;
    p = p * s - 5.37397155531e-2f;
    p = p * s + 1.33314422036e-1f;
    p = p * s - 3.33332819422e-1f;
    float small = p * s * x + x;
    float big = 1.0f - 2.0f / (descent_exp(a + a) + 1.0f);
    big = x < 0 ? -big : big;
    return a < 0.625f ? small : big;
}

/// LSTM step of one row: with pre-activations xp + hp in blocks i, f, g, o of n: i = σ, f = σ, g = tanh, o = σ;
/// c ← f·c + i·g, t = tanh c, h ← o·t, out = h; saves acts = (i, f, g, o) and tc = t.
DESCENT_KERNEL(void, descent_lstm_forward,
               (const float *restrict xp, const float *restrict hp, float *restrict c, float *restrict h,
                float *restrict out, float *restrict acts, float *restrict tc, long n),
               (xp, hp, c, h, out, acts, tc, n), {
    for (long j = 0; j < n; j++) {
        float i = descent_sigmoid(xp[j] + hp[j]);
        float f = descent_sigmoid(xp[n + j] + hp[n + j]);
        float g = descent_tanh(xp[2 * n + j] + hp[2 * n + j]);
        float o = descent_sigmoid(xp[3 * n + j] + hp[3 * n + j]);
        float cn = f * c[j] + i * g;
        float t = descent_tanh(cn);
        float hn = o * t;
        acts[j] = i; acts[n + j] = f; acts[2 * n + j] = g; acts[3 * n + j] = o;
        tc[j] = t; c[j] = cn; h[j] = hn; out[j] = hn;
    }
})

/// LSTM backward of one row: d = dh + go (the output's gradient); dc' = dc + d·o·(1 − t²); the pre-activation
/// gradients dg = (dc'·g·i(1 − i), dc'·c_prev·f(1 − f), dc'·i·(1 − g²), d·t·o(1 − o)); dc ← dc'·f; dh ← 0 (the
/// caller adds dg·W_hh).
DESCENT_KERNEL(void, descent_lstm_backward,
               (const float *restrict acts, const float *restrict tc, const float *restrict cPrev,
                const float *restrict go, float *restrict dh, float *restrict dc, float *restrict dg, long n),
               (acts, tc, cPrev, go, dh, dc, dg, n), {
    for (long j = 0; j < n; j++) {
        float i = acts[j], f = acts[n + j], g = acts[2 * n + j], o = acts[3 * n + j], t = tc[j];
        float d = dh[j] + go[j];
        float dcj = dc[j] + d * o * (1.0f - t * t);
        dg[j] = dcj * g * i * (1.0f - i);
        dg[n + j] = dcj * cPrev[j] * f * (1.0f - f);
        dg[2 * n + j] = dcj * i * (1.0f - g * g);
        dg[3 * n + j] = d * t * o * (1.0f - o);
        dc[j] = dcj * f;
        dh[j] = 0.0f;
    }
})

/// GRU step of one row, blocks r, z, n: r = σ(x_r + h_r), z = σ(x_z + h_z), m = tanh(x_n + r·h_n),
/// h ← (1 − z)·m + z·h, out = h; saves acts = (r, z, m) and hn = h_n (W_hn h + b_hn).
DESCENT_KERNEL(void, descent_gru_forward,
               (const float *restrict xp, const float *restrict hp, float *restrict h, float *restrict out,
                float *restrict acts, float *restrict hn, long n),
               (xp, hp, h, out, acts, hn, n), {
    for (long j = 0; j < n; j++) {
        float r = descent_sigmoid(xp[j] + hp[j]);
        float z = descent_sigmoid(xp[n + j] + hp[n + j]);
        float m = descent_tanh(xp[2 * n + j] + r * hp[2 * n + j]);
        float hv = (1.0f - z) * m + z * h[j];
        acts[j] = r; acts[n + j] = z; acts[2 * n + j] = m; hn[j] = hp[2 * n + j];
        h[j] = hv; out[j] = hv;
    }
})

/// GRU backward of one row: d = dh + go; dm = d·(1 − z)·(1 − m²); dz = d·(h_prev − m)·z(1 − z);
/// dr = dm·h_n·r(1 − r); dgx = (dr, dz, dm), dgh = (dr, dz, dm·r); dh ← d·z (the caller adds dgh·W_hh).
DESCENT_KERNEL(void, descent_gru_backward,
               (const float *restrict acts, const float *restrict hn, const float *restrict hPrev,
                const float *restrict go, float *restrict dh, float *restrict dgx, float *restrict dgh, long n),
               (acts, hn, hPrev, go, dh, dgx, dgh, n), {
    for (long j = 0; j < n; j++) {
        float r = acts[j], z = acts[n + j], m = acts[2 * n + j];
        float d = dh[j] + go[j];
        float dm = d * (1.0f - z) * (1.0f - m * m);
        float dz = d * (hPrev[j] - m) * z * (1.0f - z);
        float dr = dm * hn[j] * r * (1.0f - r);
        dgx[j] = dr; dgx[n + j] = dz; dgx[2 * n + j] = dm;
        dgh[j] = dr; dgh[n + j] = dz; dgh[2 * n + j] = dm * r;
        dh[j] = d * z;
    }
})

/// Elman step of one row: y = tanh(xp + hp), or max(xp + hp, 0) (as descent_relu) when relu ≠ 0; h ← y, out = y,
/// acts = y.
DESCENT_KERNEL(void, descent_rnn_forward,
               (const float *restrict xp, const float *restrict hp, float *restrict h, float *restrict out,
                float *restrict acts, long n, int relu),
               (xp, hp, h, out, acts, n, relu), {
    for (long j = 0; j < n; j++) {
        float v = xp[j] + hp[j];
        float y = relu ? (v < 0 ? 0.0f : v) : descent_tanh(v);
        acts[j] = y; h[j] = y; out[j] = y;
    }
})

/// Elman backward of one row: d = dh + go; dg = d·(1 − y²) for tanh, or (y ≤ 0 ? 0 : d) for ReLU; dh ← 0.
DESCENT_KERNEL(void, descent_rnn_backward,
               (const float *restrict acts, const float *restrict go, float *restrict dh, float *restrict dg, long n,
                int relu),
               (acts, go, dh, dg, n, relu), {
    for (long j = 0; j < n; j++) {
        float y = acts[j], d = dh[j] + go[j];
        dg[j] = relu ? (y <= 0 ? 0.0f : d) : d * (1.0f - y * y);
        dh[j] = 0.0f;
    }
})
