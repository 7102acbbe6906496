/// Merges dimensions `startDim...endDim` into one (PyTorch's `nn.Flatten`, by default everything after the
/// batch dimension: `[N, C, H, W]` → `[N, C·H·W]`).
public final class Flatten: Module {
    /// The first dimension merged (default 1, keeping the batch dimension).
    public let startDim: Int
    /// The last dimension merged (default −1, the last).
    public let endDim: Int

    /// `torch.nn.Flatten`'s default `start_dim`, 1 (the batch dimension stays).
    public static let defaultStartDim = 1
    /// `torch.nn.Flatten`'s default `end_dim`, −1 (the last).
    public static let defaultEndDim = -1

    /// A layer merging dimensions `startDim...endDim`.
    public init(startDim: Int = defaultStartDim, endDim: Int = defaultEndDim) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }

    /// `x` with dimensions `startDim...endDim` merged (shares storage).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.flattened(startDim: startDim, endDim: endDim)
    }

    /// The input shape with dimensions `startDim...endDim` replaced by their product.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        let r = inputShape.count
        let s = startDim < 0 ? startDim + r : startDim, e = endDim < 0 ? endDim + r : endDim
        guard r > 0, s >= 0, e < r, s <= e else {
            throw shapeError("cannot flatten dimensions \(startDim)...\(endDim) of input \(inputShape)")
        }
        return Array(inputShape[..<s]) + [inputShape[s...e].reduce(1, *)] + Array(inputShape[(e + 1)...])
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "start_dim=\(startDim), end_dim=\(endDim)" }
}
