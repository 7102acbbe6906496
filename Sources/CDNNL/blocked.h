// oneDNN primitives on activations kept in the blocked layout nChw16c (aBcd16b: [n][c/16][h][w][16], channels a
// multiple of 16) between layers (residual blocks, convolution stacks): the reorders between it and Descent's NCHW,
// and batch normalisation in training mode (batch statistics, scale and shift, ReLU fused) with its backward pass.
#ifndef DESCENT_CDNNL_BLOCKED_H
#define DESCENT_CDNNL_BLOCKED_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_version.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "convolution.h"

#if DNNL_VERSION_MAJOR < 3
/// A reorder of one [n, c, h, w] activation between NCHW and nChw16c.
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t from, to;
} descent_blocked_reorder;

/// Frees a reorder of descent_blocked_reorder_create (NULL is ignored).
static inline void descent_blocked_reorder_destroy(descent_blocked_reorder *r) {
    if (!r) return;
    if (r->primitive) dnnl_primitive_destroy(r->primitive);
    free(r);
}

/// Initialises `md` as the [n, c, h, w] float32 activation in nChw16c when blocked ≠ 0, else NCHW; 0 on failure.
static inline int descent_blocked_desc(dnnl_memory_desc_t *md, long n, long c, long h, long w, int blocked) {
    dnnl_dims_t dims = {n, c, h, w};
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, blocked ? dnnl_aBcd16b : dnnl_nchw) == dnnl_success;
}

/// Creates the reorder of an [n, c, h, w] activation from NCHW to nChw16c (toBlocked ≠ 0) or back; NULL on failure.
static inline descent_blocked_reorder *descent_blocked_reorder_create(dnnl_engine_t engine, long n, long c, long h,
                                                                      long w, int toBlocked) {
    if (!engine) return NULL;
    descent_blocked_reorder *r = (descent_blocked_reorder *)calloc(1, sizeof(descent_blocked_reorder));
    if (!r) return NULL;
    r->engine = engine;
    dnnl_primitive_desc_t pd = NULL;
    int ok = descent_blocked_desc(&r->from, n, c, h, w, !toBlocked) && descent_blocked_desc(&r->to, n, c, h, w, toBlocked)
        && dnnl_reorder_primitive_desc_create(&pd, &r->from, engine, &r->to, engine, NULL) == dnnl_success
        && dnnl_primitive_create(&r->primitive, pd) == dnnl_success;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (!ok) {
        descent_blocked_reorder_destroy(r);
        return NULL;
    }
    return r;
}

/// Runs the reorder from `from` into `to` with `stream` (of the reorder's engine); 0 on success.
static inline int descent_blocked_reorder_execute(const descent_blocked_reorder *r, dnnl_stream_t stream,
                                                  const float *from, float *to) {
    dnnl_memory_t a = NULL, b = NULL;
    int ok = dnnl_memory_create(&a, &r->from, r->engine, (void *)from) == dnnl_success
        && dnnl_memory_create(&b, &r->to, r->engine, to) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, a}, {DNNL_ARG_TO, b}};
        ok = dnnl_primitive_execute(r->primitive, stream, 2, args) == dnnl_success
            && dnnl_stream_wait(stream) == dnnl_success;
    }
    if (a) dnnl_memory_destroy(a);
    if (b) dnnl_memory_destroy(b);
    return ok ? 0 : 1;
}

/// Batch normalisation of an [n, c, h, w] activation in nChw16c, training mode: forward
/// y = γ·(x − μ)/√(σ² + eps) + β with the batch's mean μ and biased variance σ² (then max(·, 0) when relu), or
/// backward (∂x, ∂γ, ∂β from ∂y).
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t data, channel, workspace;
    int relu, backward;
} descent_blocked_bnorm;

/// Frees a primitive of descent_blocked_bnorm_create (NULL is ignored).
static inline void descent_blocked_bnorm_destroy(descent_blocked_bnorm *b) {
    if (!b) return;
    if (b->primitive) dnnl_primitive_destroy(b->primitive);
    free(b);
}

/// The passes of descent_blocked_bnorm_create.
enum {
    /// Training forward: the batch's statistics computed and used.
    DESCENT_BNORM_FORWARD = 0,
    /// Backward from the training forward's statistics.
    DESCENT_BNORM_BACKWARD = 1,
    /// Forward with the given statistics (mean and variance are inputs): the training forward's output again.
    DESCENT_BNORM_FORWARD_GIVEN = 2,
};

