// Elementwise and convolution helper kernels of Descent, in C so that they can use the vector width of the
// machine they run on. Swift compiles for the baseline x86-64 (SSE2) unless given unsafe flags; these kernels are
// compiled three times (AVX-512, AVX2+FMA, baseline) through target attributes and the widest one the CPU (and
// the operating system) supports is chosen once, at run time. All pointers are to float32; `n` counts elements.
#ifndef DESCENT_CDNNL_KERNELS_H
#define DESCENT_CDNNL_KERNELS_H

#include <stddef.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>
#define DESCENT_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi,bmi2")))
#define DESCENT_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2")))
#define DESCENT_MULTIVERSION 1
#else
#define DESCENT_MULTIVERSION 0
#endif

/// 2: AVX-512 (F, VL, BW, DQ), 1: AVX2 with FMA, 0: baseline; decided once from cpuid and XCR0.
static inline int descent_isa(void) {
#if DESCENT_MULTIVERSION
    static int isa = -1;
    if (isa >= 0) return isa;
    unsigned a = 0, b = 0, c = 0, d = 0;
    int level = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
        unsigned long long xcr0 = 0;
        if (osxsave) {
            unsigned lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            xcr0 = ((unsigned long long)hi << 32) | lo;
        }
        unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0;
        __cpuid_count(7, 0, a7, b7, c7, d7);
        int avx2 = (b7 >> 5) & 1, bmi1 = (b7 >> 3) & 1, bmi2 = (b7 >> 8) & 1;
        int avx512 = ((b7 >> 16) & 1) && ((b7 >> 17) & 1) && ((b7 >> 30) & 1) && ((b7 >> 31) & 1);
        if (avx && fma && avx2 && bmi1 && bmi2 && (xcr0 & 6) == 6) {
            level = 1;
            if (avx512 && (xcr0 & 0xe6) == 0xe6) level = 2;
        }
    }
    isa = level;
    return isa;
#else
    return 0;
#endif
}

// DESCENT_KERNEL(ret, name, (params), (args), { body }) defines name_avx512, name_avx2 and name_generic with the
// same body and `name`, which calls the widest one available.
#if DESCENT_MULTIVERSION
#define DESCENT_KERNEL(ret, name, params, args, ...)                                  \
    DESCENT_TARGET_AVX512 static inline ret name##_avx512 params __VA_ARGS__          \
    DESCENT_TARGET_AVX2 static inline ret name##_avx2 params __VA_ARGS__              \
    static inline ret name##_generic params __VA_ARGS__                               \
    static inline ret name params {                                                   \
        switch (descent_isa()) {                                                      \
        case 2: return name##_avx512 args;                                            \
        case 1: return name##_avx2 args;                                              \
        default: return name##_generic args;                                          \
        }                                                                             \
    }
#define DESCENT_KERNEL_NO_BUILTINS(ret, name, params, args, ...)                      \
    DESCENT_TARGET_AVX512 DESCENT_NO_BUILTINS static inline ret name##_avx512 params __VA_ARGS__ \
    DESCENT_TARGET_AVX2 DESCENT_NO_BUILTINS static inline ret name##_avx2 params __VA_ARGS__ \
    DESCENT_NO_BUILTINS static inline ret name##_generic params __VA_ARGS__           \
    static inline ret name params {                                                   \
        switch (descent_isa()) {                                                      \
        case 2: return name##_avx512 args;                                            \
        case 1: return name##_avx2 args;                                              \
        default: return name##_generic args;                                          \
        }                                                                             \
    }
#else
#define DESCENT_KERNEL(ret, name, params, args, ...) static inline ret name params __VA_ARGS__
#define DESCENT_KERNEL_NO_BUILTINS(ret, name, params, args, ...) static inline ret name params __VA_ARGS__
#endif

// Short copies written as loops stay inline vector loops instead of becoming calls to memcpy / memset.
#if defined(__clang__)
#define DESCENT_NO_BUILTINS __attribute__((no_builtin("memcpy", "memset", "memmove")))
#else
#define DESCENT_NO_BUILTINS
#endif

