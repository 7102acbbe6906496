import CDescentKernels
import Synchronization

#if canImport(CDNNL)
import CDNNL
#endif

extension Backend {
    /// The GEMM of Linear layers and convolutions: ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// in `precision` (by default ``precision``, the process-wide setting).
    ///
    /// With ``Precision/bf16`` (where ``supportsBF16``), `alpha` 1, `beta` 0 or 1, `ldc == n` and at least
    /// ``MatmulCache/minimumWork`` multiply-adds, `A` and `B` are rounded to bfloat16 (round-to-nearest-even to an
    /// 8-bit significand, ``BFloat16``), multiplied by oneDNN's matmul primitive (bf16 inputs, products accumulated
    /// in float32) and the float32 result is written (`beta` 0) or added (`beta` 1) to `C`. Anything else, and
    /// every product under ``Precision/float32``, is ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        precision: Precision = Backend.precision
    ) {
        #if canImport(CDNNL)
        if precision == .bf16 && alpha == 1 && (beta == 0 || beta == 1) && ldc == n,
            bf16Matmul(
                m: m, n: n, k: k, a: a, transposeA: transposeA, lda: lda, b: b, transposeB: transposeB, ldb: ldb,
                bias: nil, relu: false, accumulate: beta == 1, c: c)
        {
            return
        }
        #endif
        sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
            ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    #if canImport(CDNNL)
    /// `C (+)= op(A) · op(B) (+ bias)` (then ReLU) through the bf16 matmul primitive, `A` and `B` rounded to bf16 into
    /// packed scratch first; `false` (nothing written) when bf16 does not apply: no CPU support, a product under
    /// ``MatmulCache/minimumWork`` multiply-adds, or no primitive for the shape.
    static func bf16Matmul(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transposeA: Bool, lda: Int,
        b: UnsafePointer<Float>, transposeB: Bool, ldb: Int,
        bias: UnsafePointer<Float>?, relu: Bool, accumulate: Bool, c: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard supportsBF16, m > 0, n > 0, k > 0, m * n * k >= MatmulCache.minimumWork else { return false }
        // Inside a parallel region (a convolution's chunks of images) the primitive runs on the calling thread
        // alone, and must be planned for one thread.
        let threads = descent_omp_num_threads() > 1 ? 1 : Backend.threads
        let key = BF16MatmulCache.Key(
            m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, bias: bias != nil, relu: relu,
            accumulate: accumulate, threads: threads)
        guard let entry = BF16MatmulCache.shared.entry(key), let stream = MatmulCache.shared.stream() else {
            return false
        }
        let aBits = UnsafeMutablePointer<UInt16>.allocate(capacity: m * k)
        let bBits = UnsafeMutablePointer<UInt16>.allocate(capacity: k * n)
        defer {
            aBits.deallocate()
            bBits.deallocate()
        }
        BFloat16.pack(a, rows: transposeA ? k : m, columns: transposeA ? m : k, stride: lda, into: aBits)
        BFloat16.pack(b, rows: transposeB ? n : k, columns: transposeB ? k : n, stride: ldb, into: bBits)
        descent_omp_set_num_threads(Int32(threads))
        guard descent_matmul_bf16_execute(entry.pointer, stream, aBits, bBits, bias, c) == 0 else { return false }
        MultiplyAddCounter.current?.add(m * n * k)
        return true
    }
    #endif
}

/// bfloat16 as Descent uses it: the upper 16 bits of a float32 (sign, 8-bit exponent, 7 stored significand bits),
/// the format of the matrix-product inputs under ``Precision/bf16``.
public enum BFloat16 {
    /// The bf16 bits of `value`: rounded to nearest, ties to even, at the 8th significant bit; finite values beyond
    /// the largest bf16 (≈ 3.39e38) become ±infinity; a NaN stays a NaN, made quiet (bit 6 set). The same
    /// conversion as the C kernel that rounds the matrix-product inputs.
    public static func bits(_ value: Float) -> UInt16 {
        var input = value, output: UInt16 = 0
        descent_f32_to_bf16(&input, &output, 1)
        return output
    }

    /// The float32 with bf16 bits `bits` (exact: bf16 is the upper half of a float32).
    public static func float(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// `value` rounded to bf16 and back: the value that a bf16 matrix product multiplies.
    public static func round(_ value: Float) -> Float { float(bits(value)) }

    /// Rounds the `rows × columns` row-major matrix at `source` (rows `stride` floats apart) to bf16 into the packed
    /// matrix `destination` (rows `columns` apart); parallel over rows when large.
    static func pack(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int,
        into destination: UnsafeMutablePointer<UInt16>
    ) {
        if stride == columns {
            let count = rows * columns
            Parallel.forEachChunk(count) { r in
                descent_f32_to_bf16(source + r.lowerBound, destination + r.lowerBound, r.count)
            }
            return
        }
        Parallel.forEachChunk(rows, cost: columns) { r in
            for i in r { descent_f32_to_bf16(source + i * stride, destination + i * columns, columns) }
        }
    }
}

#if canImport(CDNNL)
/// oneDNN's bf16 matmul primitives by shape and layout, created on first use, on ``MatmulCache``'s engine and
/// streams; a shape oneDNN cannot serve is remembered as such and its product runs in float32.
final class BF16MatmulCache: @unchecked Sendable {
    static let shared = BF16MatmulCache()

    struct Key: Hashable, Sendable {
        let m, n, k: Int
        let transposeA, transposeB: Bool
        let bias, relu, accumulate: Bool
        let threads: Int
    }

    typealias Entry = OwnedPrimitive<descent_matmul_bf16>

    private let entries = PrimitiveTable<Key, Entry>()

    /// The primitive for `key`, created on first use; `nil` when oneDNN has none.
    func entry(_ key: Key) -> Entry? {
        entries.entry(key, threads: key.threads) {
            descent_matmul_bf16_create(
                MatmulCache.shared.engine, key.m, key.n, key.k, key.transposeA ? 1 : 0, key.transposeB ? 1 : 0,
                key.bias ? 1 : 0, key.relu ? 1 : 0, key.accumulate ? 1 : 0
            ).map { Entry($0, destroy: { descent_matmul_bf16_destroy($0) }) }
        }
    }
}

extension MatmulCache {
    /// Whether this oneDNN builds a bf16 matmul primitive at all (false with oneDNN 3, whose API Descent does not
    /// use yet).
    var hasBF16Primitive: Bool {
        guard let probe = descent_matmul_bf16_create(engine, 16, 16, 16, 0, 0, 0, 0, 0) else { return false }
        descent_matmul_bf16_destroy(probe)
        return true
    }
}
#endif