/// Creates pass `pass` (DESCENT_BNORM_…) of training-mode batch normalisation with scale and shift over an
/// [n, c, h, w] activation in nChw16c, ReLU fused when relu ≠ 0 (the training forward keeps its mask in a workspace
/// of descent_blocked_bnorm_workspace_bytes); only a JIT implementation is accepted. NULL on failure.
static inline descent_blocked_bnorm *descent_blocked_bnorm_create(dnnl_engine_t engine, long n, long c, long h, long w,
                                                                  float eps, int pass, int relu) {
    if (!engine) return NULL;
    descent_blocked_bnorm *b = (descent_blocked_bnorm *)calloc(1, sizeof(descent_blocked_bnorm));
    if (!b) return NULL;
    b->engine = engine;
    int backward = pass == DESCENT_BNORM_BACKWARD, given = pass == DESCENT_BNORM_FORWARD_GIVEN;
    // The forward with given statistics has no workspace: its ReLU is applied, not recorded.
    b->relu = relu && !given;
    b->backward = backward;
    dnnl_dims_t cd = {c};
    unsigned flags = dnnl_use_scale | dnnl_use_shift | (relu ? dnnl_fuse_norm_relu : 0)
        | (given ? dnnl_use_global_stats : 0);
    dnnl_batch_normalization_desc_t fwd, bwd;
    dnnl_primitive_desc_t hint = NULL, pd = NULL;
    int ok = descent_blocked_desc(&b->data, n, c, h, w, 1)
        && dnnl_memory_desc_init_by_tag(&b->channel, 1, cd, dnnl_f32, dnnl_x) == dnnl_success
        && dnnl_batch_normalization_forward_desc_init(&fwd, given ? dnnl_forward_inference : dnnl_forward_training,
                                                      &b->data, eps, flags) == dnnl_success
        && dnnl_primitive_desc_create(&hint, &fwd, NULL, engine, NULL) == dnnl_success;
    if (ok && backward) {
        ok = dnnl_batch_normalization_backward_desc_init(&bwd, dnnl_backward, &b->data, &b->data, eps, flags)
                == dnnl_success
            && dnnl_primitive_desc_create(&pd, &bwd, NULL, engine, hint) == dnnl_success;
    } else if (ok) {
        pd = hint;
        hint = NULL;
    }
    ok = ok && descent_pd_is_jit(pd);
    if (ok && b->relu) {
        const dnnl_memory_desc_t *ws = dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0);
        ok = ws != NULL;
        if (ok) b->workspace = *ws;
    }
    ok = ok && dnnl_primitive_create(&b->primitive, pd) == dnnl_success;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (!ok) {
        descent_blocked_bnorm_destroy(b);
        return NULL;
    }
    return b;
}

/// The bytes of the fused ReLU's workspace (0 without ReLU).
static inline size_t descent_blocked_bnorm_workspace_bytes(const descent_blocked_bnorm *b) {
    return b->relu ? dnnl_memory_desc_get_size(&b->workspace) : 0;
}

