import Foundation

/// Which form of GELU to compute: the exact one with `erf`, or PyTorch's `approximate="tanh"` form.
public enum GELUApproximation: String, Sendable, Equatable {
    /// `x · Φ(x) = ½x(1 + erf(x/√2))`.
    case none
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    case tanh
}

extension Tensor {
    /// GELU: exact `x·Φ(x) = ½x(1 + erf(x/√2))`, derivative `Φ(x) + x·φ(x)`; or with `.tanh`,
    /// `½x(1 + tanh(u))`, `u = √(2/π)(x + 0.044715x³)`, derivative `½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)`.
    public func gelu(approximate: GELUApproximation = GELU.defaultApproximate) -> Tensor {
        let x = detach()
        let invSqrt2: Float = 0.70710678118654752, invSqrt2Pi: Float = 0.39894228040143268
        let k: Float = 0.79788456080286536, c: Float = 0.044715
        switch approximate {
        case .none:
            let out = mapChunked { p, q, r in
                for i in r { let v = p[i]; q[i] = 0.5 * v * (1 + Foundation.erf(v * invSqrt2)) }
            }
            return Tensor.record("gelu", out, self) { g in
                x.mapChunked(with: g) { p, gp, q, r in
                    for i in r {
                        let v = p[i]
                        let cdf = 0.5 * (1 + Foundation.erf(v * invSqrt2))
                        let pdf = invSqrt2Pi * Foundation.exp(-0.5 * v * v)
                        q[i] = gp[i] * (cdf + v * pdf)
                    }
                }
            }
        case .tanh:
            // tanh(u) = 1 − 2/(e^{2u} + 1): one exp instead of the slower libm tanh, exact at ±∞.
            let out = mapChunked { p, q, r in
                for i in r {
                    let v = p[i]
                    q[i] = 0.5 * v * (2 - 2 / (Foundation.exp(2 * k * (v + c * v * v * v)) + 1))
                }
            }
            return Tensor.record("gelu", out, self) { g in
                x.mapChunked(with: g) { p, gp, q, r in
                    for i in r {
                        let v = p[i]
                        let t = 1 - 2 / (Foundation.exp(2 * k * (v + c * v * v * v)) + 1)
                        q[i] = gp[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * c * v * v))
                    }
                }
            }
        }
    }
}

/// GELU, `x·Φ(x)` exactly or with the tanh approximation (PyTorch's `nn.GELU`).
public final class GELU: Module {
    /// The form computed.
    public let approximate: GELUApproximation
    /// `torch.nn.GELU`'s default `approximate`, `'none'` (the exact erf form).
    public static let defaultApproximate = GELUApproximation.none

    /// The layer; `approximate: .tanh` is PyTorch's `approximate="tanh"`.
    public init(approximate: GELUApproximation = defaultApproximate) {
        self.approximate = approximate
        super.init()
    }
    /// ``Tensor/gelu(approximate:)`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.gelu(approximate: approximate) }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "approximate='\(approximate.rawValue)'" }
}
