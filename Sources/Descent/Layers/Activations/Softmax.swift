import Foundation

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
}

/// Softmax along a dimension, `exp(xᵢ) / Σⱼ exp(xⱼ)` (PyTorch's `nn.Softmax(dim)`).
public final class Softmax: Module {
    /// The dimension normalised (negative counts from the end).
    public let dim: Int
    /// The class dimension of `[N, C, …]` inputs, 1: what `torch.nn.Softmax` infers for them without `dim`.
    public static let defaultDim = 1

    /// The layer normalising along `dim`.
    public init(dim: Int = defaultDim) {
        self.dim = dim
        super.init()
    }
    /// ``Tensor/softmax(axis:)`` along `dim`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.softmax(axis: dim)
    }
    /// The input shape, after checking that `dim` exists.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        try checkDimension(dim, of: inputShape)
        return inputShape
    }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "dim=\(dim)" }
}
