// The element passes of the seven optimizers (descent_optimizers.h).
#include "kernel.h"

// Every expression is evaluated as written: no a·b + c contracted into a fused multiply-add (see kernel.h).
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

/// The gradient of one element after the options the optimizers share: negated when maximizing (flag 1), the
/// parameter first decayed (flag 4, decoupled: θ ← θ·decay), then added as L2 decay (flag 2: g ← g + λ·θ).
DESCENT_INLINE float descent_prepared_gradient(float g, float *theta, float lambda, float decay, int flags) {
    if (flags & 1) g = -g;
    if (flags & 4) *theta = *theta * decay;
    if (flags & 2) g = g + lambda * *theta;
    return g;
}

/// torch.lerp(m, x, w): m + w·(x − m) when w < 0.5, else (`high`) x − (x − m)·(1 − w).
DESCENT_INLINE float descent_lerp(float m, float x, float w, int high) {
    return high ? x - (x - m) * (1 - w) : m + w * (x - m);
}

/// The second-moment average of the Adam family: β₂·v + (1 − β₂)·g·g.
DESCENT_INLINE float descent_second_moment(float v, float g, float beta2, float oneMinusBeta2) {
    return v * beta2 + oneMinusBeta2 * g * g;
}

/// The start of an Adam-family element step, shared by Adam, NAdam and RAdam: the prepared gradient (flags 1, 2,
/// 4 as in descent_prepared_gradient, applied to *theta), m ← lerp(m, g, w) (flag 16: the high form) and
/// v ← β₂·v + (1 − β₂)·g·g, both stored; returns the gradient and sets *mOut and *vOut.
DESCENT_INLINE float descent_adam_moments(float g, float *theta, float *m, float *v, float w, float beta2,
                                          float oneMinusBeta2, float lambda, float decay, int flags, float *mOut,
                                          float *vOut) {
    float gi = descent_prepared_gradient(g, theta, lambda, decay, flags & 7);
    *mOut = *m = descent_lerp(*m, gi, w, flags & 16);
    *vOut = *v = descent_second_moment(*v, gi, beta2, oneMinusBeta2);
    return gi;
}

/// The Adam element pass with its options as constants (`flags`: 1 maximize, 2 coupled decay, 4 decoupled decay,
/// 8 AMSGrad, 16 the moment's lerp weight is ≥ 0.5), so that each common combination compiles to a branch-free loop.
DESCENT_INLINE void descent_adam_pass(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                      float *restrict vmax, long n, const descent_adam_step *c, int flags) {
    const float w = c->oneMinusBeta1, beta2 = c->beta2, oneMinusBeta2 = c->oneMinusBeta2, neg = c->negStepSize,
                bc2 = c->biasCorrection2Sqrt, eps = c->eps, wd = c->weightDecay, decay = c->decayFactor;
    for (long i = 0; i < n; i++) {
        float pi = p[i], mi, vi;
        descent_adam_moments(g[i], &pi, m + i, v + i, w, beta2, oneMinusBeta2, wd, decay, flags, &mi, &vi);
        float second = vi;
        if (flags & 8) {
            second = vi >= vmax[i] ? vi : vmax[i];  // Swift.max(vmax, v), NaN included
            vmax[i] = second;
        }
        float denom = __builtin_elementwise_sqrt(second) / bc2 + eps;
        p[i] = pi + neg * mi / denom;
    }
}

/// One Adam/AdamW step over n elements, as torch.optim.Adam(W) (`vmax` only with AMSGrad):
///     g ← −g if maximize;  θ ← θ·(1 − lr·λ) (decoupled);  g ← g + λ·θ (coupled)
///     m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g·g;  v̂ ← max(v̂, v) (AMSGrad)
///     θ ← θ + (−lr/(1 − β₁ᵗ))·m / (√v̂ / √(1 − β₂ᵗ) + ε)
DESCENT_KERNEL(void, descent_adam_update,
               (float *restrict p, const float *restrict g, float *restrict m, float *restrict v, float *restrict vmax,
                long n, const descent_adam_step *c, int amsgrad),
               (p, g, m, v, vmax, n, c, amsgrad), {
    int flags = (c->maximize ? 1 : 0) | (c->coupledDecay ? 2 : 0) | (c->decoupledDecay ? 4 : 0) | (amsgrad ? 8 : 0)
        | (c->oneMinusBeta1 < 0.5f ? 0 : 16);
    switch (flags) {
    case 0: descent_adam_pass(p, g, m, v, vmax, n, c, 0); break;
    case 2: descent_adam_pass(p, g, m, v, vmax, n, c, 2); break;
    case 4: descent_adam_pass(p, g, m, v, vmax, n, c, 4); break;
    default: descent_adam_pass(p, g, m, v, vmax, n, c, flags); break;
    }
})

