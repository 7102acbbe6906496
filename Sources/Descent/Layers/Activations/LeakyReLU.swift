extension Tensor {
    /// Leaky ReLU: `x` for `x > 0`, else `negativeSlope · x`; derivative 1 or `negativeSlope`.
    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        let s = negativeSlope
        let out = mapChunked { p, q, r in for i in r { let v = p[i]; q[i] = v > 0 ? v : v * s } }
        let x = detach()
        return Tensor.record("leaky_relu", out, self) { g in
            x.mapChunked(with: g) { p, gp, q, r in for i in r { q[i] = p[i] > 0 ? gp[i] : gp[i] * s } }
        }
    }
}

/// Leaky ReLU, `x` for `x > 0` else `negativeSlope · x` (PyTorch's `nn.LeakyReLU`).
public final class LeakyReLU: Module {
    /// The slope for negative inputs.
    public let negativeSlope: Float
    /// `torch.nn.LeakyReLU`'s default `negative_slope`, 0.01.
    public static let defaultNegativeSlope: Float = 0.01

    /// The layer with the given negative slope (PyTorch's default 0.01).
    public init(negativeSlope: Float = defaultNegativeSlope) {
        self.negativeSlope = negativeSlope
        super.init()
    }
    /// ``Tensor/leakyRelu(negativeSlope:)`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.leakyRelu(negativeSlope: negativeSlope) }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "negative_slope=\(negativeSlope)" }
}
