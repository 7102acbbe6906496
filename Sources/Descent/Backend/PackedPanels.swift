import CDescentKernels

/// A right operand `B` (`k×n`) packed once into column panels of 16 (`CDescentKernels/panels.c`), for many products
/// `C (+)= A · B (+ bias)` with few rows of `A` each, on the calling thread: the per-step `h · W_hhᵀ` and
/// `∂G · W_hh` of the recurrent layers, where a library GEMM would repack `B` on every call.
///
/// Each `C[i, j]` is `Σ_kk A[i, kk] · B[kk, j]`, a chain of fused multiply-adds in `kk` order, the same in every
/// instruction-set build.
struct PackedPanels {
    /// The inner dimension (rows of `B`).
    let k: Int
    /// The columns of `B` (and of `C`).
    let n: Int
    /// The packed panels, `⌈n / 16⌉ · 16 · k` floats.
    private let panels: Tensor

    /// Packs `b`: `B` row-major `[k, n]`, or with `transposed` `Bᵀ` row-major `[n, k]` (a weight `[out, in]`, for
    /// `x · Wᵀ`).
    init(_ b: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool) {
        precondition(k >= 1 && n >= 1, "PackedPanels: k \(k) and n \(n) must be positive")
        self.k = k
        self.n = n
        panels = Tensor(uninitializedShape: [descent_panel_size(k, n)])
        descent_panel_pack(b, k, n, transposed ? 1 : 0, panels.storage.pointer)
    }

    /// `c[i·ldc + j] = (accumulate ? c[i·ldc + j] : 0) + Σ_kk a[i·lda + kk] · B[kk, j] (+ bias[j])` for `i < m`,
    /// `j < n`, on the calling thread.
    func multiply(
        m: Int, a: UnsafePointer<Float>, lda: Int, bias: UnsafePointer<Float>?, accumulate: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m <= 0 { return }
        MultiplyAddCounter.current?.add(m * n * k)
        descent_panel_gemm(m, n, k, a, lda, panels.storage.pointer, bias, accumulate ? 1 : 0, c, ldc)
    }
}
