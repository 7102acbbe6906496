// Run-time choice of instruction set for Descent's C kernels. On x86-64 each kernel is compiled three times
// (AVX-512, AVX2+FMA, baseline) through target attributes, and `name` calls the widest build that the CPU (and the
// operating system) supports; `name_avx512`, `name_avx2` and `name_generic` are the builds themselves (the tests run
// each of them). Elsewhere each kernel is compiled once, for the target's baseline.
#ifndef DESCENT_DISPATCH_H
#define DESCENT_DISPATCH_H

#if defined(__x86_64__) && defined(__clang__)
#define DESCENT_MULTIVERSION 1
#else
#define DESCENT_MULTIVERSION 0
#endif

// DESCENT_DECLARE(ret, name, (params)) declares a kernel: `name` and, on x86-64, its three builds.
#if DESCENT_MULTIVERSION
#define DESCENT_DECLARE(ret, name, params) \
    ret name params;                       \
    ret name##_avx512 params;              \
    ret name##_avx2 params;                \
    ret name##_generic params;
#else
#define DESCENT_DECLARE(ret, name, params) ret name params;
#endif

/// 2: AVX-512 (F, VL, BW, DQ), 1: AVX2 with FMA, 0: baseline (always 0 off x86-64); decided once from cpuid and XCR0.
int descent_isa(void);

#endif
