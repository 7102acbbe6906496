#if arch(x86_64)
import CDescentKernels
import Testing
@testable import Descent

/// The fused batch-norm / ReLU / 2×2 max-pooling kernels of ``BlockedPooling`` over one nChw16c block, every
/// instruction-set build against the definitions in descent_blocked.h written out in plain Swift: bit for bit for
/// the pooling and the input gradient (NaN, ±0 and ±∞ in the forward input; odd H and W, whose last row and column
/// no window covers; negative scales, which turn each window's maximum into its minimum), within 1e-5 relative for
/// the moments and sums (summed in vector lanes).
@Suite struct BlockedPoolingTests {
    let h = 7, w = 9
    var oH: Int { h / 2 }
    var oW: Int { w / 2 }

    /// 64-byte-aligned storage holding `values` (the backward pass streams its stores past the caches).
    func aligned(_ values: [Float]) -> Tensor { Tensor(values, shape: [values.count]) }

    /// The 16 per-lane scales: half of them negative.
    func scales() -> [Float] { (0..<16).map { l in (l % 2 == 0 ? 1 : -1) * Float(0.5 + 0.1 * Double(l)) } }

    /// One block of H×W positions with NaN, ±0 and ±∞ at a few places.
    func block(_ g: RandomGenerator, specials: Bool) -> [Float] {
        var v = g.normal([h * w * 16]).scalars
        if specials {
            for (i, s) in [Float.nan, -0.0, 0.0, .infinity, -.infinity].enumerated() { v[53 * i + 5] = s }
        }
        return v
    }

    /// relu(x·a + b) as the kernels define it (ReLU keeps NaN and −0), or x without a batch norm.
    func activate(_ x: Float, _ l: Int, _ a: [Float]?, _ b: [Float]?) -> Float {
        guard let a, let b else { return x }
        let z = x * a[l] + b[l]
        return z < 0 ? 0 : z
    }

    /// The window at (i, j)'s maximum in lane l: its position 0…3 (row-major; a later value wins when larger or NaN).
    func argmax(_ x: [Float], _ i: Int, _ j: Int, _ l: Int, _ a: [Float]?, _ b: [Float]?) -> Int {
        let at = [(0, 0), (0, 1), (1, 0), (1, 1)].map { ((2 * i + $0.0) * w + 2 * j + $0.1) * 16 + l }
        var best = activate(x[at[0]], l, a, b), k = 0
        for q in 1..<4 {
            let r = activate(x[at[q]], l, a, b)
            if r > best || r.isNaN { (best, k) = (r, q) }
        }
        return k
    }

    func sameBits(_ a: [Float], _ b: [Float]) -> Bool { a.map(\.bitPattern) == b.map(\.bitPattern) }

    @Test(arguments: [true, false])
    func poolingKeepsEachWindowsMaximum(_ withBatchNorm: Bool) {
        let g = RandomGenerator(seed: 21)
        let x = block(g, specials: true)
        let a = withBatchNorm ? scales() : nil, b = withBatchNorm ? g.normal([16]).scalars : nil
        var pooled = [Float](repeating: 0, count: oH * oW * 16), kept = pooled
        for i in 0..<oH {
            for j in 0..<oW {
                for l in 0..<16 {
                    let k = argmax(x, i, j, l, a, b)
                    let at = ((2 * i + k / 2) * w + 2 * j + k % 2) * 16 + l
                    pooled[(i * oW + j) * 16 + l] = activate(x[at], l, a, b)
                    kept[(i * oW + j) * 16 + l] = x[at]
                }
            }
        }
        let variants = kernelVariants(
            descent_blocked_bn_relu_pool, descent_blocked_bn_relu_pool_generic, descent_blocked_bn_relu_pool_avx2,
            descent_blocked_bn_relu_pool_avx512)
        for (name, f) in variants {
            let dst = Tensor.zeros([oH * oW * 16]), keep = Tensor.zeros([oH * oW * 16])
            f(x, h, w, a, b, dst.storage.pointer, keep.storage.pointer)
            #expect(sameBits(dst.scalars, pooled), "\(name): pooled values")
            #expect(sameBits(keep.scalars, kept), "\(name): kept values")
        }
    }

