import CDescentKernels

/// Batch norm, ReLU and 2×2 max pooling with stride 2 fused over activations in nChw16c (`[n][c/16][h][w][16]`),
/// Descent's own kernels: one pass pools the normalised values without writing them, the backward pass reads the
/// convolution output once and finds each window's maximum again.
///
/// Forward: `r = relu(a·x + b)` per channel (`a = γ/σ̂`, `b = β − μ·a`), `out = max` of `r` over each window
/// (PyTorch's rule: row-major scan, a later value wins when larger or NaN; an odd last row or column left out), and
/// `keep` = `x` at each window's maximum. Backward: `∂x = (g' − mean(g') − (x − μ)·k)·s` with `g'` the pooled
/// gradient `g·[out > 0]` at its window's maximum and 0 elsewhere, `k = mean(g'·(x − μ))/σ̂²`, `s = γ/σ̂`; the sums
/// `Σ g'` and `Σ g'·(x − μ)` come from the pooled values alone (`keep`). Without a batch norm (`a = nil`) the same
/// passes are plain max pooling of `x` (already through a ReLU) and its gradient `g·[out > 0]` at the maxima.
enum BlockedPooling {
    /// The blocks of `shape`: one per image and 16 channels.
    private static func blocks(_ shape: BlockedLayout.Shape) -> Int { shape.n * shape.c / 16 }

    /// The per-channel mean and biased variance of `src` over `n·h·w`: each block's moments, combined in `Double`
    /// (`M2 = Σ M2ᵢ + cᵢ·(μᵢ − μ)²`, Chan et al.).
    static func moments(
        _ src: UnsafePointer<Float>, shape: BlockedLayout.Shape, mean: UnsafeMutablePointer<Float>,
        variance: UnsafeMutablePointer<Float>
    ) {
        let hw = shape.h * shape.w, count = blocks(shape), cBlocks = shape.c / 16
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: 2 * 16 * count)
        defer { partial.deallocate() }
        Parallel.forEachChunk(count, cost: 2 * 16 * hw) { range in
            for i in range {
                descent_blocked_moments(src + i * 16 * hw, hw, partial + 32 * i, partial + 32 * i + 16)
            }
        }
        let total = Double(shape.n * hw)
        for cb in 0..<cBlocks {
            for lane in 0..<16 {
                var sum = 0.0
                for image in 0..<shape.n { sum += Double(partial[32 * (image * cBlocks + cb) + lane]) }
                let mu = sum / Double(shape.n)
                var m2 = 0.0
                for image in 0..<shape.n {
                    let at = 32 * (image * cBlocks + cb) + lane
                    let d = Double(partial[at]) - mu
                    m2 += Double(partial[at + 16]) + Double(hw) * d * d
                }
                mean[16 * cb + lane] = Float(mu)
                variance[16 * cb + lane] = Float(m2 / total)
            }
        }
    }

    /// The pooled `dst` (`[n][c/16][h/2][w/2][16]`) of `relu(a·src + b)`, or of `src` when `a` is `nil`, and, when
    /// `keep` is given, `src` at each window's maximum.
    static func forward(
        _ src: UnsafePointer<Float>, shape: BlockedLayout.Shape, a: UnsafePointer<Float>?, b: UnsafePointer<Float>?,
        dst: UnsafeMutablePointer<Float>, keep: UnsafeMutablePointer<Float>?
    ) {
        let hw = shape.h * shape.w, pooled = (shape.h / 2) * (shape.w / 2)
        Parallel.forEachChunk(blocks(shape), cost: 16 * hw) { range in
            for i in range {
                let cb = i % (shape.c / 16)
                descent_blocked_bn_relu_pool(
                    src + i * 16 * hw, shape.h, shape.w, a.map { $0 + 16 * cb }, b.map { $0 + 16 * cb },
                    dst + i * 16 * pooled, keep.map { $0 + i * 16 * pooled })
            }
        }
    }

    /// Per channel `(Σ g', Σ g'·(keep − μ))` in `Double`, `g' = g·[out > 0]`, over the pooled `g`, `out` and `keep`
    /// of ``forward(_:shape:a:b:dst:keep:)`` (`shape`: the unpooled activation's).
    static func backwardSums(
        _ g: UnsafePointer<Float>, out: UnsafePointer<Float>, keep: UnsafePointer<Float>, shape: BlockedLayout.Shape,
        mean: UnsafePointer<Float>
    ) -> (sumG: [Double], sumGX: [Double]) {
        let pooled = (shape.h / 2) * (shape.w / 2), count = blocks(shape), cBlocks = shape.c / 16
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: 32 * count)
        defer { partial.deallocate() }
        partial.initialize(repeating: 0, count: 32 * count)
        Parallel.forEachChunk(count, cost: 3 * 16 * pooled) { range in
            for i in range {
                let o = i * 16 * pooled
                descent_blocked_bn_relu_pool_sums(
                    g + o, out + o, keep + o, pooled, mean + 16 * (i % cBlocks), partial + 32 * i)
            }
        }
        var sumG = [Double](repeating: 0, count: shape.c), sumGX = sumG
        for image in 0..<shape.n {
            for cb in 0..<cBlocks {
                let at = 32 * (image * cBlocks + cb)
                for lane in 0..<16 {
                    sumG[16 * cb + lane] += Double(partial[at + lane])
                    sumGX[16 * cb + lane] += Double(partial[at + 16 + lane])
                }
            }
        }
        return (sumG, sumGX)
    }

    /// The unpooled `dx` from the pooled gradient `g` and output `out`, the windows' maxima found again from `src`,
    /// `a` and `b`: `(g' − meanG − (src − μ)·k)·s` per channel, or `g'` (+0 off the maxima) when `a` is `nil`.
    static func backward(
        _ src: UnsafePointer<Float>, shape: BlockedLayout.Shape, a: UnsafePointer<Float>?, b: UnsafePointer<Float>?,
        g: UnsafePointer<Float>, out: UnsafePointer<Float>,
        coefficients: (
            mean: UnsafePointer<Float>, meanG: UnsafePointer<Float>, k: UnsafePointer<Float>,
            scale: UnsafePointer<Float>
        )?,
        dx: UnsafeMutablePointer<Float>
    ) {
        // The kernel streams its stores past the caches in 64-byte vectors (tensor storage is 64-byte aligned).
        precondition(Int(bitPattern: dx) % 64 == 0, "BlockedPooling.backward: dx must be 64-byte aligned")
        let hw = shape.h * shape.w, pooled = (shape.h / 2) * (shape.w / 2)
        Parallel.forEachChunk(blocks(shape), cost: 3 * 16 * hw) { range in
            for i in range {
                let cb = 16 * (i % (shape.c / 16))
                descent_blocked_bn_relu_pool_backward(
                    src + i * 16 * hw, shape.h, shape.w, a.map { $0 + cb }, b.map { $0 + cb },
                    g + i * 16 * pooled, out + i * 16 * pooled, coefficients.map { $0.mean + cb },
                    coefficients.map { $0.meanG + cb }, coefficients.map { $0.k + cb },
                    coefficients.map { $0.scale + cb }, dx + i * 16 * hw)
            }
        }
    }
}
