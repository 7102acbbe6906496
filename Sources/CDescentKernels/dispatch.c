// descent_isa(): the instruction set that the kernels' dispatchers choose, from cpuid and XCR0.
#include "kernel.h"

#if DESCENT_MULTIVERSION
#include <cpuid.h>
#endif

int descent_isa(void) {
#if DESCENT_MULTIVERSION
    // Relaxed atomics: threads may race to fill the cache, all with the same value (a plain load once filled).
    static int isa = -1;
    int cached = __atomic_load_n(&isa, __ATOMIC_RELAXED);
    if (cached >= 0) return cached;
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
    __atomic_store_n(&isa, level, __ATOMIC_RELAXED);
    return level;
#else
    return 0;
#endif
}