// Reductions may be reassociated (summed in vector lanes, then across them); everything else is evaluated as
// written, without contracting a·b + c into a fused multiply-add, so that an elementwise kernel gives the same
// values whatever the vector width.
#define DESCENT_REASSOCIATE _Pragma("clang fp reassociate(on)")
/// Helpers inlined into the kernels (and so compiled at each kernel's vector width).
#define DESCENT_INLINE static inline __attribute__((always_inline))
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

/// The coefficients of one Adam or AdamW step over a parameter (Descent's AdamRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, oneMinusBeta2, negStepSize, biasCorrection2Sqrt, eps, weightDecay, decayFactor;
    int maximize, coupledDecay, decoupledDecay;
} descent_adam_step;

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

/// The coefficients of one SGD step over a parameter (Descent's SGDRule.Constants, in C).
typedef struct {
    float negLR, weightDecay, momentum, oneMinusDampening;
    int maximize, decay, useMomentum, first, nesterov;
} descent_sgd_step;

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

/// The coefficients of one RMSprop step over a parameter (Descent's RMSpropRule.Constants, in C).
typedef struct {
    float negLR, alpha, oneMinusAlpha, eps, weightDecay, momentum;
    int maximize, decay, centered, useMomentum;
} descent_rmsprop_step;

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

/// The coefficients of one Adamax step over a parameter (Descent's AdamaxRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, eps, negStepSize, weightDecay;
    int maximize, decay;
} descent_adamax_step;

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

/// The coefficients of one NAdam step over a parameter (Descent's NAdamRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection2, eps, weightDecay, decayFactor, gradCoefficient,
        momentCoefficient;
    int maximize, coupledDecay, decoupledDecay;
} descent_nadam_step;

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

/// The coefficients of one RAdam step over a parameter (Descent's RAdamRule.Constants, in C).
typedef struct {
    float oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection1, lr, biasCorrection2Sqrt, rectification, eps,
        weightDecay, decayFactor;
    int adaptive, maximize, coupledDecay, decoupledDecay;
} descent_radam_step;

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

// Short copies, fills and sums over rows of floats with explicit vectors (unaligned), inlined into each kernel and
// so compiled at the kernel's vector width. Rows in convolutions are short (8 to 64 floats), too short for memcpy
// calls and too irregular for the loop vectorizer.
typedef float descent_f16 __attribute__((vector_size(64), aligned(4)));
typedef float descent_f8 __attribute__((vector_size(32), aligned(4)));
typedef float descent_f4 __attribute__((vector_size(16), aligned(4)));

/// d[0..<n] = s[0..<n] (the ranges must not overlap)
DESCENT_INLINE void descent_copy(float *restrict d, const float *restrict s, long n) {
    if (n >= 16) {
        long t = 0;
        for (; t + 16 <= n; t += 16) *(descent_f16 *)(d + t) = *(const descent_f16 *)(s + t);
        if (t < n) *(descent_f16 *)(d + n - 16) = *(const descent_f16 *)(s + n - 16);
    } else if (n >= 8) {
        *(descent_f8 *)d = *(const descent_f8 *)s;
        *(descent_f8 *)(d + n - 8) = *(const descent_f8 *)(s + n - 8);
    } else if (n >= 4) {
        *(descent_f4 *)d = *(const descent_f4 *)s;
        *(descent_f4 *)(d + n - 4) = *(const descent_f4 *)(s + n - 4);
    } else {
        for (long t = 0; t < n; t++) d[t] = s[t];
    }
}

