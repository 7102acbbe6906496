// oneDNN's convolution primitives for Conv2d and ConvTranspose2d: the forward pass (bias fused, ReLU as a post-op),
// the input gradient (backward data) and the weight gradient with the bias gradient (backward weights), on plain
// NCHW tensors and OIHW (GOIHW with groups) weights as Descent stores them. With `anyLayout` the primitive picks its
// own (blocked) layouts and each call reorders the operands into and out of them (the reorders are part of the call).
#ifndef DESCENT_CDNNL_CONVOLUTION_H
#define DESCENT_CDNNL_CONVOLUTION_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_version.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/// The geometry of a whole batched 2-D convolution: image [batch, inChannels, height, width], output
/// [batch, outChannels, outHeight, outWidth], weight [outChannels, inChannels / groups, kernelH, kernelW];
/// dilation 1 is the plain kernel.
typedef struct {
    long batch, inChannels, height, width, outChannels, outHeight, outWidth, groups;
    long kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
} descent_conv_shape;

/// Whether the primitive descriptor `pd` is one of oneDNN's JIT implementations (its name contains "jit":
/// `jit:avx512_core`, `bnorm_jit:…`), not a reference or GEMM-based one; the blocked-layout paths accept only those.
static inline int descent_pd_is_jit(const_dnnl_primitive_desc_t pd) {
    const char *impl = NULL;
    return pd && dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl
        && strstr(impl, "jit") != NULL;
}

/// descent_convolution_create's layouts for activations kept by the caller in nChw16c: both the image and the output
/// (BLOCKED_ACTIVATIONS), or the output only, the image in NCHW (BLOCKED_OUTPUT).
enum { DESCENT_CONV_BLOCKED_ACTIVATIONS = 2, DESCENT_CONV_BLOCKED_OUTPUT = 3 };

/// Which pass of the convolution a primitive computes.
typedef enum {
    /// dst = conv(src, weights) + bias, then max(·, 0) with relu.
    DESCENT_CONV_FORWARD = 0,
    /// src = convᵀ(dst, weights): the input gradient from the output gradient.
    DESCENT_CONV_BACKWARD_DATA = 1,
    /// weights = Σ dst ⋆ src and bias = Σ dst: the weight and bias gradients from the output gradient.
    DESCENT_CONV_BACKWARD_WEIGHTS = 2,
} descent_conv_pass;

#if DNNL_VERSION_MAJOR < 3
/// One operand of a convolution: Descent's plain layout, the primitive's layout, and the reorder between them (NULL
/// when they are the same).
typedef struct {
    dnnl_memory_desc_t user, inner;
    dnnl_primitive_t reorder;
    int arg, output, used;
} descent_conv_operand;

/// The operands in the order of descent_convolution_execute's pointers.
enum { DESCENT_CONV_SRC = 0, DESCENT_CONV_WEIGHTS = 1, DESCENT_CONV_BIAS = 2, DESCENT_CONV_DST = 3 };

/// A convolution primitive with its operands.
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
    descent_conv_operand operand[4];
} descent_convolution;

/// Frees a primitive of descent_convolution_create with its reorders (NULL is ignored).
static inline void descent_convolution_destroy(descent_convolution *conv) {
    if (!conv) return;
    for (int i = 0; i < 4; i++)
        if (conv->operand[i].reorder) dnnl_primitive_destroy(conv->operand[i].reorder);
    if (conv->primitive) dnnl_primitive_destroy(conv->primitive);
    free(conv);
}

