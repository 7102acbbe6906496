import Foundation

/// Clips every gradient element of `parameters` to `[−clipValue, clipValue]` in place
/// (`torch.nn.utils.clip_grad_value_`): `g ← min(max(g, −θ), θ)`.
///
/// A ceiling of θ = 5 is a typical choice for recurrent networks, where single exploding gradients otherwise
/// derail training. Clipping by value changes the gradient's direction; ``clipGradNorm(_:maxNorm:normType:)``
/// rescales it instead. Parameters without a gradient are skipped.
public func clipGradValue(_ parameters: [Tensor], _ clipValue: Float) {
    precondition(clipValue >= 0, "clipGradValue: the clip value \(clipValue) is negative")
    let lo = -clipValue, hi = clipValue
    for p in parameters {
        modifyGradient(p) { g in
            Parallel.forEachChunk(g.count) { r in
                for i in r { g[i] = Swift.min(Swift.max(g[i], lo), hi) }
            }
        }
    }
}

/// Rescales the gradients of `parameters` so that their global norm is at most `maxNorm`
/// (`torch.nn.utils.clip_grad_norm_`), and returns the global norm *before* clipping.
///
/// The global norm is the `normType`-norm of all gradient elements together (`normType` = 2 by default;
/// `.infinity` for the largest magnitude). Every gradient is multiplied by
/// `min(1, maxNorm / (norm + 1e-6))`, PyTorch's clip coefficient, so the direction is kept. A non-finite norm
/// is returned as is and, as in PyTorch, turns the gradients non-finite. Parameters without a gradient are skipped.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float, normType: Float = 2) -> Float {
    precondition(normType > 0, "clipGradNorm: norm type \(normType) must be positive (or .infinity)")
    let grads = parameters.compactMap { $0.grad }
    if grads.isEmpty { return 0 }
    let total: Float
    if normType == .infinity {
        var m = 0.0
        for g in grads {
            let r = g.withUnsafeBufferPointer { chunkedReduce($0, p: .infinity) }
            m = m.isNaN || r.isNaN ? .nan : Swift.max(m, r)
        }
        total = Float(m)
    } else {
        let p = Double(normType)
        var sum = 0.0
        for g in grads { sum += g.withUnsafeBufferPointer { chunkedReduce($0, p: p) } }
        total = Float(p == 2 ? sum.squareRoot() : Foundation.pow(sum, 1 / p))
    }
    let coefficient = Swift.min(maxNorm / (total + 1e-6), 1)
    if coefficient < 1 || coefficient.isNaN {
        for p in parameters {
            modifyGradient(p) { g in
                Parallel.forEachChunk(g.count) { r in for i in r { g[i] = g[i] * coefficient } }
            }
        }
    }
    return total
}

/// Calls `body` with write access to `p`'s gradient, copying it first if its storage is shared (gradients of
/// different parameters may share storage after a backward pass).
func modifyGradient(_ p: Tensor, _ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
    guard var g = p.grad else { return }
    p.grad = nil
    g.withUnsafeMutableBufferPointer(body)
    p.grad = g
}

/// `Σ|xᵢ|^p` over `x` (in `Double`), or `max |xᵢ|` for `p = ∞` (NaN if any element is NaN), in parallel chunks.
func chunkedReduce(_ x: UnsafeBufferPointer<Float>, p: Double) -> Double {
    let n = x.count
    if n == 0 { return 0 }
    let chunks = Swift.max(1, Swift.min(Backend.threads, n / Parallel.grainSize))
    var partial = [Double](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { out in
        let base = x.baseAddress!
        Parallel.forEachChunk(chunks, cost: Parallel.grainSize) { cr in
            for c in cr {
                let lo = n * c / chunks, hi = n * (c + 1) / chunks
                var acc = 0.0
                if p == .infinity {
                    for i in lo..<hi {
                        let a = Double(Swift.abs(base[i]))
                        if a.isNaN { acc = .nan; break }
                        acc = Swift.max(acc, a)
                    }
                } else if p == 2 {
                    for i in lo..<hi { let v = Double(base[i]); acc += v * v }
                } else if p == 1 {
                    for i in lo..<hi { acc += Double(Swift.abs(base[i])) }
                } else {
                    for i in lo..<hi { acc += Foundation.pow(Double(Swift.abs(base[i])), p) }
                }
                out[c] = acc
            }
        }
    }
    if p == .infinity { return partial.contains { $0.isNaN } ? .nan : partial.max()! }
    return partial.reduce(0, +)
}
