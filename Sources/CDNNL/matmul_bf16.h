// oneDNN's matmul primitive with bfloat16 inputs and float32 output: C = op(A) · op(B) (+ bias) (then ReLU)
// (+ C when accumulating), for the GEMMs of Linear layers and convolutions under `Backend.precision == .bf16`.
// A and B are packed (no row padding) bfloat16 matrices, each stored row-major either as the operand itself or as
// its transpose; bias and C are float32. The primitive multiplies bf16 values exactly and accumulates the products
// in float32, so the only rounding beyond float32's is the caller's conversion of the inputs to bf16.
#ifndef DESCENT_CDNNL_MATMUL_BF16_H
#define DESCENT_CDNNL_MATMUL_BF16_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_version.h>
#include <stdint.h>
#include <stdlib.h>

/// 1 when oneDNN's dispatcher has bfloat16 instructions on this CPU (AVX-512 BF16, or AMX, whose ISA level
/// contains it), else 0. Without them oneDNN would emulate bf16 slowly, and Descent stays in float32.
static inline int descent_cpu_has_bf16(void) {
    unsigned isa = (unsigned)dnnl_get_effective_cpu_isa();
    unsigned bf16 = (unsigned)dnnl_cpu_isa_avx512_core_bf16;
    return (isa & bf16) == bf16;
}

#if DNNL_VERSION_MAJOR < 3
/// A bf16 × bf16 → f32 matmul primitive with its memory descriptors.
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t a, b, bias, c, scratchpad;
    size_t scratchpadSize;
    int hasBias;
} descent_matmul_bf16;

/// Creates the primitive for C[m, n] (=|+=) op(A)[m, k] · op(B)[k, n] (+ bias[n]) (then max(·, 0) when relu ≠ 0),
/// where A is stored as [m, k] (transA = 0) or [k, m] (transA ≠ 0) and B as [k, n] (transB = 0) or [n, k]
/// (transB ≠ 0), all packed row-major; accumulate ≠ 0 adds the product to C (a sum post-op; not with bias or relu).
/// NULL when oneDNN has no implementation. Free with descent_matmul_bf16_destroy.
static inline descent_matmul_bf16 *descent_matmul_bf16_create(dnnl_engine_t engine, long m, long n, long k,
                                                              int transA, int transB, int hasBias, int relu,
                                                              int accumulate) {
    if (!engine) return NULL;
    descent_matmul_bf16 *mm = (descent_matmul_bf16 *)calloc(1, sizeof(descent_matmul_bf16));
    if (!mm) return NULL;
    mm->engine = engine;
    dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n}, biasd = {1, n};
    int ok = dnnl_memory_desc_init_by_tag(&mm->a, 2, ad, dnnl_bf16, transA ? dnnl_ba : dnnl_ab) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&mm->b, 2, bd, dnnl_bf16, transB ? dnnl_ba : dnnl_ab) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&mm->c, 2, cd, dnnl_f32, dnnl_ab) == dnnl_success
        && dnnl_memory_desc_init_by_tag(&mm->bias, 2, biasd, dnnl_f32, dnnl_ab) == dnnl_success;
    dnnl_matmul_desc_t desc;
    ok = ok && dnnl_matmul_desc_init(&desc, &mm->a, &mm->b, hasBias ? &mm->bias : NULL, &mm->c) == dnnl_success;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    // The caller passes the scratchpad (where the kernels pack B into bf16 pairs) on every call: a convolution runs
    // the same primitive on several threads at once, and a library-owned scratchpad would be shared between them.
    ok = ok && dnnl_primitive_attr_create(&attr) == dnnl_success
        && dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success;
    if (ok && (relu || accumulate)) {
        ok = dnnl_post_ops_create(&ops) == dnnl_success
            && (!accumulate || dnnl_post_ops_append_sum(ops, 1.0f) == dnnl_success)
            && (!relu || dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f) == dnnl_success)
            && dnnl_primitive_attr_set_post_ops(attr, ops) == dnnl_success;
    }
    dnnl_primitive_desc_t pd = NULL;
    ok = ok && dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) == dnnl_success;
    ok = ok && dnnl_primitive_create(&mm->primitive, pd) == dnnl_success;
    const dnnl_memory_desc_t *scratchpad = ok ? dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) : NULL;
    if (scratchpad) {
        mm->scratchpad = *scratchpad;
        mm->scratchpadSize = dnnl_memory_desc_get_size(scratchpad);
    }
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