/// Fills `op` with the user layout `user`, the primitive's layout of `query` (number `index`) in `pd`, and the reorder between them;
/// returns 0 on failure.
static inline int descent_conv_operand_init(descent_conv_operand *op, dnnl_engine_t engine, const dnnl_memory_desc_t *user,
                                            const_dnnl_primitive_desc_t pd, dnnl_query_t query, int index, int arg,
                                            int output) {
    op->user = *user;
    op->arg = arg;
    op->output = output;
    op->used = 1;
    const dnnl_memory_desc_t *inner = dnnl_primitive_desc_query_md(pd, query, index);
    if (!inner) return 0;
    op->inner = *inner;
    if (dnnl_memory_desc_equal(&op->user, &op->inner)) return 1;
    dnnl_primitive_desc_t rpd = NULL;
    int ok = (output ? dnnl_reorder_primitive_desc_create(&rpd, &op->inner, engine, &op->user, engine, NULL)
                     : dnnl_reorder_primitive_desc_create(&rpd, &op->user, engine, &op->inner, engine, NULL))
            == dnnl_success
        && dnnl_primitive_create(&op->reorder, rpd) == dnnl_success;
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    return ok;
}

/// Initialises `desc` as the convolution of `pass` on the given layouts (`bias` may be NULL); returns 0 on failure.
static inline int descent_conv_desc_init(dnnl_convolution_desc_t *desc, int pass, const dnnl_memory_desc_t *src,
                                         const dnnl_memory_desc_t *weights, const dnnl_memory_desc_t *bias,
                                         const dnnl_memory_desc_t *dst, const dnnl_dims_t strides,
                                         const dnnl_dims_t dilates, const dnnl_dims_t padL, const dnnl_dims_t padR) {
    dnnl_status_t s;
    switch (pass) {
    case DESCENT_CONV_FORWARD:
        s = dnnl_dilated_convolution_forward_desc_init(desc, dnnl_forward_training, dnnl_convolution_direct, src,
                                                       weights, bias, dst, strides, dilates, padL, padR);
        break;
    case DESCENT_CONV_BACKWARD_DATA:
        s = dnnl_dilated_convolution_backward_data_desc_init(desc, dnnl_convolution_direct, src, weights, dst, strides,
                                                             dilates, padL, padR);
        break;
    default:
        s = dnnl_dilated_convolution_backward_weights_desc_init(desc, dnnl_convolution_direct, src, weights, bias, dst,
                                                                strides, dilates, padL, padR);
    }
    return s == dnnl_success;
}

