import Testing

@testable import Descent

/// The largest |a − b| over the largest |b|: the error of `a` relative to the scale of the reference `b`.
func normalisedError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var diff: Float = 0, scale: Float = 0
    for i in a.indices {
        diff = Swift.max(diff, Swift.abs(a[i] - b[i]))
        scale = Swift.max(scale, Swift.abs(b[i]))
    }
    return diff / Swift.max(scale, .leastNormalMagnitude)
}

/// The tolerance of bf16 against float32 on normalised outputs: bf16 inputs carry a relative rounding error of at
/// most 2⁻⁹ ≈ 0.002 each, and over sums of random-signed products the error stays well under 1%.
let bf16Tolerance: Float = 1e-2

/// Why the hardware tests are skipped where they are.
let bf16Hardware = "needs a CPU with AVX-512 BF16 or AMX and the oneDNN build (Backend.supportsBF16)"

/// float32 → bfloat16 conversion (round to nearest even, NaN kept a NaN) and the bf16 GEMM of
/// ``Backend/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:precision:)`` against float32.
@Suite struct BF16MatmulTests {
    /// An independent reference of the rounding: the bits of the nearest bf16, ties to the even one.
    static func referenceBits(_ x: Float) -> UInt16 {
        if x.isNaN { return UInt16(x.bitPattern >> 16) | 0x40 }
        let u = x.bitPattern, upper = u >> 16, lower = u & 0xFFFF
        let up = lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1)
        return UInt16(truncatingIfNeeded: up ? upper + 1 : upper)
    }

    /// Float32 bits and the bf16 bits they must give.
    static let knownBits: [(UInt32, UInt16)] = [
        (0x3F80_0000, 0x3F80),  // 1
        (0x3F80_7FFF, 0x3F80),  // just below half an ulp: down
        (0x3F80_8000, 0x3F80),  // a tie, kept bit even: stays
        (0x3F81_8000, 0x3F82),  // a tie, kept bit odd: up to even
        (0x3F80_8001, 0x3F81),  // just above half an ulp: up
        (0xC020_0000, 0xC020),  // −2.5, exact
        (0x4049_0FDB, 0x4049),  // π → 3.140625
        (0x8000_0000, 0x8000),  // −0
        (0x0000_0001, 0x0000),  // the smallest subnormal rounds to 0
        (0x0001_8000, 0x0002),  // a subnormal tie rounds to even
        (0x7F7F_FFFF, 0x7F80),  // the largest float32 rounds up to +∞
        (0xFF7F_FFFF, 0xFF80),  // and its negative to −∞
        (0x7F80_0000, 0x7F80),  // +∞
        (0xFF80_0000, 0xFF80),  // −∞
        (0x7FC0_0000, 0x7FC0),  // quiet NaN
        (0x7F80_0001, 0x7FC0),  // signalling NaN with a low payload: a quiet NaN, not ∞
        (0xFFFF_FFFF, 0xFFFF),  // negative NaN keeps its sign and upper payload
    ]

    @Test(arguments: BF16MatmulTests.knownBits)
    func conversionGivesKnownBits(_ c: (UInt32, UInt16)) {
        let x = Float(bitPattern: c.0)
        #expect(BFloat16.bits(x) == c.1, "\(String(c.0, radix: 16))")
        #expect(Self.referenceBits(x) == c.1)
        if !x.isNaN { #expect(BFloat16.float(c.1) == BFloat16.round(x)) } else { #expect(BFloat16.round(x).isNaN) }
    }

    @Test func packedConversionMatchesTheReference() {
        // The vector loop (and its tail) against the scalar reference, on random and special values, with a row
        // stride wider than the rows.
        let g = RandomGenerator(seed: 3)
        var values = g.normal([37 * 40]).scalars.map { $0 * 1e3 }
        let specials: [Float] = [
            .nan, .infinity, -.infinity, 0, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
        ]
        for (i, s) in specials.enumerated() { values[i * 97] = s }
        var packed = [UInt16](repeating: 0, count: 37 * 33)
        values.withUnsafeBufferPointer { src in
            BFloat16.pack(src.baseAddress!, rows: 37, columns: 33, stride: 40, into: &packed)
        }
        for r in 0..<37 {
            for c in 0..<33 {
                #expect(packed[r * 33 + c] == Self.referenceBits(values[r * 40 + c]), "[\(r), \(c)]")
            }
        }
    }

    /// `op(A) · op(B)` in Double from the stored operands, each first mapped by `round`.
    static func reference(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
        round: (Float) -> Float
    ) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = round(transposeA ? a[p * m + i] : a[i * k + p])
                    let bv = round(transposeB ? b[j * k + p] : b[p * n + j])
                    s += Double(av) * Double(bv)
                }
                c[i * n + j] = Float(s)
            }
        }
        return c
    }

    @Test(
        .enabled(if: Backend.supportsBF16, Comment(rawValue: bf16Hardware)),
        arguments: [(false, false), (false, true), (true, false), (true, true)])
    func gemmRoundsInputsAndAccumulatesInFloat32(_ t: (Bool, Bool)) {
        let m = 48, n = 72, k = 160
        let g = RandomGenerator(seed: 11)
        let a = g.normal([m * k]).scalars, b = g.normal([k * n]).scalars
        let start = g.normal([m * n]).scalars
        for accumulate in [false, true] {
            var bf16 = start, f32 = start
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    Backend.gemm(
                        transposeA: t.0, transposeB: t.1, m: m, n: n, k: k, alpha: 1, a: ap.baseAddress!,
                        lda: t.0 ? m : k, b: bp.baseAddress!, ldb: t.1 ? k : n, beta: accumulate ? 1 : 0,
                        c: &bf16, ldc: n, precision: .bf16)
                    Backend.gemm(
                        transposeA: t.0, transposeB: t.1, m: m, n: n, k: k, alpha: 1, a: ap.baseAddress!,
                        lda: t.0 ? m : k, b: bp.baseAddress!, ldb: t.1 ? k : n, beta: accumulate ? 1 : 0,
                        c: &f32, ldc: n, precision: .float32)
                }
            }
            var rounded = Self.reference(
                a, b, m: m, n: n, k: k, transposeA: t.0, transposeB: t.1, round: BFloat16.round)
            if accumulate { for i in rounded.indices { rounded[i] += start[i] } }
            // The bf16 product is the exact product of the rounded inputs, up to float32 accumulation …
            #expect(normalisedError(bf16, rounded) < 1e-5, "\(t) accumulate \(accumulate)")
            // … within the bf16 tolerance of float32, and not float32 itself (the bf16 path ran).
            #expect(normalisedError(bf16, f32) < bf16Tolerance, "\(t) accumulate \(accumulate)")
            #expect(bf16 != f32)
        }
    }

    @Test(.enabled(if: Backend.supportsBF16, Comment(rawValue: bf16Hardware)))
    func affineFusesBiasAndReLUInBF16() {
        let m = 64, n = 96, k = 128
        let g = RandomGenerator(seed: 12)
        let a = g.normal([m * k]).scalars, b = g.normal([n * k]).scalars, bias = g.normal([n]).scalars
        var bf16 = [Float](repeating: .nan, count: m * n), f32 = bf16
        Backend.affine(m: m, n: n, k: k, a: a, b: b, bias: bias, relu: true, c: &bf16, precision: .bf16)
        Backend.affine(m: m, n: n, k: k, a: a, b: b, bias: bias, relu: true, c: &f32, precision: .float32)
        var expected = Self.reference(
            a, b, m: m, n: n, k: k, transposeA: false, transposeB: true, round: BFloat16.round)
        for i in 0..<m { for j in 0..<n { expected[i * n + j] = Swift.max(expected[i * n + j] + bias[j], 0) } }
        #expect(normalisedError(bf16, expected) < 1e-5)
        #expect(normalisedError(bf16, f32) < bf16Tolerance)
        #expect(bf16.allSatisfy { $0 >= 0 })
    }

    @Test(.enabled(if: Backend.supportsBF16, Comment(rawValue: bf16Hardware)))
    func onePrimitiveOnSeveralThreadsAtOnce() {
        // A convolution runs the same cached primitive on every thread of its chunks at once: each call has its own
        // scratchpad (where oneDNN packs B), so concurrent calls give the serial results (W2's first-layer weight
        // gradient shape, whose packing once raced and gave non-finite gradients).
        let m = 32, n = 9, k = 784, chunks = 4, rounds = 50
        let g = RandomGenerator(seed: 14)
        let a = (0..<chunks).map { _ in g.normal([m * k]).scalars }
        let b = (0..<chunks).map { _ in g.normal([k * n]).scalars }
        let results = UnsafeMutablePointer<Float>.allocate(capacity: chunks * rounds * m * n)
        defer { results.deallocate() }
        Parallel.run(chunks: chunks) { c in
            for r in 0..<rounds {
                Backend.gemm(
                    transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a[c], lda: k, b: b[c],
                    ldb: n, beta: 0, c: results + (c * rounds + r) * m * n, ldc: n, precision: .bf16)
            }
        }
        for c in 0..<chunks {
            var serial = [Float](repeating: 0, count: m * n)
            Backend.gemm(
                transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a[c], lda: k, b: b[c], ldb: n,
                beta: 0, c: &serial, ldc: n, precision: .bf16)
            for r in 0..<rounds {
                let got = Array(UnsafeBufferPointer(start: results + (c * rounds + r) * m * n, count: m * n))
                #expect(normalisedError(got, serial) < 1e-6, "chunk \(c) round \(r)")
            }
        }
    }

    @Test func float32PrecisionIsSgemm() {
        // Under float32 the GEMM is sgemm itself, bit for bit.
        let m = 40, n = 50, k = 60
        let g = RandomGenerator(seed: 13)
        let a = g.normal([m * k]).scalars, b = g.normal([k * n]).scalars
        var viaGemm = [Float](repeating: 0, count: m * n), viaSgemm = viaGemm
        Backend.gemm(
            transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0,
            c: &viaGemm, ldc: n, precision: .float32)
        Backend.sgemm(
            transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0,
            c: &viaSgemm, ldc: n)
        #expect(viaGemm == viaSgemm)
    }
}