/// d[0..<n] = 0
DESCENT_INLINE void descent_zero(float *d, long n) {
    const descent_f16 z16 = {0};
    const descent_f8 z8 = {0};
    const descent_f4 z4 = {0};
    if (n >= 16) {
        long t = 0;
        for (; t + 16 <= n; t += 16) *(descent_f16 *)(d + t) = z16;
        if (t < n) *(descent_f16 *)(d + n - 16) = z16;
    } else if (n >= 8) {
        *(descent_f8 *)d = z8;
        *(descent_f8 *)(d + n - 8) = z8;
    } else if (n >= 4) {
        *(descent_f4 *)d = z4;
        *(descent_f4 *)(d + n - 4) = z4;
    } else {
        for (long t = 0; t < n; t++) d[t] = 0;
    }
}

/// d[0..<n] += s[0..<n]
DESCENT_INLINE void descent_accumulate(float *restrict d, const float *restrict s, long n) {
    long t = 0;
    for (; t + 16 <= n; t += 16) *(descent_f16 *)(d + t) += *(const descent_f16 *)(s + t);
    if (t + 8 <= n) { *(descent_f8 *)(d + t) += *(const descent_f8 *)(s + t); t += 8; }
    if (t + 4 <= n) { *(descent_f4 *)(d + t) += *(const descent_f4 *)(s + t); t += 4; }
    for (; t < n; t++) d[t] += s[t];
}

/// Transposes the 8×8 block at src (row stride ls) into dst (row stride ld): dst[j·ld + i] = src[i·ls + j].
DESCENT_INLINE void descent_transpose8(const float *restrict src, long ls, float *restrict dst, long ld) {
    descent_f8 r0 = *(const descent_f8 *)(src), r1 = *(const descent_f8 *)(src + ls);
    descent_f8 r2 = *(const descent_f8 *)(src + 2 * ls), r3 = *(const descent_f8 *)(src + 3 * ls);
    descent_f8 r4 = *(const descent_f8 *)(src + 4 * ls), r5 = *(const descent_f8 *)(src + 5 * ls);
    descent_f8 r6 = *(const descent_f8 *)(src + 6 * ls), r7 = *(const descent_f8 *)(src + 7 * ls);
    descent_f8 t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
    descent_f8 t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);
    descent_f8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    descent_f8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    descent_f8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    descent_f8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    descent_f8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    *(descent_f8 *)(dst) = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + ld) = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + 2 * ld) = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + 3 * ld) = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
    *(descent_f8 *)(dst + 4 * ld) = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
    *(descent_f8 *)(dst + 5 * ld) = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
    *(descent_f8 *)(dst + 6 * ld) = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
    *(descent_f8 *)(dst + 7 * ld) = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
}

/// The geometry of a 2-D convolution for im2col / col2im (one group of one image).
typedef struct {
    long channels, height, width;   // input planes of the group
    long kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    long outH, outW;
} descent_conv_geometry;

/// d[0..<n] = s[0..<n] for one row of a column matrix; the common widths are straight-line vector moves.
DESCENT_INLINE void descent_copy_row(float *restrict d, const float *restrict s, long n) {
    switch (n) {
    case 8: *(descent_f8 *)d = *(const descent_f8 *)s; return;
    case 16: *(descent_f16 *)d = *(const descent_f16 *)s; return;
    case 32:
        *(descent_f16 *)d = *(const descent_f16 *)s;
        *(descent_f16 *)(d + 16) = *(const descent_f16 *)(s + 16);
        return;
    default: descent_copy(d, s, n);
    }
}

/// d[0..<n] += s[0..<n] for one row of a column matrix.
DESCENT_INLINE void descent_accumulate_row(float *restrict d, const float *restrict s, long n) {
    switch (n) {
    case 8: *(descent_f8 *)d += *(const descent_f8 *)s; return;
    case 16: *(descent_f16 *)d += *(const descent_f16 *)s; return;
    case 32:
        *(descent_f16 *)d += *(const descent_f16 *)s;
        *(descent_f16 *)(d + 16) += *(const descent_f16 *)(s + 16);
        return;
    default: descent_accumulate(d, s, n);
    }
}