/// The SGD element pass with its options as constants (`flags`: 1 maximize, 2 weight decay, 4 momentum,
/// 8 first step of the momentum buffer, 16 Nesterov).
DESCENT_INLINE void descent_sgd_pass(float *restrict p, const float *restrict g, float *restrict buf, long n,
                                     const descent_sgd_step *c, int flags) {
    const float negLR = c->negLR, wd = c->weightDecay, mu = c->momentum, oneMinusDampening = c->oneMinusDampening;
    for (long i = 0; i < n; i++) {
        float pi = p[i];
        float gi = descent_prepared_gradient(g[i], &pi, wd, 1, flags & 3);
        if (flags & 4) {
            float b = (flags & 8) ? gi : mu * buf[i] + oneMinusDampening * gi;
            buf[i] = b;
            gi = (flags & 16) ? gi + mu * b : b;
        }
        p[i] = pi + negLR * gi;
    }
}

/// One SGD step over n elements, as torch.optim.SGD (`buf` only with momentum):
///     g ← −g if maximize;  g ← g + λ·θ;  b ← g (first step) or μ·b + (1 − τ)·g;  g ← g + μ·b (Nesterov) or b
///     θ ← θ + (−lr)·g
DESCENT_KERNEL(void, descent_sgd_update,
               (float *restrict p, const float *restrict g, float *restrict buf, long n, const descent_sgd_step *c),
               (p, g, buf, n, c), {
    int flags = (c->maximize ? 1 : 0) | (c->decay ? 2 : 0) | (c->useMomentum ? 4 : 0)
        | (c->useMomentum && c->first ? 8 : 0) | (c->useMomentum && c->nesterov ? 16 : 0);
    switch (flags) {
    case 0: descent_sgd_pass(p, g, buf, n, c, 0); break;
    case 2: descent_sgd_pass(p, g, buf, n, c, 2); break;
    case 4: descent_sgd_pass(p, g, buf, n, c, 4); break;
    case 6: descent_sgd_pass(p, g, buf, n, c, 6); break;
    case 20: descent_sgd_pass(p, g, buf, n, c, 20); break;
    case 22: descent_sgd_pass(p, g, buf, n, c, 22); break;
    default: descent_sgd_pass(p, g, buf, n, c, flags); break;
    }
})

/// The RMSprop element pass with its options as constants (`flags`: 1 maximize, 2 weight decay, 4 centered,
/// 8 momentum, 16 the average's lerp weight 1 − α is ≥ 0.5).
DESCENT_INLINE void descent_rmsprop_pass(float *restrict p, const float *restrict g, float *restrict sq,
                                         float *restrict avg, float *restrict buf, long n,
                                         const descent_rmsprop_step *c, int flags) {
    const float negLR = c->negLR, alpha = c->alpha, w = c->oneMinusAlpha, eps = c->eps, wd = c->weightDecay,
                mu = c->momentum;
    for (long i = 0; i < n; i++) {
        float pi = p[i];
        float gi = descent_prepared_gradient(g[i], &pi, wd, 1, flags & 3);
        float s = alpha * sq[i] + w * gi * gi;
        sq[i] = s;
        float root;
        if (flags & 4) {
            float m = descent_lerp(avg[i], gi, w, flags & 16);
            avg[i] = m;
            root = __builtin_elementwise_sqrt(s - m * m);
        } else {
            root = __builtin_elementwise_sqrt(s);
        }
        root = root + eps;
        if (flags & 8) {
            float b = mu * buf[i] + gi / root;
            buf[i] = b;
            p[i] = pi + negLR * b;
        } else {
            p[i] = pi + negLR * gi / root;
        }
    }
}

