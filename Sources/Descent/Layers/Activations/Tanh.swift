/// The hyperbolic tangent (PyTorch's `nn.Tanh`).
public final class Tanh: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// `tanh(x)` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}