/// The padded planes of one group: dst[c][(h + padH)·Wp + w + padW] = src[c][h][w], Wp = width + 2·padW, 0 on
/// the borders (Hp = height + 2·padH rows per plane).
DESCENT_KERNEL_NO_BUILTINS(void, descent_pad_planes, (const descent_conv_geometry *geo, const float *restrict src, float *restrict dst),
               (geo, src, dst), {
    const long H = geo->height, W = geo->width, pH = geo->padH, pW = geo->padW, Wp = W + 2 * pW;
    const long planeP = (H + 2 * pH) * Wp;
    for (long c = 0; c < geo->channels; c++) {
        float *p = dst + c * planeP;
        const float *q = src + c * H * W;
        descent_zero(p, pH * Wp + pW);
        for (long h = 0; h < H; h++) {
            float *row = p + (h + pH) * Wp + pW;
            descent_copy_row(row, q + h * W, W);
            if (h + 1 < H) descent_zero(row + W, 2 * pW);
        }
        descent_zero(p + (H - 1 + pH) * Wp + pW + W, pW + pH * Wp);
    }
})

/// dst[c][h][w] = src[c][(h + padH)·Wp + w + padW] (+ bias[c] when bias ≠ NULL): the inverse of descent_pad_planes.
DESCENT_KERNEL_NO_BUILTINS(void, descent_unpad_planes,
               (const descent_conv_geometry *geo, const float *restrict src, const float *restrict bias, float *restrict dst),
               (geo, src, bias, dst), {
    const long H = geo->height, W = geo->width, pH = geo->padH, pW = geo->padW, Wp = W + 2 * pW;
    const long planeP = (H + 2 * pH) * Wp;
    for (long c = 0; c < geo->channels; c++) {
        const float *p = src + c * planeP;
        float *q = dst + c * H * W;
        for (long h = 0; h < H; h++) descent_copy_row(q + h * W, p + (h + pH) * Wp + pW, W);
        if (bias) {
            float b = bias[c];
            for (long t = 0; t < H * W; t++) q[t] += b;
        }
    }
})

/// The column matrix of one group from its padded planes (descent_pad_planes):
/// cols[(c·kH + i)·kW + j][oh·oW + ow] = pad[c][(oh·sH + i·dH)·Wp + ow·sW + j·dW].
DESCENT_KERNEL_NO_BUILTINS(void, descent_im2col_padded,
               (const descent_conv_geometry *geo, const float *restrict pad, float *restrict cols),
               (geo, pad, cols), {
    const long oH = geo->outH, oW = geo->outW, hw = oH * oW, Wp = geo->width + 2 * geo->padW;
    const long planeP = (geo->height + 2 * geo->padH) * Wp;
    const long kH = geo->kernelH, kW = geo->kernelW, sH = geo->strideH, sW = geo->strideW;
    for (long c = 0; c < geo->channels; c++) {
        for (long i = 0; i < kH; i++) {
            for (long j = 0; j < kW; j++) {
                float *row = cols + ((c * kH + i) * kW + j) * hw;
                const float *base = pad + c * planeP + i * geo->dilationH * Wp + j * geo->dilationW;
                for (long oh = 0; oh < oH; oh++) {
                    const float *s = base + oh * sH * Wp;
                    float *d = row + oh * oW;
                    if (sW == 1) {
                        descent_copy_row(d, s, oW);
                    } else {
                        for (long ow = 0; ow < oW; ow++) d[ow] = s[ow * sW];
                    }
                }
            }
        }
    }
})

