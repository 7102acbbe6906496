// The macros that define Descent's C kernels (private to this target). Each `.c` file includes this header, then
// turns off floating-point contraction for the whole file (see the pragma there).
#ifndef DESCENT_KERNEL_H
#define DESCENT_KERNEL_H

#include <stddef.h>
#include <string.h>
#include "CDescentKernels.h"

#if DESCENT_MULTIVERSION
#define DESCENT_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi,bmi2")))
#define DESCENT_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2")))
#endif

/// Helpers inlined into the kernels (and so compiled at each kernel's vector width).
#define DESCENT_INLINE static inline __attribute__((always_inline))

#if DESCENT_MULTIVERSION
/// This file's copy of descent_isa(), read once (a plain load on every later call).
static int descent_file_isa = -1;

/// descent_isa(), cached in this file (relaxed atomics: kernels on several threads may fill it at once, all with
/// the same value; the load is a plain move).
DESCENT_INLINE int descent_level(void) {
    int level = __atomic_load_n(&descent_file_isa, __ATOMIC_RELAXED);
    if (level < 0) {
        level = descent_isa();
        __atomic_store_n(&descent_file_isa, level, __ATOMIC_RELAXED);
    }
    return level;
}
#endif

// Short copies written as loops stay inline vector loops instead of becoming calls to memcpy / memset.
#if defined(__clang__)
#define DESCENT_NO_BUILTINS __attribute__((no_builtin("memcpy", "memset", "memmove")))
#else
#define DESCENT_NO_BUILTINS
#endif

// DESCENT_KERNEL(ret, name, (params), (args), { body }) defines name_avx512, name_avx2 and name_generic with the
// same body and `name`, which calls the widest one available (on x86-64; elsewhere only `name`).
#if DESCENT_MULTIVERSION
#define DESCENT_KERNEL(ret, name, params, args, ...)                                  \
    DESCENT_TARGET_AVX512 ret name##_avx512 params __VA_ARGS__                        \
    DESCENT_TARGET_AVX2 ret name##_avx2 params __VA_ARGS__                            \
    ret name##_generic params __VA_ARGS__                                             \
    ret name params {                                                                 \
        switch (descent_level()) {                                                    \
        case 2: return name##_avx512 args;                                            \
        case 1: return name##_avx2 args;                                              \
        default: return name##_generic args;                                          \
        }                                                                             \
    }
#define DESCENT_KERNEL_NO_BUILTINS(ret, name, params, args, ...)                      \
    DESCENT_TARGET_AVX512 DESCENT_NO_BUILTINS ret name##_avx512 params __VA_ARGS__    \
    DESCENT_TARGET_AVX2 DESCENT_NO_BUILTINS ret name##_avx2 params __VA_ARGS__        \
    DESCENT_NO_BUILTINS ret name##_generic params __VA_ARGS__                         \
    ret name params {                                                                 \
        switch (descent_level()) {                                                    \
        case 2: return name##_avx512 args;                                            \
        case 1: return name##_avx2 args;                                              \
        default: return name##_generic args;                                          \
        }                                                                             \
    }
#else
#define DESCENT_KERNEL(ret, name, params, args, ...) ret name params __VA_ARGS__
#define DESCENT_KERNEL_NO_BUILTINS(ret, name, params, args, ...) DESCENT_NO_BUILTINS ret name params __VA_ARGS__
#endif

// Reductions may be reassociated (summed in vector lanes, then across them); everything else is evaluated as
// written, without contracting a·b + c into a fused multiply-add (each .c file has `#pragma clang fp
// contract(off)`), so that an elementwise kernel gives the same values whatever the vector width.
#define DESCENT_REASSOCIATE _Pragma("clang fp reassociate(on)")

#endif