/// Creates the primitive of `pass` for `shape` (with the bias, or bias gradient, when hasBias ≠ 0; the forward pass
/// then applies max(·, 0) when relu ≠ 0): on NCHW activations and plain weights when anyLayout = 0, in oneDNN's
/// preferred layouts (reordered inside each call) when anyLayout = 1, and with anyLayout = 2
/// (DESCENT_CONV_BLOCKED_ACTIVATIONS) on activations that the caller keeps in nChw16c (aBcd16b: [n][c/16][h][w][16]),
/// the weights plain and reordered inside the call, and only a JIT implementation accepted; anyLayout = 3
/// (DESCENT_CONV_BLOCKED_OUTPUT) likewise with the image in NCHW. With bf16 ≠ 0 the pass's inputs (the image and
/// weights forward, the weights and output gradient for the input gradient, the image and output gradient for the
/// weight gradient) are rounded to bfloat16 by the call's reorders and the products accumulated into float32 outputs
/// (only a JIT implementation accepted). NULL when oneDNN has no implementation (e.g. an output size inconsistent
/// with the input). Free with descent_convolution_destroy.
static inline descent_convolution *descent_convolution_create(dnnl_engine_t engine, const descent_conv_shape *shape,
                                                              int pass, int hasBias, int relu, int anyLayout,
                                                              int bf16) {
    if (!engine || shape->groups < 1) return NULL;
    const descent_conv_shape *s = shape;
    dnnl_dims_t strides = {s->strideH, s->strideW}, dilates = {s->dilationH - 1, s->dilationW - 1};
    dnnl_dims_t padL = {s->padH, s->padW};
    // The padding after the last row/column: (out − 1)·stride + dilation·(kernel − 1) + 1 − (in + padBefore); negative
    // when the last rows are never reached (the floor of the output size), which oneDNN takes as cropping.
    dnnl_dims_t padR = {(s->outHeight - 1) * s->strideH + s->dilationH * (s->kernelH - 1) + 1 - s->height - s->padH,
                        (s->outWidth - 1) * s->strideW + s->dilationW * (s->kernelW - 1) + 1 - s->width - s->padW};
    descent_convolution *conv = (descent_convolution *)calloc(1, sizeof(descent_convolution));
    if (!conv) return NULL;
    conv->engine = engine;
    long g = s->groups;
    dnnl_dims_t srcd = {s->batch, s->inChannels, s->height, s->width};
    dnnl_dims_t dstd = {s->batch, s->outChannels, s->outHeight, s->outWidth};
    dnnl_dims_t biasd = {s->outChannels};
    dnnl_dims_t wGrouped = {g, s->outChannels / g, s->inChannels / g, s->kernelH, s->kernelW};
    dnnl_dims_t wPlain = {s->outChannels, s->inChannels, s->kernelH, s->kernelW};
    int wRank = g > 1 ? 5 : 4;
    const dnnl_dim_t *wDims = g > 1 ? wGrouped : wPlain;
    dnnl_format_tag_t wTag = g > 1 ? dnnl_goihw : dnnl_oihw;
    dnnl_memory_desc_t src, weights, bias, dst, srcA, weightsA, dstA;
    int blockedActivations = anyLayout == DESCENT_CONV_BLOCKED_ACTIVATIONS || anyLayout == DESCENT_CONV_BLOCKED_OUTPUT;
    dnnl_format_tag_t activations = blockedActivations ? dnnl_aBcd16b : dnnl_nchw;
    dnnl_format_tag_t image = anyLayout == DESCENT_CONV_BLOCKED_ACTIVATIONS ? dnnl_aBcd16b : dnnl_nchw;
    int ok = dnnl_memory_desc_init_by_tag(&src, 4, srcd, dnnl_f32, image) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&dst, 4, dstd, dnnl_f32, activations) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&weights, wRank, wDims, dnnl_f32, wTag) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&bias, 1, biasd, dnnl_f32, dnnl_x) == dnnl_success;
    dnnl_format_tag_t tag = dnnl_format_tag_any;
    // The primitive's operand types: in bf16, every operand the pass reads but the bias; its output float32.
    dnnl_data_type_t low = bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_data_type_t srcT = pass == DESCENT_CONV_BACKWARD_DATA ? dnnl_f32 : low;
    dnnl_data_type_t weightsT = pass == DESCENT_CONV_BACKWARD_WEIGHTS ? dnnl_f32 : low;
    dnnl_data_type_t dstT = pass == DESCENT_CONV_FORWARD ? dnnl_f32 : low;
    dnnl_memory_desc_t srcH, weightsH, dstH;
    ok = ok && dnnl_memory_desc_init_by_tag(&srcA, 4, srcd, srcT, anyLayout == 1 ? tag : image) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&dstA, 4, dstd, dstT, anyLayout == 1 ? tag : activations) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&weightsA, wRank, wDims, weightsT, anyLayout ? tag : wTag) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&srcH, 4, srcd, low, anyLayout == 1 ? tag : image) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&dstH, 4, dstd, dnnl_f32, anyLayout == 1 ? tag : activations) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&weightsH, wRank, wDims, low, anyLayout ? tag : wTag) == dnnl_success;
    const dnnl_memory_desc_t *b = hasBias ? &bias : NULL;
    dnnl_convolution_desc_t fwd, desc;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    dnnl_primitive_desc_t hint = NULL, pd = NULL;
    ok = ok && dnnl_primitive_attr_create(&attr) == dnnl_success;
    if (ok && relu && pass == DESCENT_CONV_FORWARD) {
        ok = dnnl_post_ops_create(&ops) == dnnl_success
            && dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f) == dnnl_success
            && dnnl_primitive_attr_set_post_ops(attr, ops) == dnnl_success;
    }
    // The forward pass (for the backward passes: the hint that fixes their layouts) in the forward pass's types.
    ok = ok && descent_conv_desc_init(&fwd, DESCENT_CONV_FORWARD, &srcH, &weightsH, b, &dstH, strides, dilates, padL, padR);
    if (pass == DESCENT_CONV_FORWARD) {
        ok = ok && dnnl_primitive_desc_create(&pd, &fwd, attr, engine, NULL) == dnnl_success;
    } else {
        // The backward passes need the forward primitive as a hint (it fixes the layouts they work in).
        ok = ok && dnnl_primitive_desc_create(&hint, &fwd, NULL, engine, NULL) == dnnl_success
            && descent_conv_desc_init(&desc, pass, &srcA, &weightsA, b, &dstA, strides, dilates, padL, padR)
            && dnnl_primitive_desc_create(&pd, &desc, attr, engine, hint) == dnnl_success;
    }
    descent_conv_operand *op = conv->operand;
    switch (pass) {
    case DESCENT_CONV_FORWARD:
        ok = ok && descent_conv_operand_init(&op[0], engine, &src, pd, dnnl_query_src_md, 0, DNNL_ARG_SRC, 0)
            && descent_conv_operand_init(&op[1], engine, &weights, pd, dnnl_query_weights_md, 0, DNNL_ARG_WEIGHTS, 0)
            && (!hasBias || descent_conv_operand_init(&op[2], engine, &bias, pd, dnnl_query_weights_md, 1, DNNL_ARG_BIAS, 0))
            && descent_conv_operand_init(&op[3], engine, &dst, pd, dnnl_query_dst_md, 0, DNNL_ARG_DST, 1);
        break;
    case DESCENT_CONV_BACKWARD_DATA:
        ok = ok && descent_conv_operand_init(&op[0], engine, &src, pd, dnnl_query_diff_src_md, 0, DNNL_ARG_DIFF_SRC, 1)
            && descent_conv_operand_init(&op[1], engine, &weights, pd, dnnl_query_weights_md, 0, DNNL_ARG_WEIGHTS, 0)
            && descent_conv_operand_init(&op[3], engine, &dst, pd, dnnl_query_diff_dst_md, 0, DNNL_ARG_DIFF_DST, 0);
        break;
    default:
        ok = ok && descent_conv_operand_init(&op[0], engine, &src, pd, dnnl_query_src_md, 0, DNNL_ARG_SRC, 0)
            && descent_conv_operand_init(&op[1], engine, &weights, pd, dnnl_query_diff_weights_md, 0, DNNL_ARG_DIFF_WEIGHTS, 1)
            && (!hasBias || descent_conv_operand_init(&op[2], engine, &bias, pd, dnnl_query_diff_weights_md, 1, DNNL_ARG_DIFF_BIAS, 1))
            && descent_conv_operand_init(&op[3], engine, &dst, pd, dnnl_query_diff_dst_md, 0, DNNL_ARG_DIFF_DST, 0);
    }
    if (ok && (blockedActivations || bf16)) {
        // Blocked activations are for speed: a reference implementation would be far slower than the reorders.
        ok = descent_pd_is_jit(pd);
    }
    ok = ok && dnnl_primitive_create(&conv->primitive, pd) == dnnl_success;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (!ok) {
        descent_convolution_destroy(conv);
        return NULL;
    }
    return conv;
}