static inline void descent_matmul_bf16_destroy(descent_matmul_bf16 *mm) {
    if (!mm) return;
    dnnl_primitive_destroy(mm->primitive);
    free(mm);
}

/// Runs the primitive on bf16 `a` and `b` (as raw 16-bit words), float32 `bias` (or NULL) and `c` with `stream` (a
/// stream of the primitive's engine, used by one thread at a time), with a scratchpad of its own for this call (so
/// that several threads may run the same primitive at once); returns 0 on success.
static inline int descent_matmul_bf16_execute(const descent_matmul_bf16 *mm, dnnl_stream_t stream, const uint16_t *a,
                                              const uint16_t *b, const float *bias, float *c) {
    dnnl_engine_t engine = mm->engine;
    dnnl_memory_t am = NULL, bm = NULL, cm = NULL, biasm = NULL, sm = NULL;
    void *scratch = NULL;
    if (mm->scratchpadSize > 0 && posix_memalign(&scratch, 64, mm->scratchpadSize) != 0) return 1;
    int ok = dnnl_memory_create(&am, &mm->a, engine, (void *)a) == dnnl_success
        && dnnl_memory_create(&bm, &mm->b, engine, (void *)b) == dnnl_success
        && dnnl_memory_create(&cm, &mm->c, engine, (void *)c) == dnnl_success
        && (!mm->hasBias || dnnl_memory_create(&biasm, &mm->bias, engine, (void *)bias) == dnnl_success)
        && (!scratch || dnnl_memory_create(&sm, &mm->scratchpad, engine, scratch) == dnnl_success);
    if (ok) {
        dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}, {0, NULL}, {0, NULL}};
        int count = 3;
        if (mm->hasBias) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, biasm};
        if (sm) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, sm};
        ok = dnnl_primitive_execute(mm->primitive, stream, count, args) == dnnl_success
            && dnnl_stream_wait(stream) == dnnl_success;
    }
    if (am) dnnl_memory_destroy(am);
    if (bm) dnnl_memory_destroy(bm);
    if (cm) dnnl_memory_destroy(cm);
    if (biasm) dnnl_memory_destroy(biasm);
    if (sm) dnnl_memory_destroy(sm);
    free(scratch);
    return ok ? 0 : 1;
}

#else
// oneDNN 3 changed the descriptor API; until Descent is built against it, creation reports no primitive and the
// caller computes in float32 (as matmul.h does for the float32 primitive).
typedef struct {
    dnnl_engine_t engine;
    dnnl_primitive_t primitive;
} descent_matmul_bf16;

static inline descent_matmul_bf16 *descent_matmul_bf16_create(dnnl_engine_t engine, long m, long n, long k,
                                                              int transA, int transB, int hasBias, int relu,
                                                              int accumulate) {
    (void)engine; (void)m; (void)n; (void)k; (void)transA; (void)transB; (void)hasBias; (void)relu; (void)accumulate;
    return NULL;
}

static inline void descent_matmul_bf16_destroy(descent_matmul_bf16 *mm) { (void)mm; }

static inline int descent_matmul_bf16_execute(const descent_matmul_bf16 *mm, dnnl_stream_t stream, const uint16_t *a,
                                              const uint16_t *b, const float *bias, float *c) {
    (void)mm; (void)stream; (void)a; (void)b; (void)bias; (void)c;
    return 1;
}
#endif

#endif