/// One RMSprop step over n elements, as torch.optim.RMSprop (`avg` only when centered, `buf` only with momentum):
///     g ← −g if maximize;  g ← g + λ·θ;  s ← α·s + (1 − α)·g·g;  a ← lerp(a, g, 1 − α) (centered)
///     r ← √(s − a·a) (centered) or √s, then r + ε;  b ← μ·b + g/r, θ ← θ + (−lr)·b (momentum) or θ + (−lr)·g/r
DESCENT_KERNEL(void, descent_rmsprop_update,
               (float *restrict p, const float *restrict g, float *restrict sq, float *restrict avg, float *restrict buf,
                long n, const descent_rmsprop_step *c),
               (p, g, sq, avg, buf, n, c), {
    int flags = (c->maximize ? 1 : 0) | (c->decay ? 2 : 0) | (c->centered ? 4 : 0) | (c->useMomentum ? 8 : 0)
        | (c->centered && !(c->oneMinusAlpha < 0.5f) ? 16 : 0);
    switch (flags) {
    case 0: descent_rmsprop_pass(p, g, sq, avg, buf, n, c, 0); break;
    case 2: descent_rmsprop_pass(p, g, sq, avg, buf, n, c, 2); break;
    case 8: descent_rmsprop_pass(p, g, sq, avg, buf, n, c, 8); break;
    case 12: descent_rmsprop_pass(p, g, sq, avg, buf, n, c, 12); break;
    default: descent_rmsprop_pass(p, g, sq, avg, buf, n, c, flags); break;
    }
})

/// The Adagrad element pass with its options as constants (`flags`: 1 maximize, 2 weight decay).
DESCENT_INLINE void descent_adagrad_pass(float *restrict p, const float *restrict g, float *restrict sum, long n,
                                         float negLR, float eps, float wd, int flags) {
    for (long i = 0; i < n; i++) {
        float pi = p[i];
        float gi = descent_prepared_gradient(g[i], &pi, wd, 1, flags & 3);
        float s = sum[i] + gi * gi;
        sum[i] = s;
        p[i] = pi + negLR * gi / (__builtin_elementwise_sqrt(s) + eps);
    }
}

/// One Adagrad step over n elements, as torch.optim.Adagrad (negLR = −lr / (1 + (t − 1)·lr_decay)):
///     g ← −g if maximize;  g ← g + λ·θ;  s ← s + g·g;  θ ← θ + negLR·g / (√s + ε)
DESCENT_KERNEL(void, descent_adagrad_update,
               (float *restrict p, const float *restrict g, float *restrict sum, long n, float negLR, float eps,
                float weightDecay, int maximize, int decay),
               (p, g, sum, n, negLR, eps, weightDecay, maximize, decay), {
    int flags = (maximize ? 1 : 0) | (decay ? 2 : 0);
    switch (flags) {
    case 0: descent_adagrad_pass(p, g, sum, n, negLR, eps, weightDecay, 0); break;
    case 2: descent_adagrad_pass(p, g, sum, n, negLR, eps, weightDecay, 2); break;
    default: descent_adagrad_pass(p, g, sum, n, negLR, eps, weightDecay, flags); break;
    }
})

/// The Adamax element pass with its options as constants (`flags`: 1 maximize, 2 weight decay, 16 the moment's
/// lerp weight is ≥ 0.5).
DESCENT_INLINE void descent_adamax_pass(float *restrict p, const float *restrict g, float *restrict m, float *restrict u,
                                        long n, const descent_adamax_step *c, int flags) {
    const float w = c->oneMinusBeta1, beta2 = c->beta2, eps = c->eps, neg = c->negStepSize, wd = c->weightDecay;
    for (long i = 0; i < n; i++) {
        float pi = p[i];
        float gi = descent_prepared_gradient(g[i], &pi, wd, 1, flags & 3);
        float mi = descent_lerp(m[i], gi, w, flags & 16);
        m[i] = mi;
        float a = u[i] * beta2, b = __builtin_fabsf(gi) + eps;
        float ui = b >= a ? b : a;  // Swift.max(a, b), NaN included
        u[i] = ui;
        p[i] = pi + neg * mi / ui;
    }
}

/// One Adamax step over n elements, as torch.optim.Adamax:
///     g ← −g if maximize;  g ← g + λ·θ;  m ← lerp(m, g, 1 − β₁);  u ← max(β₂·u, |g| + ε)
///     θ ← θ + (−lr/(1 − β₁ᵗ))·m / u
DESCENT_KERNEL(void, descent_adamax_update,
               (float *restrict p, const float *restrict g, float *restrict m, float *restrict u, long n,
                const descent_adamax_step *c),
               (p, g, m, u, n, c), {
    int flags = (c->maximize ? 1 : 0) | (c->decay ? 2 : 0) | (c->oneMinusBeta1 < 0.5f ? 0 : 16);
    switch (flags) {
    case 0: descent_adamax_pass(p, g, m, u, n, c, 0); break;
    case 2: descent_adamax_pass(p, g, m, u, n, c, 2); break;
    default: descent_adamax_pass(p, g, m, u, n, c, flags); break;
    }
})

