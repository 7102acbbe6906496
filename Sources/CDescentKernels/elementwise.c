// Elementwise, reduction and batch-norm kernels, and the bias/ReLU epilogues of GEMMs (descent_elementwise.h).
#include "kernel.h"

// Every expression is evaluated as written: no a·b + c contracted into a fused multiply-add (see kernel.h).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

/// y[i] = x[i] < 0 ? 0 : x[i]: ReLU as PyTorch computes it (NaN stays NaN, −0 stays −0)
DESCENT_KERNEL(void, descent_relu, (const float *restrict x, float *restrict y, long n), (x, y, n), {
    for (long i = 0; i < n; i++) { float v = x[i]; y[i] = v < 0 ? 0 : v; }
})

/// o[i] = y[i] <= 0 ? 0 : g[i]: the gradient of ReLU from its output y (PyTorch's threshold_backward, which
/// passes the gradient where the output is NaN)
DESCENT_KERNEL(void, descent_relu_backward, (const float *restrict g, const float *restrict y, float *restrict o, long n),
               (g, y, o, n), {
    for (long i = 0; i < n; i++) o[i] = y[i] <= 0 ? 0 : g[i];
})

/// y[i] = relu(a[i] + b[i]), ReLU as in descent_relu
DESCENT_KERNEL(void, descent_add_relu, (const float *restrict a, const float *restrict b, float *restrict y, long n),
               (a, b, y, n), {
    for (long i = 0; i < n; i++) { float v = a[i] + b[i]; y[i] = v < 0 ? 0 : v; }
})

/// Σ p[i]
DESCENT_KERNEL(float, descent_sum, (const float *restrict p, long n), (p, n), {
    DESCENT_REASSOCIATE
    float s = 0;
    for (long i = 0; i < n; i++) s += p[i];
    return s;
})

/// Σ (p[i] − mu)²
DESCENT_KERNEL(float, descent_sum_squared_deviation, (const float *restrict p, long n, float mu), (p, n, mu), {
    DESCENT_REASSOCIATE
    float s = 0;
    for (long i = 0; i < n; i++) { float d = p[i] - mu; s += d * d; }
    return s;
})

/// y[i] = x[i]·scale + shift, then ReLU (as descent_relu) when relu ≠ 0
DESCENT_KERNEL(void, descent_scale_shift, (const float *restrict x, float *restrict y, long n, float scale, float shift, int relu),
               (x, y, n, scale, shift, relu), {
    if (relu) {
        for (long i = 0; i < n; i++) { float v = x[i] * scale + shift; y[i] = v < 0 ? 0 : v; }
    } else {
        for (long i = 0; i < n; i++) y[i] = x[i] * scale + shift;
    }
})

/// The sums of batch-norm backward over one plane: sums[0] += Σ g', sums[1] += Σ g'·(x − mu), where g' = g, or
/// g·[not y ≤ 0] when `y` (the output of a fused ReLU) is given.
DESCENT_KERNEL(void, descent_bn_backward_sums,
               (const float *restrict g, const float *restrict x, const float *restrict y, long n, float mu, float *sums),
               (g, x, y, n, mu, sums), {
    DESCENT_REASSOCIATE
    float sg = 0, sgx = 0;
    if (y) {
        for (long i = 0; i < n; i++) { float gi = y[i] <= 0 ? 0 : g[i]; sg += gi; sgx += gi * (x[i] - mu); }
    } else {
        for (long i = 0; i < n; i++) { sg += g[i]; sgx += g[i] * (x[i] - mu); }
    }
    sums[0] += sg;
    sums[1] += sgx;
})

/// o[i] = (g'[i] − meanG − (x[i] − mu)·k)·scale, g' as in descent_bn_backward_sums
DESCENT_KERNEL(void, descent_bn_backward_apply,
               (const float *restrict g, const float *restrict x, const float *restrict y, float *restrict o, long n,
                float mu, float meanG, float k, float scale),
               (g, x, y, o, n, mu, meanG, k, scale), {
    if (y) {
        for (long i = 0; i < n; i++) { float gi = y[i] <= 0 ? 0 : g[i]; o[i] = (gi - meanG - (x[i] - mu) * k) * scale; }
    } else {
        for (long i = 0; i < n; i++) o[i] = (g[i] - meanG - (x[i] - mu) * k) * scale;
    }
})

/// o[i] = g'[i]·scale (batch-norm backward in eval mode), g' as in descent_bn_backward_sums
DESCENT_KERNEL(void, descent_scaled_masked, (const float *restrict g, const float *restrict y, float *restrict o, long n, float scale),
               (g, y, o, n, scale), {
    if (y) {
        for (long i = 0; i < n; i++) o[i] = (y[i] <= 0 ? 0 : g[i]) * scale;
    } else {
        for (long i = 0; i < n; i++) o[i] = g[i] * scale;
    }
})

/// Per output channel k of one image's output [channels][spatial]: y = y + bias[k] (when bias ≠ NULL), then
/// ReLU (as descent_relu) when relu ≠ 0.
DESCENT_KERNEL(void, descent_bias_relu, (float *restrict y, const float *restrict bias, long channels, long spatial, int relu),
               (y, bias, channels, spatial, relu), {
    for (long k = 0; k < channels; k++) {
        float *p = y + k * spatial;
        if (bias && relu) {
            float b = bias[k];
            for (long i = 0; i < spatial; i++) { float v = p[i] + b; p[i] = v < 0 ? 0 : v; }
        } else if (bias) {
            float b = bias[k];
            for (long i = 0; i < spatial; i++) p[i] += b;
        } else if (relu) {
            for (long i = 0; i < spatial; i++) { float v = p[i]; p[i] = v < 0 ? 0 : v; }
        }
    }
})

/// For each of `rows` rows of `cols` values: y[r][j] += bias[j] (when bias ≠ NULL), then ReLU (as descent_relu) when relu ≠ 0.
DESCENT_KERNEL(void, descent_row_bias_relu, (float *restrict y, const float *restrict bias, long rows, long cols, int relu),
               (y, bias, rows, cols, relu), {
    for (long r = 0; r < rows; r++) {
        float *p = y + r * cols;
        if (bias && relu) {
            for (long j = 0; j < cols; j++) { float v = p[j] + bias[j]; p[j] = v < 0 ? 0 : v; }
        } else if (bias) {
            for (long j = 0; j < cols; j++) p[j] += bias[j];
        } else if (relu) {
            for (long j = 0; j < cols; j++) { float v = p[j]; p[j] = v < 0 ? 0 : v; }
        }
    }
})
