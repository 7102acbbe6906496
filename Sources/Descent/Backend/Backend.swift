#if canImport(CDNNL)
import CDNNL
#elseif canImport(Accelerate)
import Accelerate
#endif
import Foundation
import Synchronization

/// The one place that calls the compute library: single-precision GEMM and the thread count.
///
/// On Linux this is oneDNN (`dnnl_sgemm`, OpenMP threading); on macOS, Accelerate's BLAS.
public enum Backend {
    /// Performs `C = alpha · op(A) · op(B) + beta · C` on row-major matrices, where `op(X)` is `X` or `Xᵀ`.
    ///
    /// `A` is `m×k` after `op`, `B` is `k×n` after `op`, `C` is `m×n`; `lda`, `ldb`, `ldc` are the row
    /// strides of the stored (untransposed) matrices.
    @inlinable
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // C = beta · C (the library may not accept k = 0).
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 { row.update(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
            }
            return
        }
        _ = configured
        MultiplyAddCounter.current?.add(m * n * k)
        #if canImport(CDNNL)
        descent_omp_set_num_threads(Int32(threads))
        _ = dnnl_sgemm(
            transposeA ? 84 : 78, transposeB ? 84 : 78,  // 'T' : 'N'
            Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        #elseif canImport(Accelerate)
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        #else
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k {
                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    s += av * bv
                }
                c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
        #endif
    }

    /// One-time process set-up: the allocator tuning and the library's thread count.
    @usableFromInline
    static let configured: Bool = {
        #if canImport(CDNNL)
        descent_tune_malloc()
        descent_omp_set_num_threads(Int32(ThreadSettings.shared.count))
        #endif
        return true
    }()

    /// The number of threads used by Descent's kernels and by the compute library (default: all cores).
    ///
    /// This is the one documented process-wide setting; set it before heavy work starts.
    public static var threads: Int {
        get { ThreadSettings.shared.count }
        set {
            precondition(newValue >= 1, "Backend.threads must be at least 1")
            ThreadSettings.shared.count = newValue
            #if canImport(CDNNL)
            _ = configured
            descent_omp_set_num_threads(Int32(newValue))
            #endif
        }
    }
}

/// Holder of the process-wide thread count (an atomic, read on every kernel call).
final class ThreadSettings: Sendable {
    static let shared = ThreadSettings()
    private let value = Atomic<Int>({
        if let s = ProcessInfo.processInfo.environment["DESCENT_THREADS"], let n = Int(s), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }())
    var count: Int {
        get { value.load(ordering: .relaxed) }
        set { value.store(newValue, ordering: .relaxed) }
    }
}