/// Runs the pass with `stream`. Forward reads `src`, `scale` (γ), `shift` (β) and writes `dst`, `mean`, `variance`
/// (biased) and the workspace (the forward with given statistics reads `mean` and `variance`); backward reads `src`, `mean`, `variance`, `diffDst`, `scale`, `shift` (which oneDNN
/// asks for without using it) and the workspace and writes `diffSrc`, `diffScale`, `diffShift` (`dst` unused).
/// Returns 0 on success.
static inline int descent_blocked_bnorm_execute(const descent_blocked_bnorm *b, dnnl_stream_t stream, const float *src,
                                                float *dst, const float *scale, const float *shift, float *mean,
                                                float *variance, void *workspace, const float *diffDst,
                                                float *diffSrc, float *diffScale, float *diffShift) {
    enum { MAX = 12 };
    dnnl_memory_t memory[MAX];
    dnnl_exec_arg_t args[MAX];
    int count = 0, ok = 1;
    const dnnl_memory_desc_t *data = &b->data, *channel = &b->channel;
#define DESCENT_BNORM_ARG(argument, desc, pointer)                                                                    \
    if (ok) {                                                                                                       \
        ok = dnnl_memory_create(&memory[count], desc, b->engine, (void *)(pointer)) == dnnl_success;                \
        if (ok) {                                                                                                   \
            args[count] = (dnnl_exec_arg_t){argument, memory[count]};                                               \
            count++;                                                                                                \
        }                                                                                                           \
    }
    DESCENT_BNORM_ARG(DNNL_ARG_SRC, data, src)
    DESCENT_BNORM_ARG(DNNL_ARG_SCALE, channel, scale)
    DESCENT_BNORM_ARG(DNNL_ARG_SHIFT, channel, shift)
    DESCENT_BNORM_ARG(DNNL_ARG_MEAN, channel, mean)
    DESCENT_BNORM_ARG(DNNL_ARG_VARIANCE, channel, variance)
    if (b->relu) { DESCENT_BNORM_ARG(DNNL_ARG_WORKSPACE, &b->workspace, workspace) }
    if (b->backward) {
        DESCENT_BNORM_ARG(DNNL_ARG_DIFF_DST, data, diffDst)
        DESCENT_BNORM_ARG(DNNL_ARG_DIFF_SRC, data, diffSrc)
        DESCENT_BNORM_ARG(DNNL_ARG_DIFF_SCALE, channel, diffScale)
        DESCENT_BNORM_ARG(DNNL_ARG_DIFF_SHIFT, channel, diffShift)
    } else {
        DESCENT_BNORM_ARG(DNNL_ARG_DST, data, dst)
    }
#undef DESCENT_BNORM_ARG
    ok = ok && dnnl_primitive_execute(b->primitive, stream, count, args) == dnnl_success
        && dnnl_stream_wait(stream) == dnnl_success;
    for (int i = 0; i < count; i++) dnnl_memory_destroy(memory[i]);
    return ok ? 0 : 1;
}

#else
// oneDNN 3 changed the descriptor API; until Descent is built against it, residual blocks run in NCHW there.
/// Never created with oneDNN 3.
typedef struct { int unused; } descent_blocked_reorder;
/// Never created with oneDNN 3.
typedef struct { int unused; } descent_blocked_bnorm;

/// Reports no primitive: the caller keeps NCHW.
static inline descent_blocked_reorder *descent_blocked_reorder_create(dnnl_engine_t engine, long n, long c, long h,
                                                                      long w, int toBlocked) {
    (void)engine; (void)n; (void)c; (void)h; (void)w; (void)toBlocked;
    return NULL;
}
/// Frees nothing.
static inline void descent_blocked_reorder_destroy(descent_blocked_reorder *r) { (void)r; }
/// Reports failure.
static inline int descent_blocked_reorder_execute(const descent_blocked_reorder *r, dnnl_stream_t stream,
                                                  const float *from, float *to) {
    (void)r; (void)stream; (void)from; (void)to;
    return 1;
}
/// Reports no primitive: the caller keeps NCHW.
static inline descent_blocked_bnorm *descent_blocked_bnorm_create(dnnl_engine_t engine, long n, long c, long h, long w,
                                                                  float eps, int pass, int relu) {
    (void)engine; (void)n; (void)c; (void)h; (void)w; (void)eps; (void)pass; (void)relu;
    return NULL;
}
/// Frees nothing.
static inline void descent_blocked_bnorm_destroy(descent_blocked_bnorm *b) { (void)b; }
/// No workspace.
static inline size_t descent_blocked_bnorm_workspace_bytes(const descent_blocked_bnorm *b) {
    (void)b;
    return 0;
}
/// Reports failure.
static inline int descent_blocked_bnorm_execute(const descent_blocked_bnorm *b, dnnl_stream_t stream, const float *src,
                                                float *dst, const float *scale, const float *shift, float *mean,
                                                float *variance, void *workspace, const float *diffDst,
                                                float *diffSrc, float *diffScale, float *diffShift) {
    (void)b; (void)stream; (void)src; (void)dst; (void)scale; (void)shift; (void)mean; (void)variance;
    (void)workspace; (void)diffDst; (void)diffSrc; (void)diffScale; (void)diffShift;
    return 1;
}
#endif

#endif
