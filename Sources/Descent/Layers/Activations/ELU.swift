import Foundation

extension Tensor {
    /// ELU: `x` for `x > 0`, else `α(eˣ − 1)`; derivative 1 or `α·eˣ`.
    public func elu(alpha: Float = 1) -> Tensor {
        let a = alpha
        let out = mapChunked { p, q, r in for i in r { let v = p[i]; q[i] = v > 0 ? v : a * (Foundation.exp(v) - 1) } }
        let x = detach()
        return Tensor.record("elu", out, self) { g in
            x.mapChunked(with: g) { p, gp, q, r in
                for i in r { let v = p[i]; q[i] = v > 0 ? gp[i] : gp[i] * a * Foundation.exp(v) }
            }
        }
    }
}

/// ELU, `x` for `x > 0` else `α(eˣ − 1)` (PyTorch's `nn.ELU`).
public final class ELU: Module {
    /// The saturation value α for negative inputs.
    public let alpha: Float
    /// `torch.nn.ELU`'s default `alpha`, 1.
    public static let defaultAlpha: Float = 1

    /// The layer with the given α (PyTorch's default 1).
    public init(alpha: Float = defaultAlpha) {
        self.alpha = alpha
        super.init()
    }
    /// ``Tensor/elu(alpha:)`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.elu(alpha: alpha) }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "alpha=\(alpha)" }
}
