// Batch norm, ReLU and 2×2 max pooling fused over activations in the blocked layout nChw16c ([n][c/16][h][w][16]).
// Each call covers one block: the H×W positions of one image's 16 channels, 16 floats per position, one lane per
// channel. Per-channel parameters (a, b, mu, …) are arrays of 16, one per lane.
#ifndef DESCENT_BLOCKED_H
#define DESCENT_BLOCKED_H

#include "descent_dispatch.h"

/// The moments of one block of `count` positions, per lane l: mean[l] = Σ src[p][l] / count and
/// m2[l] = Σ (src[p][l] − mean[l])² (the block is read twice, the second time from cache).
DESCENT_DECLARE(void, descent_blocked_moments, (const float *restrict src, long count, float *restrict mean,
                                                float *restrict m2))

/// 2×2 max pooling with stride 2 of r = relu(src·a + b) over one block of H×W positions (the last row or column
/// of an odd H or W left out, as PyTorch's floor mode does): dst[i][j] = the maximum of r over the window at
/// (2i, 2j), scanned in row-major order with a later value winning when larger or NaN (PyTorch's rule), ReLU as
/// descent_relu (NaN stays NaN). With a = NULL, r = src (plain max pooling). When keep ≠ NULL, keep[i][j] = src at
/// that window's maximum.
DESCENT_DECLARE(void, descent_blocked_bn_relu_pool, (const float *restrict src, long H, long W,
                                                     const float *restrict a, const float *restrict b,
                                                     float *restrict dst, float *restrict keep))

/// The sums of the fused backward pass over one block of `count` pooled positions, per lane l:
/// sums[l] += Σ g', sums[16 + l] += Σ g'·(keep − mu[l]), where g' = g·[not out ≤ 0] (the gradient through the ReLU,
/// from the pooled output `out`) and keep the values descent_blocked_bn_relu_pool kept.
DESCENT_DECLARE(void, descent_blocked_bn_relu_pool_sums, (const float *restrict g, const float *restrict out,
                                                          const float *restrict keep, long count,
                                                          const float *restrict mu, float *restrict sums))

/// The input gradient of descent_blocked_bn_relu_pool over one block of H×W positions, with the window maxima found
/// again from src, a and b: dx = (g' − meanG[l] − (src − mu[l])·k[l])·scale[l], where g' is the pooled gradient
/// g·[not out ≤ 0] at its window's maximum and 0 at every other position (also those no window covers). With
/// a = NULL (plain max pooling) dx = g' (+0 elsewhere) and mu, meanG, k, scale are not read.
DESCENT_DECLARE(void, descent_blocked_bn_relu_pool_backward,
                (const float *restrict src, long H, long W, const float *restrict a, const float *restrict b,
                 const float *restrict g, const float *restrict out, const float *restrict mu,
                 const float *restrict meanG, const float *restrict k, const float *restrict scale,
                 float *restrict dx))

#endif
