import Foundation

/// Numerically stable softmax and log-softmax along an axis.
extension Tensor {
    /// `softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m)` along `axis`, `m` the lane's maximum.
    /// Backward: `y ⊙ (g − Σ g ⊙ y)`.
    public func softmax(axis: Int = -1) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "softmax")
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, dst = out.storage.pointer
        let (outer, n, inner) = reductionGeometry(a)
        Parallel.forEachChunk(outer * inner, cost: n * 4) { lanes in
            for lane in lanes {
                let base = (lane / inner) * n * inner + lane % inner
                var m = -Float.infinity
                for j in 0..<n { m = Swift.max(m, src[base + j * inner]) }
                if !m.isFinite { m = 0 }
                var s: Float = 0
                for j in 0..<n { let e = Foundation.exp(src[base + j * inner] - m); dst[base + j * inner] = e; s += e }
                let inv = 1 / s
                for j in 0..<n { dst[base + j * inner] *= inv }
            }
        }
        return Tensor.record("softmax", out, self) { g in
            let y = out.detach()
            return y * (g - (g * y).sum(axis: a, keepingDims: true))
        }
    }

    /// `log_softmax(x)ᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m)` along `axis`. Backward: `g − softmax(x) · Σ g`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "logSoftmax")
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, dst = out.storage.pointer
        let (outer, n, inner) = reductionGeometry(a)
        Parallel.forEachChunk(outer * inner, cost: n * 4) { lanes in
            for lane in lanes {
                let base = (lane / inner) * n * inner + lane % inner
                var m = -Float.infinity
                for j in 0..<n { m = Swift.max(m, src[base + j * inner]) }
                if !m.isFinite { m = 0 }
                var s: Float = 0
                for j in 0..<n { s += Foundation.exp(src[base + j * inner] - m) }
                let lse = m + Foundation.log(s)
                for j in 0..<n { dst[base + j * inner] = src[base + j * inner] - lse }
            }
        }
        return Tensor.record("log_softmax", out, self) { g in
            g - out.detach().exp() * g.sum(axis: a, keepingDims: true)
        }
    }
}