/// The NAdam element pass with its options as constants (`flags`: 1 maximize, 2 coupled decay, 4 decoupled decay,
/// 16 the moment's lerp weight is ≥ 0.5).
DESCENT_INLINE void descent_nadam_pass(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                       long n, const descent_nadam_step *c, int flags) {
    const float w = c->oneMinusBeta1, beta2 = c->beta2, oneMinusBeta2 = c->oneMinusBeta2, bc2 = c->biasCorrection2,
                eps = c->eps, wd = c->weightDecay, decay = c->decayFactor, gradCoefficient = c->gradCoefficient,
                momentCoefficient = c->momentCoefficient;
    for (long i = 0; i < n; i++) {
        float pi = p[i], mi, vi;
        float gi = descent_adam_moments(g[i], &pi, m + i, v + i, w, beta2, oneMinusBeta2, wd, decay, flags, &mi, &vi);
        float denom = __builtin_elementwise_sqrt(vi / bc2) + eps;
        float q = pi + gradCoefficient * gi / denom;
        p[i] = q + momentCoefficient * mi / denom;
    }
}

/// One NAdam step over n elements, as torch.optim.NAdam (the coefficients carry the momentum schedule μ_t):
///     g ← −g if maximize;  θ ← θ·(1 − lr·λ) (decoupled);  g ← g + λ·θ (coupled)
///     m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g·g;  d ← √(v / (1 − β₂ᵗ)) + ε
///     θ ← θ + c_g·g/d + c_m·m/d
DESCENT_KERNEL(void, descent_nadam_update,
               (float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                const descent_nadam_step *c),
               (p, g, m, v, n, c), {
    int flags = (c->maximize ? 1 : 0) | (c->coupledDecay ? 2 : 0) | (c->decoupledDecay ? 4 : 0)
        | (c->oneMinusBeta1 < 0.5f ? 0 : 16);
    switch (flags) {
    case 0: descent_nadam_pass(p, g, m, v, n, c, 0); break;
    case 2: descent_nadam_pass(p, g, m, v, n, c, 2); break;
    case 4: descent_nadam_pass(p, g, m, v, n, c, 4); break;
    default: descent_nadam_pass(p, g, m, v, n, c, flags); break;
    }
})

/// The RAdam element pass with its options as constants (`flags`: 1 maximize, 2 coupled decay, 4 decoupled decay,
/// 8 adaptive (rectified) step, 16 the moment's lerp weight is ≥ 0.5).
DESCENT_INLINE void descent_radam_pass(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                       long n, const descent_radam_step *c, int flags) {
    const float w = c->oneMinusBeta1, beta2 = c->beta2, oneMinusBeta2 = c->oneMinusBeta2, bc1 = c->biasCorrection1,
                lr = c->lr, bc2 = c->biasCorrection2Sqrt, rect = c->rectification, eps = c->eps, wd = c->weightDecay,
                decay = c->decayFactor;
    for (long i = 0; i < n; i++) {
        float pi = p[i], mi, vi;
        descent_adam_moments(g[i], &pi, m + i, v + i, w, beta2, oneMinusBeta2, wd, decay, flags, &mi, &vi);
        float corrected = mi / bc1 * lr;
        if (flags & 8) {
            float adaptiveLR = bc2 / (__builtin_elementwise_sqrt(vi) + eps);
            p[i] = pi - corrected * adaptiveLR * rect;
        } else {
            p[i] = pi - corrected;
        }
    }
}

/// One RAdam step over n elements, as torch.optim.RAdam:
///     g ← −g if maximize;  θ ← θ·(1 − lr·λ) (decoupled);  g ← g + λ·θ (coupled)
///     m ← lerp(m, g, 1 − β₁);  v ← β₂·v + (1 − β₂)·g·g;  m̂ ← m/(1 − β₁ᵗ)·lr
///     θ ← θ − m̂·(√(1 − β₂ᵗ)/(√v + ε))·r_t when ρ_t > 5 (adaptive), else θ − m̂
DESCENT_KERNEL(void, descent_radam_update,
               (float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                const descent_radam_step *c),
               (p, g, m, v, n, c), {
    int flags = (c->maximize ? 1 : 0) | (c->coupledDecay ? 2 : 0) | (c->decoupledDecay ? 4 : 0) | (c->adaptive ? 8 : 0)
        | (c->oneMinusBeta1 < 0.5f ? 0 : 16);
    switch (flags) {
    case 0: descent_radam_pass(p, g, m, v, n, c, 0); break;
    case 8: descent_radam_pass(p, g, m, v, n, c, 8); break;
    case 10: descent_radam_pass(p, g, m, v, n, c, 10); break;
    case 12: descent_radam_pass(p, g, m, v, n, c, 12); break;
    default: descent_radam_pass(p, g, m, v, n, c, flags); break;
    }
})
