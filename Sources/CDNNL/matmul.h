// oneDNN's matmul primitive for the affine maps of Linear layers: C = A · Bᵀ (+ bias) (then ReLU), with A [m, k]
// and B [n, k] row-major (a Linear weight as it is stored) and C [m, n]. The primitive fuses the bias and the ReLU
// into its output tiles, and its kernels (brgemm) read the transposed weight faster than sgemm's 'T' path.
#ifndef DESCENT_CDNNL_MATMUL_H
#define DESCENT_CDNNL_MATMUL_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_version.h>
#include <stddef.h>
#include <stdlib.h>

/// Creates the CPU engine (NULL on failure). Descent creates one and passes it to every call: static variables
/// in these inline functions are not shared between the object files that use them.
static inline dnnl_engine_t descent_engine_create(void) {
    dnnl_engine_t engine = NULL;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return NULL;
    return engine;
}

#if DNNL_VERSION_MAJOR < 3
/// A matmul primitive with its memory descriptors.
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t a, b, bias, c;
    int hasBias;
} descent_matmul;

/// Creates the primitive for C[m, n] = A[m, k] · B[n, k]ᵀ (+ bias[n]) (then max(·, 0) when relu ≠ 0); NULL when
/// oneDNN has no implementation. Free with descent_matmul_destroy.
static inline descent_matmul *descent_matmul_create(dnnl_engine_t engine, long m, long n, long k, int hasBias, int relu) {
    if (!engine) return NULL;
    descent_matmul *mm = (descent_matmul *)calloc(1, sizeof(descent_matmul));
    if (!mm) return NULL;
    mm->engine = engine;
    dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n}, biasd = {1, n};
    int ok = dnnl_memory_desc_init_by_tag(&mm->a, 2, ad, dnnl_f32, dnnl_ab) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&mm->b, 2, bd, dnnl_f32, dnnl_ba) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&mm->c, 2, cd, dnnl_f32, dnnl_ab) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&mm->bias, 2, biasd, dnnl_f32, dnnl_ab) == dnnl_success;
    dnnl_matmul_desc_t desc;
    ok = ok && dnnl_matmul_desc_init(&desc, &mm->a, &mm->b, hasBias ? &mm->bias : NULL, &mm->c) == dnnl_success;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    ok = ok && dnnl_primitive_attr_create(&attr) == dnnl_success;
    if (ok && relu) {
        ok = dnnl_post_ops_create(&ops) == dnnl_success
            && dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f) == dnnl_success
            && dnnl_primitive_attr_set_post_ops(attr, ops) == dnnl_success;
    }
    dnnl_primitive_desc_t pd = NULL;
    ok = ok && dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) == dnnl_success;
    ok = ok && dnnl_primitive_create(&mm->primitive, pd) == dnnl_success;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (!ok) {
        if (mm->primitive) dnnl_primitive_destroy(mm->primitive);
        free(mm);
        return NULL;
    }
    mm->hasBias = hasBias;
    return mm;
}

static inline void descent_matmul_destroy(descent_matmul *mm) {
    if (!mm) return;
    dnnl_primitive_destroy(mm->primitive);
    free(mm);
}

/// Runs the primitive on the given buffers with `stream` (a stream of the primitive's engine, used by one thread at
/// a time); returns 0 on success.
static inline int descent_matmul_execute(const descent_matmul *mm, dnnl_stream_t stream, const float *a, const float *b,
                                         const float *bias, float *c) {
    dnnl_engine_t engine = mm->engine;
    dnnl_memory_t am = NULL, bm = NULL, cm = NULL, biasm = NULL;
    int ok = dnnl_memory_create(&am, &mm->a, engine, (void *)a) == dnnl_success
        && dnnl_memory_create(&bm, &mm->b, engine, (void *)b) == dnnl_success
        && dnnl_memory_create(&cm, &mm->c, engine, (void *)c) == dnnl_success
        && (!mm->hasBias || dnnl_memory_create(&biasm, &mm->bias, engine, (void *)bias) == dnnl_success);
    if (ok) {
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_BIAS, biasm}};
        ok = dnnl_primitive_execute(mm->primitive, stream, mm->hasBias ? 4 : 3, args) == dnnl_success
            && dnnl_stream_wait(stream) == dnnl_success;
    }
    if (am) dnnl_memory_destroy(am);
    if (bm) dnnl_memory_destroy(bm);
    if (cm) dnnl_memory_destroy(cm);
    if (biasm) dnnl_memory_destroy(biasm);
    return ok ? 0 : 1;
}

#else
// oneDNN 3 changed the descriptor API; until Descent is built against it, Linear uses sgemm there (creation
// reports no primitive and the caller falls back).
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
} descent_matmul;

static inline descent_matmul *descent_matmul_create(dnnl_engine_t engine, long m, long n, long k, int hasBias, int relu) {
    (void)engine; (void)m; (void)n; (void)k; (void)hasBias; (void)relu;
    return NULL;
}

static inline void descent_matmul_destroy(descent_matmul *mm) { (void)mm; }

static inline int descent_matmul_execute(const descent_matmul *mm, dnnl_stream_t stream, const float *a, const float *b,
                                         const float *bias, float *c) {
    (void)mm; (void)stream; (void)a; (void)b; (void)bias; (void)c;
    return 1;
}
#endif

#endif