/// The bytes of scratch memory operand `i` (DESCENT_CONV_SRC … DESCENT_CONV_DST) is reordered through in a call of
/// descent_convolution_execute: the size of its layout in the primitive, or 0 when the operand is used as it is.
static inline size_t descent_convolution_scratch_bytes(const descent_convolution *conv, int i) {
    const descent_conv_operand *op = &conv->operand[i];
    return op->used && op->reorder ? dnnl_memory_desc_get_size(&op->inner) : 0;
}

/// Runs the primitive with `stream` (of the primitive's engine, used by one thread at a time) on Descent's buffers:
/// `src` the image (input, or the input gradient written by the backward-data pass), `weights` the kernel (the weight
/// gradient written by the backward-weights pass), `bias` the bias (its gradient, written by backward weights; unused
/// without one), `dst` the output (or the output gradient read by the backward passes). Operands in another layout
/// are reordered into scratch memory before and out of it after: `scratch[i]` (64-byte aligned, of
/// descent_convolution_scratch_bytes(conv, i) bytes) when `scratch` and it are not NULL, else memory oneDNN allocates
/// for the call. Returns 0 on success.
static inline int descent_convolution_execute(const descent_convolution *conv, dnnl_stream_t stream, float *src,
                                              float *weights, float *bias, float *dst, float *const *scratch) {
    float *pointers[4] = {src, weights, bias, dst};
    dnnl_memory_t user[4] = {NULL, NULL, NULL, NULL}, inner[4] = {NULL, NULL, NULL, NULL};
    dnnl_exec_arg_t args[4];
    int count = 0, ok = 1;
    for (int i = 0; i < 4 && ok; i++) {
        const descent_conv_operand *op = &conv->operand[i];
        if (!op->used) continue;
        ok = dnnl_memory_create(&user[i], &op->user, conv->engine, pointers[i]) == dnnl_success;
        if (ok && op->reorder) {
            void *handle = scratch && scratch[i] ? (void *)scratch[i] : DNNL_MEMORY_ALLOCATE;
            ok = dnnl_memory_create(&inner[i], &op->inner, conv->engine, handle) == dnnl_success;
        }
        if (ok && op->reorder && !op->output) {
            dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, user[i]}, {DNNL_ARG_TO, inner[i]}};
            ok = dnnl_primitive_execute(op->reorder, stream, 2, r) == dnnl_success;
        }
        if (ok) args[count++] = (dnnl_exec_arg_t){op->arg, op->reorder ? inner[i] : user[i]};
    }
    ok = ok && dnnl_primitive_execute(conv->primitive, stream, count, args) == dnnl_success;
    for (int i = 0; i < 4 && ok; i++) {
        const descent_conv_operand *op = &conv->operand[i];
        if (op->used && op->reorder && op->output) {
            dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, inner[i]}, {DNNL_ARG_TO, user[i]}};
            ok = dnnl_primitive_execute(op->reorder, stream, 2, r) == dnnl_success;
        }
    }
    ok = ok && dnnl_stream_wait(stream) == dnnl_success;
    for (int i = 0; i < 4; i++) {
        if (user[i]) dnnl_memory_destroy(user[i]);
        if (inner[i]) dnnl_memory_destroy(inner[i]);
    }
    return ok ? 0 : 1;
}

