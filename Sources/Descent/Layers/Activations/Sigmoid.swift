import Foundation

extension Tensor {
    /// Logistic sigmoid `σ(x) = 1 / (1 + e⁻ˣ)`; derivative `σ(x)(1 − σ(x))`.
    public func sigmoid() -> Tensor {
        let r = map { x in x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x)) }
        return Tensor.record("sigmoid", r, self) { g in g.zipMap(r) { $0 * $1 * (1 - $1) } }
    }
}

/// The logistic sigmoid `1 / (1 + e⁻ˣ)` (PyTorch's `nn.Sigmoid`).
public final class Sigmoid: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// `σ(x)` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.sigmoid() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}
