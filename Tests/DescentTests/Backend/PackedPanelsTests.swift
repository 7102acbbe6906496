#if arch(x86_64)
import CDescentKernels
import Testing
@testable import Descent

/// Every build of the panel product (`CDescentKernels/panels.c`) equals its definition written out in Swift bit for
/// bit: each `C[i, j]` a chain of fused multiply-adds over `kk` in order, then `+ bias[j]`, then added to `C[i, j]`
/// when accumulating.
@Suite struct PackedPanelsTests {
    let g = RandomGenerator(seed: 31)

    func values(_ count: Int) -> [Float] { g.normal([count], std: 1).scalars }

    /// The definition: `(accumulate ? c : 0) + (Σ_kk a[i, kk] · B[kk, j] + bias[j])`, with `B[kk, j]` at `b[kk·n + j]`
    /// (or `b[j·k + kk]` when `transposed`).
    func reference(
        m: Int, n: Int, k: Int, a: [Float], b: [Float], transposed: Bool, bias: [Float]?, c: [Float], accumulate: Bool
    ) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for kk in 0..<k { s = s.addingProduct(a[i * k + kk], transposed ? b[j * k + kk] : b[kk * n + j]) }
                if let bias { s = s + bias[j] }
                out[i * n + j] = accumulate ? c[i * n + j] + s : s
            }
        }
        return out
    }

    @Test(arguments: [(1, 3, 2), (3, 5, 7), (8, 16, 9), (13, 37, 11), (16, 64, 40)])
    func everyBuildMatchesTheDefinition(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = values(m * k), b = values(k * n), bias = values(n), c0 = values(m * n)
        for transposed in [false, true] {
            var panels = [Float](repeating: .nan, count: descent_panel_size(k, n))
            descent_panel_pack(b, k, n, transposed ? 1 : 0, &panels)
            for (useBias, accumulate) in [(false, false), (true, false), (false, true), (true, true)] {
                let expected = reference(
                    m: m, n: n, k: k, a: a, b: b, transposed: transposed, bias: useBias ? bias : nil, c: c0,
                    accumulate: accumulate)
                for (name, gemm) in kernelVariants(
                    descent_panel_gemm, descent_panel_gemm_generic, descent_panel_gemm_avx2,
                    descent_panel_gemm_avx512)
                {
                    var c = c0
                    bias.withUnsafeBufferPointer { pb in
                        gemm(m, n, k, a, k, panels, useBias ? pb.baseAddress : nil, accumulate ? 1 : 0, &c, n)
                    }
                    #expect(
                        c.map(\.bitPattern) == expected.map(\.bitPattern),
                        "\(name) \(shape) transposed \(transposed) bias \(useBias) accumulate \(accumulate)")
                }
            }
        }
    }

    @Test func packedPanelsMultiplyRowsOfALargerMatrix() {
        let m = 6, n = 20, k = 5, lda = 9, ldc = 23
        let a = values(m * lda), w = values(n * k), bias = values(n)
        let panels = PackedPanels(w, k: k, n: n, transposed: true)
        var c = [Float](repeating: 7, count: m * ldc)
        bias.withUnsafeBufferPointer { pb in
            panels.multiply(m: m, a: a, lda: lda, bias: pb.baseAddress, accumulate: false, c: &c, ldc: ldc)
        }
        for i in 0..<m {
            for j in 0..<ldc {
                guard j < n else {
                    #expect(c[i * ldc + j] == 7, "column \(j) past n is untouched")
                    continue
                }
                var s: Float = 0
                for kk in 0..<k { s = s.addingProduct(a[i * lda + kk], w[j * k + kk]) }
                #expect(c[i * ldc + j] == s + bias[j], "C[\(i), \(j)]")
            }
        }
    }
}
#endif
