// Thin C binding of the compute backend: oneDNN's GEMM and the OpenMP runtime that oneDNN itself uses.
// Descent's own parallel loops run on the same OpenMP pool (found at run time through dlsym), so the
// library and Descent never both spawn a thread per core.
#ifndef DESCENT_CDNNL_SHIM_H
#define DESCENT_CDNNL_SHIM_H

#include <oneapi/dnnl/dnnl.h>
#include <dlfcn.h>
#include <stddef.h>
#include <malloc.h>
#include "matmul.h"
#include "convolution.h"
#include "matmul_bf16.h"
#include "blocked.h"

typedef void (*descent_omp_body)(void *context);

typedef void (*descent_gomp_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
typedef int (*descent_omp_int_fn)(void);
typedef void (*descent_omp_set_fn)(int);

/// Runs `body(context)` on `threads` OpenMP threads (libgomp's GOMP_parallel); returns 0 when the
/// OpenMP runtime is not loaded, in which case the caller runs the work itself.
static inline int descent_omp_parallel(descent_omp_body body, void *context, unsigned threads) {
    static descent_gomp_parallel_fn fn = NULL;
    static int looked = 0;
    if (!looked) { fn = (descent_gomp_parallel_fn)dlsym(RTLD_DEFAULT, "GOMP_parallel"); looked = 1; }
    if (!fn) return 0;
    fn(body, context, threads, 0);
    return 1;
}

/// The calling thread's index inside an OpenMP parallel region (0 outside one).
static inline int descent_omp_thread_num(void) {
    static descent_omp_int_fn fn = NULL;
    static int looked = 0;
    if (!looked) { fn = (descent_omp_int_fn)dlsym(RTLD_DEFAULT, "omp_get_thread_num"); looked = 1; }
    return fn ? fn() : 0;
}

/// The size of the current OpenMP team (1 outside a parallel region).
static inline int descent_omp_num_threads(void) {
    static descent_omp_int_fn fn = NULL;
    static int looked = 0;
    if (!looked) { fn = (descent_omp_int_fn)dlsym(RTLD_DEFAULT, "omp_get_num_threads"); looked = 1; }
    return fn ? fn() : 1;
}

/// Sets the OpenMP runtime's default thread count (used by oneDNN's kernels).
/// The setting is per calling thread in OpenMP, so Descent applies it before each library call.
static inline void descent_omp_set_num_threads(int n) {
    static descent_omp_set_fn fn = NULL;
    static int looked = 0;
    if (!looked) { fn = (descent_omp_set_fn)dlsym(RTLD_DEFAULT, "omp_set_num_threads"); looked = 1; }
    if (fn) fn(n);
}

/// Keeps large freed blocks in the heap so that per-step tensors of the same size reuse memory
/// instead of going back to the kernel (mmap/munmap and page faults on every step).
static inline void descent_tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

#endif
