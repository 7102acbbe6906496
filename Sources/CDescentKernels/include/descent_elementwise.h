// Elementwise, reduction and batch-norm kernels, and the bias/ReLU epilogues of GEMMs. All pointers are to
// float32; `n` counts elements.
#ifndef DESCENT_ELEMENTWISE_H
#define DESCENT_ELEMENTWISE_H

#include "descent_dispatch.h"

/// y[i] = x[i] < 0 ? 0 : x[i]: ReLU as PyTorch computes it (NaN stays NaN, −0 stays −0)
DESCENT_DECLARE(void, descent_relu, (const float *restrict x, float *restrict y, long n))

/// o[i] = y[i] <= 0 ? 0 : g[i]: the gradient of ReLU from its output y (PyTorch's threshold_backward, which
/// passes the gradient where the output is NaN)
DESCENT_DECLARE(void, descent_relu_backward, (const float *restrict g, const float *restrict y, float *restrict o,
                                              long n))

/// y[i] = relu(a[i] + b[i]), ReLU as in descent_relu
DESCENT_DECLARE(void, descent_add_relu, (const float *restrict a, const float *restrict b, float *restrict y, long n))

/// Σ p[i]
DESCENT_DECLARE(float, descent_sum, (const float *restrict p, long n))

/// Σ (p[i] − mu)²
DESCENT_DECLARE(float, descent_sum_squared_deviation, (const float *restrict p, long n, float mu))

/// y[i] = x[i]·scale + shift, then ReLU (as descent_relu) when relu ≠ 0
DESCENT_DECLARE(void, descent_scale_shift, (const float *restrict x, float *restrict y, long n, float scale,
                                            float shift, int relu))

/// The sums of batch-norm backward over one plane: sums[0] += Σ g', sums[1] += Σ g'·(x − mu), where g' = g, or
/// g·[not y ≤ 0] when `y` (the output of a fused ReLU) is given.
DESCENT_DECLARE(void, descent_bn_backward_sums, (const float *restrict g, const float *restrict x,
                                                 const float *restrict y, long n, float mu, float *sums))

/// o[i] = (g'[i] − meanG − (x[i] − mu)·k)·scale, g' as in descent_bn_backward_sums
DESCENT_DECLARE(void, descent_bn_backward_apply, (const float *restrict g, const float *restrict x,
                                                  const float *restrict y, float *restrict o, long n, float mu,
                                                  float meanG, float k, float scale))

/// o[i] = g'[i]·scale (batch-norm backward in eval mode), g' as in descent_bn_backward_sums
DESCENT_DECLARE(void, descent_scaled_masked, (const float *restrict g, const float *restrict y, float *restrict o,
                                              long n, float scale))

/// Per output channel k of one image's output [channels][spatial]: y = y + bias[k] (when bias ≠ NULL), then
/// ReLU (as descent_relu) when relu ≠ 0.
DESCENT_DECLARE(void, descent_bias_relu, (float *restrict y, const float *restrict bias, long channels, long spatial,
                                          int relu))

/// For each of `rows` rows of `cols` values: y[r][j] += bias[j] (when bias ≠ NULL), then ReLU (as descent_relu) when relu ≠ 0.
DESCENT_DECLARE(void, descent_row_bias_relu, (float *restrict y, const float *restrict bias, long rows, long cols,
                                              int relu))

#endif
