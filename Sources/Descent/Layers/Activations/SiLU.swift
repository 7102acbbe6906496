import Foundation

extension Tensor {
    /// SiLU (swish): `x · σ(x)`; derivative `σ(x)(1 + x(1 − σ(x)))`.
    public func silu() -> Tensor {
        let out = mapChunked { p, q, r in
            for i in r { let v = p[i]; q[i] = v / (1 + Foundation.exp(-v)) }
        }
        let x = detach()
        return Tensor.record("silu", out, self) { g in
            x.mapChunked(with: g) { p, gp, q, r in
                for i in r {
                    let v = p[i]
                    let s = 1 / (1 + Foundation.exp(-v))
                    q[i] = gp[i] * s * (1 + v * (1 - s))
                }
            }
        }
    }
}

/// SiLU (swish), `x·σ(x)` (PyTorch's `nn.SiLU`).
public final class SiLU: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// ``Tensor/silu()`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.silu() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}