/// The adjoint of descent_im2col_padded: pad is zeroed, then pad[c][…] += cols[…] at the same positions.
DESCENT_KERNEL_NO_BUILTINS(void, descent_col2im_padded,
               (const descent_conv_geometry *geo, const float *restrict cols, float *restrict pad),
               (geo, cols, pad), {
    const long oH = geo->outH, oW = geo->outW, hw = oH * oW, Wp = geo->width + 2 * geo->padW;
    const long planeP = (geo->height + 2 * geo->padH) * Wp;
    const long kH = geo->kernelH, kW = geo->kernelW, sH = geo->strideH, sW = geo->strideW;
    descent_zero(pad, geo->channels * planeP);
    for (long c = 0; c < geo->channels; c++) {
        for (long i = 0; i < kH; i++) {
            for (long j = 0; j < kW; j++) {
                const float *row = cols + ((c * kH + i) * kW + j) * hw;
                float *base = pad + c * planeP + i * geo->dilationH * Wp + j * geo->dilationW;
                for (long oh = 0; oh < oH; oh++) {
                    float *d = base + oh * sH * Wp;
                    const float *s = row + oh * oW;
                    if (sW == 1) {
                        descent_accumulate_row(d, s, oW);
                    } else {
                        for (long ow = 0; ow < oW; ow++) d[ow * sW] += s[ow];
                    }
                }
            }
        }
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

/// The image of one group in channels-last order with its zero padding:
/// dst[(h + padH)·Wp + (w + padW)][c] = src[c][h][w], Wp = width + 2·padW, and 0 on the borders.
DESCENT_KERNEL_NO_BUILTINS(void, descent_pad_to_hwc, (const descent_conv_geometry *geo, const float *restrict src, float *restrict dst),
               (geo, src, dst), {
    const long C = geo->channels, H = geo->height, W = geo->width, pH = geo->padH, pW = geo->padW;
    const long Wp = W + 2 * pW, rowLen = Wp * C, plane = H * W;
    descent_zero(dst, pH * rowLen);
    descent_zero(dst + (H + pH) * rowLen, pH * rowLen);
    for (long h = 0; h < H; h++) {
        float *row = dst + (h + pH) * rowLen;
        descent_zero(row, pW * C);
        descent_zero(row + (W + pW) * C, pW * C);
        float *body = row + pW * C;
        const float *s = src + h * W;
        long c0 = 0;
        // 8 channels × 8 columns at a time through an in-register transpose.
        for (; c0 + 8 <= C; c0 += 8) {
            long w0 = 0;
            for (; w0 + 8 <= W; w0 += 8) descent_transpose8(s + c0 * plane + w0, plane, body + w0 * C + c0, C);
            for (; w0 < W; w0++)
                for (long c = c0; c < c0 + 8; c++) body[w0 * C + c] = s[c * plane + w0];
        }
        for (long w = 0; w < W; w++)
            for (long c = c0; c < C; c++) body[w * C + c] = s[c * plane + w];
    }
})

/// The transposed column matrix of one group ("im2row"), one row per output position, from the padded
/// channels-last image of descent_pad_to_hwc: rows[oh·oW + ow][(i·kW + j)·C + c] = hwc[(oh·sH + i·dH)·Wp + ow·sW + j·dW][c].
DESCENT_KERNEL_NO_BUILTINS(void, descent_im2row, (const descent_conv_geometry *geo, const float *restrict hwc, float *restrict rows),
               (geo, hwc, rows), {
    const long C = geo->channels, Wp = geo->width + 2 * geo->padW;
    const long kH = geo->kernelH, kW = geo->kernelW, sH = geo->strideH, sW = geo->strideW;
    const long dH = geo->dilationH, dW = geo->dilationW, oH = geo->outH, oW = geo->outW;
    const long rowLen = kH * kW * C;
    for (long oh = 0; oh < oH; oh++) {
        for (long ow = 0; ow < oW; ow++) {
            float *d = rows + (oh * oW + ow) * rowLen;
            for (long i = 0; i < kH; i++) {
                const float *s = hwc + ((oh * sH + i * dH) * Wp + ow * sW) * C;
                if (dW == 1) {
                    descent_copy(d, s, kW * C);
                    d += kW * C;
                } else {
                    for (long j = 0; j < kW; j++) {
                        descent_copy(d, s + j * dW * C, C);
                        d += C;
                    }
                }
            }
        }
    }
})

typedef int descent_i8 __attribute__((vector_size(32), aligned(4)));
typedef int descent_i4 __attribute__((vector_size(16), aligned(4)));

// One block of 2×2 / stride 2 max pooling: LANES outputs starting at column ow of output row oh, from input rows
// r0 and r1 (VF/VI: float and int vectors of LANES, VF2: float vector of 2·LANES). Writes the maxima to d and, when
// ix is not NULL, their flat positions base + 2·ow + {0, 1, W, W + 1} to ix.
#define DESCENT_EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define DESCENT_ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define DESCENT_STEP8 ((descent_i8){0, 2, 4, 6, 8, 10, 12, 14})
#define DESCENT_EVEN4 0, 2, 4, 6
#define DESCENT_ODD4 1, 3, 5, 7
#define DESCENT_STEP4 ((descent_i4){0, 2, 4, 6})
#define DESCENT_MAX_POOL_BLOCK(VF, VI, VF2, LANES, EVEN, ODD, STEP)                                          \
    {                                                                                                        \
        VF2 top = *(const VF2 *)(r0 + 2 * ow), bottom = *(const VF2 *)(r1 + 2 * ow);                         \
        VF best = __builtin_shufflevector(top, top, EVEN);                                                   \
        VF b = __builtin_shufflevector(top, top, ODD);                                                       \
        VF c = __builtin_shufflevector(bottom, bottom, EVEN);                                                \
        VF e = __builtin_shufflevector(bottom, bottom, ODD);                                                 \
        VI mb = (b > best) | (b != b);                                                                       \
        best = (VF)(((VI)b & mb) | ((VI)best & ~mb));                                                        \
        VI mc = (c > best) | (c != c);                                                                       \
        best = (VF)(((VI)c & mc) | ((VI)best & ~mc));                                                        \
        VI me = (e > best) | (e != e);                                                                       \
        best = (VF)(((VI)e & me) | ((VI)best & ~me));                                                        \
        *(VF *)(d + ow) = best;                                                                              \
        if (ix) {                                                                                            \
            VI k = (VI){0} - mb;                                                                             \
            k = (((VI){0} + w) & mc) | (k & ~mc);                                                            \
            k = (((VI){0} + (w + 1)) & me) | (k & ~me);                                                      \
            *(VI *)(ix + ow) = (VI)STEP + (int)(base + 2 * ow) + k;                                          \
        }                                                                                                    \
    }

/// 2×2 max pooling with stride 2 of one plane (row stride W, at least 2·oW columns and 2·oH rows):
/// dst[oh][ow] = the maximum of the window at (2·oh, 2·ow) and, when idx is not NULL, idx[oh][ow] = its flat position
/// in the plane. The window is scanned in row-major order and a later value wins when it is larger or NaN (PyTorch's
/// rule). Rows are done in blocks of 8 (or 4) outputs; a last partial block is redone as the block ending at oW.
DESCENT_KERNEL(void, descent_max_pool_2x2, (const float *restrict src, long W, float *restrict dst, int *restrict idx,
                                            long oH, long oW),
               (src, W, dst, idx, oH, oW), {
    for (long oh = 0; oh < oH; oh++) {
        const float *r0 = src + 2 * oh * W, *r1 = r0 + W;
        float *d = dst + oh * oW;
        int *ix = idx ? idx + oh * oW : NULL;
        const int base = (int)(2 * oh * W), w = (int)W;
        if (oW >= 8) {
            for (long next = 0; next < oW; next += 8) {
                const long ow = next + 8 <= oW ? next : oW - 8;
                DESCENT_MAX_POOL_BLOCK(descent_f8, descent_i8, descent_f16, 8, DESCENT_EVEN8, DESCENT_ODD8,
                                       DESCENT_STEP8)
            }
        } else if (oW >= 4) {
            for (long next = 0; next < oW; next += 4) {
                const long ow = next + 4 <= oW ? next : oW - 4;
                DESCENT_MAX_POOL_BLOCK(descent_f4, descent_i4, descent_f8, 4, DESCENT_EVEN4, DESCENT_ODD4,
                                       DESCENT_STEP4)
            }
        } else {
            for (long ow = 0; ow < oW; ow++) {
                const float *p = r0 + 2 * ow, *q = r1 + 2 * ow;
                float best = p[0];
                int k = 0;
                if (p[1] > best || p[1] != p[1]) { best = p[1]; k = 1; }
                if (q[0] > best || q[0] != q[0]) { best = q[0]; k = w; }
                if (q[1] > best || q[1] != q[1]) { best = q[1]; k = w + 1; }
                d[ow] = best;
                if (ix) ix[ow] = base + (int)(2 * ow) + k;
            }
        }
    }
})

/// The input gradient of 2×2 max pooling with stride 2 of one plane (H rows of W floats), in one sequential pass:
/// dst[h][w] = 0 + g[oh][ow] at the window's maximum idx[oh][ow] (a flat position in the plane, as
/// descent_max_pool_2x2 records it) and +0 everywhere else, also in a last row or column that no window covers;
/// the same values as zeroing the plane and adding each gradient at its maximum. With `y` (the pooled output of a
/// fused ReLU), a window's gradient passes only where not y ≤ 0.
DESCENT_KERNEL(void, descent_max_pool_2x2_backward,
               (const float *restrict g, const float *restrict y, const int *restrict idx, float *restrict dst, long H,
                long W, long oH, long oW),
               (g, y, idx, dst, H, W, oH, oW), {
    for (long oh = 0; oh < oH; oh++) {
        float *r0 = dst + 2 * oh * W, *r1 = r0 + W;
        const float *gr = g + oh * oW, *yr = y ? y + oh * oW : NULL;
        const int *ir = idx + oh * oW;
        const long base = 2 * oh * W;
        long ow = 0;
        if (oW >= 8) {
            // Blocks of 8 windows (16 columns of both rows); a last partial block is redone as the block ending at oW.
            // Selections are bit masks (all ones or +0.0) on the gradient's bits.
            const descent_i8 lanes = {0, 2, 4, 6, 8, 10, 12, 14};
            for (long next = 0; next < oW; next += 8) {
                const long at = next + 8 <= oW ? next : oW - 8;
                descent_i8 v = (descent_i8)(*(const descent_f8 *)(gr + at) + 0.0f);
                if (yr) v &= ~(*(const descent_f8 *)(yr + at) <= 0);
                const descent_i8 k = *(const descent_i8 *)(ir + at) - (int)(base + 2 * at) - lanes;
                const descent_f8 tl = (descent_f8)(v & (k == 0)), tr = (descent_f8)(v & (k == 1));
                const descent_f8 bl = (descent_f8)(v & (k == (int)W)), br = (descent_f8)(v & (k == (int)W + 1));
                *(descent_f16 *)(r0 + 2 * at) = __builtin_shufflevector(tl, tr, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
                *(descent_f16 *)(r1 + 2 * at) = __builtin_shufflevector(bl, br, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
            }
            ow = oW;
        }
        for (; ow < oW; ow++) {
            float v = yr && yr[ow] <= 0 ? 0 : gr[ow] + 0.0f;
            const long k = ir[ow] - base - 2 * ow;  // 0, 1, W or W + 1
            r0[2 * ow] = k == 0 ? v : 0;
            r0[2 * ow + 1] = k == 1 ? v : 0;
            r1[2 * ow] = k == W ? v : 0;
            r1[2 * ow + 1] = k == W + 1 ? v : 0;
        }
        for (long w = 2 * oW; w < W; w++) {
            r0[w] = 0;
            r1[w] = 0;
        }
    }
    for (long h = 2 * oH; h < H; h++) descent_zero(dst + h * W, W);
})

#if defined(__clang__)
#pragma clang fp contract(on)
#endif

#endif
