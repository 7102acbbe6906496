// The element passes of the seven optimizers, one fused loop per step over a parameter's elements, evaluating the
// same expressions in the same order as the Swift update rules (no fused multiply-adds).
#ifndef DESCENT_OPTIMIZERS_H
#define DESCENT_OPTIMIZERS_H

#include "descent_dispatch.h"

/// The coefficients of one Adam or AdamW step over a parameter (Descent's AdamRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, oneMinusBeta2, negStepSize, biasCorrection2Sqrt, eps, weightDecay, decayFactor;
    int maximize, coupledDecay, decoupledDecay;
} descent_adam_step;

/// One Adam/AdamW step over n elements, as torch.optim.Adam(W) (`vmax` only with AMSGrad):
///     g ← −g if maximize;  θ ← θ·(1 − lr·λ) (decoupled);  g ← g + λ·θ (coupled)
///     m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g·g;  v̂ ← max(v̂, v) (AMSGrad)
///     θ ← θ + (−lr/(1 − β₁ᵗ))·m / (√v̂ / √(1 − β₂ᵗ) + ε)
DESCENT_DECLARE(void, descent_adam_update, (float *restrict p, const float *restrict g, float *restrict m,
                                            float *restrict v, float *restrict vmax, long n, const descent_adam_step *c,
                                            int amsgrad))

/// The coefficients of one SGD step over a parameter (Descent's SGDRule.Constants, in C).
typedef struct {
    float negLR, weightDecay, momentum, oneMinusDampening;
    int maximize, decay, useMomentum, first, nesterov;
} descent_sgd_step;

/// One SGD step over n elements, as torch.optim.SGD (`buf` only with momentum):
///     g ← −g if maximize;  g ← g + λ·θ;  b ← g (first step) or μ·b + (1 − τ)·g;  g ← g + μ·b (Nesterov) or b
///     θ ← θ + (−lr)·g
DESCENT_DECLARE(void, descent_sgd_update, (float *restrict p, const float *restrict g, float *restrict buf, long n,
                                           const descent_sgd_step *c))

/// The coefficients of one RMSprop step over a parameter (Descent's RMSpropRule.Constants, in C).
typedef struct {
    float negLR, alpha, oneMinusAlpha, eps, weightDecay, momentum;
    int maximize, decay, centered, useMomentum;
} descent_rmsprop_step;

/// One RMSprop step over n elements, as torch.optim.RMSprop (`avg` only when centered, `buf` only with momentum):
///     g ← −g if maximize;  g ← g + λ·θ;  s ← α·s + (1 − α)·g·g;  a ← lerp(a, g, 1 − α) (centered)
///     r ← √(s − a·a) (centered) or √s, then r + ε;  b ← μ·b + g/r, θ ← θ + (−lr)·b (momentum) or θ + (−lr)·g/r
DESCENT_DECLARE(void, descent_rmsprop_update, (float *restrict p, const float *restrict g, float *restrict sq,
                                               float *restrict avg, float *restrict buf, long n,
                                               const descent_rmsprop_step *c))

/// One Adagrad step over n elements, as torch.optim.Adagrad (negLR = −lr / (1 + (t − 1)·lr_decay)):
///     g ← −g if maximize;  g ← g + λ·θ;  s ← s + g·g;  θ ← θ + negLR·g / (√s + ε)
DESCENT_DECLARE(void, descent_adagrad_update, (float *restrict p, const float *restrict g, float *restrict sum, long n,
                                               float negLR, float eps, float weightDecay, int maximize, int decay))

/// The coefficients of one Adamax step over a parameter (Descent's AdamaxRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, eps, negStepSize, weightDecay;
    int maximize, decay;
} descent_adamax_step;

/// One Adamax step over n elements, as torch.optim.Adamax:
///     g ← −g if maximize;  g ← g + λ·θ;  m ← lerp(m, g, 1 − β₁);  u ← max(β₂·u, |g| + ε)
///     θ ← θ + (−lr/(1 − β₁ᵗ))·m / u
DESCENT_DECLARE(void, descent_adamax_update, (float *restrict p, const float *restrict g, float *restrict m,
                                              float *restrict u, long n, const descent_adamax_step *c))

/// The coefficients of one NAdam step over a parameter (Descent's NAdamRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection2, eps, weightDecay, decayFactor, gradCoefficient,
        momentCoefficient;
    int maximize, coupledDecay, decoupledDecay;
} descent_nadam_step;

/// One NAdam step over n elements, as torch.optim.NAdam (the coefficients carry the momentum schedule μ_t):
///     g ← −g if maximize;  θ ← θ·(1 − lr·λ) (decoupled);  g ← g + λ·θ (coupled)
///     m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g·g;  d ← √(v / (1 − β₂ᵗ)) + ε
///     θ ← θ + c_g·g/d + c_m·m/d
DESCENT_DECLARE(void, descent_nadam_update, (float *restrict p, const float *restrict g, float *restrict m,
                                             float *restrict v, long n, const descent_nadam_step *c))

/// The coefficients of one RAdam step over a parameter (Descent's RAdamRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection1, lr, biasCorrection2Sqrt, rectification, eps,
        weightDecay, decayFactor;
    int adaptive, maximize, coupledDecay, decoupledDecay;
} descent_radam_step;

/// One RAdam step over n elements, as torch.optim.RAdam:
///     g ← −g if maximize;  θ ← θ·(1 − lr·λ) (decoupled);  g ← g + λ·θ (coupled)
///     m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g·g;  m̂ ← m/(1 − β₁ᵗ)·lr
///     θ ← θ − m̂·(√(1 − β₂ᵗ)/(√v + ε))·r_t when ρ_t > 5 (adaptive), else θ − m̂
DESCENT_DECLARE(void, descent_radam_update, (float *restrict p, const float *restrict g, float *restrict m,
                                             float *restrict v, long n, const descent_radam_step *c))

#endif