    @Test func momentsPerLane() {
        let x = block(RandomGenerator(seed: 22), specials: false).map { $0 * 3 + 5 }
        let count = h * w
        let variants = kernelVariants(
            descent_blocked_moments, descent_blocked_moments_generic, descent_blocked_moments_avx2,
            descent_blocked_moments_avx512)
        for (name, f) in variants {
            var mean = [Float](repeating: 0, count: 16), m2 = mean
            f(x, count, &mean, &m2)
            for l in 0..<16 {
                let lane = (0..<count).map { Double(x[$0 * 16 + l]) }
                let mu = lane.reduce(0, +) / Double(count)
                let sq = lane.map { ($0 - mu) * ($0 - mu) }.reduce(0, +)
                #expect(abs(Double(mean[l]) - mu) <= 1e-5 * abs(mu), "\(name): mean of lane \(l)")
                #expect(abs(Double(m2[l]) - sq) <= 1e-5 * sq, "\(name): squared deviations of lane \(l)")
            }
        }
    }

    @Test func backwardSumsOverThePooledValues() {
        let g = RandomGenerator(seed: 23), count = oH * oW
        let grad = g.normal([count * 16]).scalars, out = g.normal([count * 16]).scalars
        let keep = g.normal([count * 16]).scalars, mu = g.normal([16]).scalars
        let variants = kernelVariants(
            descent_blocked_bn_relu_pool_sums, descent_blocked_bn_relu_pool_sums_generic,
            descent_blocked_bn_relu_pool_sums_avx2, descent_blocked_bn_relu_pool_sums_avx512)
        for (name, f) in variants {
            var sums = [Float](repeating: 1, count: 32)
            f(grad, out, keep, count, mu, &sums)
            for l in 0..<16 {
                var sg = 0.0, sgx = 0.0
                for p in 0..<count where !(out[p * 16 + l] <= 0) {
                    sg += Double(grad[p * 16 + l])
                    sgx += Double(grad[p * 16 + l]) * Double(keep[p * 16 + l] - mu[l])
                }
                #expect(abs(Double(sums[l]) - 1 - sg) <= 1e-5 * (1 + abs(sg)), "\(name): Σ g' of lane \(l)")
                #expect(abs(Double(sums[16 + l]) - 1 - sgx) <= 1e-5 * (1 + abs(sgx)), "\(name): Σ g'·x of lane \(l)")
            }
        }
    }

    @Test(arguments: [true, false])
    func backwardRoutesTheGradientToEachMaximum(_ withBatchNorm: Bool) {
        let g = RandomGenerator(seed: 24)
        let x = block(g, specials: false)
        let a = withBatchNorm ? scales() : nil, b = withBatchNorm ? g.normal([16]).scalars : nil
        let grad = g.normal([oH * oW * 16]).scalars, out = g.normal([oH * oW * 16]).scalars
        let mu = g.normal([16]).scalars, meanG = g.normal([16]).scalars, k = g.normal([16]).scalars
        let scale = g.normal([16]).scalars
        var expected = [Float](repeating: 0, count: h * w * 16)
        for r in 0..<h {
            for c in 0..<w {
                for l in 0..<16 {
                    var share: Float = 0
                    let (i, j) = (r / 2, c / 2)
                    if i < oH, j < oW, argmax(x, i, j, l, a, b) == (r % 2) * 2 + c % 2 {
                        let p = (i * oW + j) * 16 + l
                        share = out[p] <= 0 ? 0 : grad[p]
                    }
                    let at = (r * w + c) * 16 + l
                    expected[at] = withBatchNorm ? (share - meanG[l] - (x[at] - mu[l]) * k[l]) * scale[l] : share
                }
            }
        }
        let variants = kernelVariants(
            descent_blocked_bn_relu_pool_backward, descent_blocked_bn_relu_pool_backward_generic,
            descent_blocked_bn_relu_pool_backward_avx2, descent_blocked_bn_relu_pool_backward_avx512)
        for (name, f) in variants {
            let dx = aligned([Float](repeating: .nan, count: h * w * 16))
            f(x, h, w, a, b, grad, out, mu, meanG, k, scale, dx.storage.pointer)
            #expect(sameBits(dx.scalars, expected), "\(name): input gradient")
        }
    }
}
#endif