#else
// oneDNN 3 changed the descriptor API; until Descent is built against it, convolutions use im2col + GEMM there
// (creation reports no primitive and the caller falls back).
/// The primitive's handle (never created with oneDNN 3).
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
} descent_convolution;

/// Reports no primitive: the caller falls back to im2col + GEMM.
static inline descent_convolution *descent_convolution_create(dnnl_engine_t engine, const descent_conv_shape *shape,
                                                              int pass, int hasBias, int relu, int anyLayout,
                                                              int bf16) {
    (void)engine; (void)shape; (void)pass; (void)hasBias; (void)relu; (void)anyLayout; (void)bf16;
    return NULL;
}

/// Frees nothing: no primitive is ever created here.
static inline void descent_convolution_destroy(descent_convolution *conv) { (void)conv; }

/// No scratch: there is no primitive.
static inline size_t descent_convolution_scratch_bytes(const descent_convolution *conv, int i) {
    (void)conv; (void)i;
    return 0;
}

/// Reports failure: there is no primitive to run.
static inline int descent_convolution_execute(const descent_convolution *conv, dnnl_stream_t stream, float *src,
                                              float *weights, float *bias, float *dst, float *const *scratch) {
    (void)conv; (void)stream; (void)src; (void)weights; (void)bias; (void)dst; (void)scratch;
    return 1;
}
#endif

#endif
