import Foundation
import Synchronization

#if canImport(CDNNL)
import CDNNL
#elseif canImport(Accelerate)
import Accelerate
#endif

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

    /// `C = A · Bᵀ + bias`, then `max(C, 0)` when `relu`, for row-major `A` `[m, k]`, `B` `[n, k]` (a Linear weight)
    /// and `C` `[m, n]` (overwritten), `bias` `[n]` or `nil`:
    ///
    ///     C[i, j] = relu?(Σ_p A[i, p] · B[j, p] + bias[j])
    ///
    /// On Linux this is oneDNN's matmul primitive with the bias and ReLU fused into its output tiles (primitives are
    /// cached per shape); elsewhere, and for products too small to gain from it, ``sgemm`` and one pass for the
    /// bias and ReLU. With `precision` ``Precision/bf16`` (where ``supportsBF16``), `A` and `B` are rounded to
    /// bfloat16 (round-to-nearest-even to an 8-bit significand) and the products accumulated in float32, as
    /// ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:precision:)`` does; the bias and `C` stay
    /// float32.
    public static func affine(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, relu: Bool, c: UnsafeMutablePointer<Float>, precision: Precision = .float32
    ) {
        if m == 0 || n == 0 { return }
        #if canImport(CDNNL)
        if precision == .bf16,
            bf16Matmul(
                m: m, n: n, k: k, a: a, transposeA: false, lda: k, b: b, transposeB: true, ldb: k, bias: bias,
                relu: relu, accumulate: false, c: c)
        {
            return
        }
        if k > 0 && m * n * k >= MatmulCache.minimumWork,
            let entry = MatmulCache.shared.entry(
                MatmulCache.Key(
                    m: m, n: n, k: k, bias: bias != nil, relu: relu,
                    threads: threads))
        {
            descent_omp_set_num_threads(Int32(threads))
            if let stream = MatmulCache.shared.stream(),
                descent_matmul_execute(entry.pointer, stream, a, b, bias, c) == 0
            {
                MultiplyAddCounter.current?.add(m * n * k)
                return
            }
        }
        #endif
        sgemm(
            transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k,
            beta: 0, c: c, ldc: n)
        if bias != nil || relu {
            Parallel.forEachChunk(m, cost: n) { r in
                Kernels.rowBiasReLU(c + r.lowerBound * n, bias, rows: r.count, cols: n, relu: relu)
            }
        }
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
    private let value = Atomic<Int>(
        {
            if let s = ProcessInfo.processInfo.environment["DESCENT_THREADS"], let n = Int(s), n >= 1 { return n }
            return max(1, ProcessInfo.processInfo.activeProcessorCount)
        }())
    var count: Int {
        get { value.load(ordering: .relaxed) }
        set { value.store(newValue, ordering: .relaxed) }
    }
}

#if canImport(CDNNL)
/// oneDNN matmul primitives by shape, created on first use (creating one takes about a millisecond; running it,
/// microseconds). A shape oneDNN cannot serve is remembered as such, and the caller falls back to `sgemm`.
final class MatmulCache: @unchecked Sendable {
    static let shared = MatmulCache()
    /// Below this many multiply-adds the primitive's fixed cost outweighs its gain.
    static let minimumWork = 1 << 16
    struct Key: Hashable, Sendable {
        let m, n, k: Int
        let bias, relu: Bool
        let threads: Int
    }

    typealias Entry = OwnedPrimitive<descent_matmul>

    private let entries = PrimitiveTable<Key, Entry>()
    /// The one CPU engine (nil when oneDNN cannot create one), shared with ``ConvolutionCache`` and
    /// ``BF16MatmulCache``.
    let engine: OpaquePointer?
    /// The thread-local slot of each thread's stream (destroyed with the thread).
    private let streamKey: pthread_key_t

    private init() {
        engine = descent_engine_create()
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            if let raw { dnnl_stream_destroy(OpaquePointer(raw)) }
        }
        streamKey = key
    }

    /// A stream of the engine for the calling thread, created on its first call.
    func stream() -> OpaquePointer? {
        guard let engine else { return nil }
        if let raw = pthread_getspecific(streamKey) { return OpaquePointer(raw) }
        var stream: OpaquePointer?
        guard dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else {
            return nil
        }
        pthread_setspecific(streamKey, UnsafeRawPointer(stream))
        return stream
    }

    /// The primitive for `key`, created on first use; `nil` when oneDNN has none.
    func entry(_ key: Key) -> Entry? {
        entries.entry(key, threads: key.threads) {
            descent_matmul_create(engine, key.m, key.n, key.k, key.bias ? 1 : 0, key.relu ? 1 : 0).map {
                Entry($0, destroy: { descent_matmul_destroy($0) })
            }
        }
    }
}
#endif
