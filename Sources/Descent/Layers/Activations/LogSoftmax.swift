import Foundation

extension Tensor {
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
                // (xᵢ − m) − log Σ, not xᵢ − (m + log Σ): exact as PyTorch's beside logits of 1e4.
                let logSum = Foundation.log(s)
                for j in 0..<n { dst[base + j * inner] = (src[base + j * inner] - m) - logSum }
            }
        }
        return Tensor.record("log_softmax", out, self) { g in
            g - out.detach().exp() * g.sum(axis: a, keepingDims: true)
        }
    }
}

/// Log-softmax along a dimension, `xᵢ − log Σⱼ exp(xⱼ)` (PyTorch's `nn.LogSoftmax(dim)`).
public final class LogSoftmax: Module {
    /// The dimension normalised (negative counts from the end).
    public let dim: Int
    /// The class dimension of `[N, C, …]` inputs, 1: what `torch.nn.LogSoftmax` infers for them without `dim`.
    public static let defaultDim = 1

    /// The layer normalising along `dim`.
    public init(dim: Int = defaultDim) {
        self.dim = dim
        super.init()
    }
    /// ``Tensor/logSoftmax(axis:)`` along `dim`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.logSoftmax(axis: dim)
    }
    /// The input shape, after checking that `dim` exists.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        try checkDimension(dim, of: inputShape)
        return inputShape
    }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "dim=\(dim)" }
}
