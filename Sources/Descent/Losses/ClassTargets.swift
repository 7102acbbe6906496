/// The `[N, C, d₁, …]` layout of class scores with class-index targets, shared by cross-entropy and NLL.
///
/// A *lane* is one sample position `(n, d₁, …)`: its `C` scores lie `inner` elements apart, and its target is
/// `targets[lane]` (targets in the row-major order of the shape `[N, d₁, …]`). A 1-D input `[C]` is one lane.
struct ClassTargets {
    /// Samples N (1 for a 1-D input).
    let batch: Int
    /// Classes C.
    let classes: Int
    /// Elements between consecutive class scores of a lane (`d₁ ⋯ dₖ`).
    let inner: Int
    /// The shape of an unreduced loss: `[N, d₁, …]`, or `[]` for a 1-D input.
    let outputShape: [Int]

    /// Number of lanes, `N · d₁ ⋯ dₖ`.
    var lanes: Int { batch * inner }

    /// Offset of lane `lane`'s first score.
    @inline(__always) func base(_ lane: Int) -> Int { (lane / inner) * classes * inner + lane % inner }

    /// Checks the shapes and every target (a class in `0..<C` or `ignoreIndex`); out-of-range targets are a
    /// programmer error (precondition), named with their position and the class count.
    init(_ op: String, inputShape: [Int], targets: [Int], ignoreIndex: Int, weight: Tensor?) {
        precondition(!inputShape.isEmpty, "\(op): input must have a class dimension, got a scalar")
        if inputShape.count == 1 {
            batch = 1
            classes = inputShape[0]
            inner = 1
            outputShape = []
        } else {
            batch = inputShape[0]
            classes = inputShape[1]
            inner = inputShape[2...].reduce(1, *)
            outputShape = [inputShape[0]] + inputShape[2...]
        }
        precondition(
            targets.count == batch * inner,
            "\(op): \(targets.count) targets for input of shape \(inputShape) (expected \(batch * inner))")
        for (i, t) in targets.enumerated() where t != ignoreIndex {
            precondition(
                t >= 0 && t < classes,
                "\(op): target \(t) at position \(i) is out of range for \(classes) classes")
        }
        if let weight {
            precondition(
                weight.shape == [classes],
                "\(op): weight of shape \(weight.shape) for \(classes) classes (expected [\(classes)])")
        }
    }

    /// Reduces per-lane losses `loss` with per-lane weights `used` (0 for ignored lanes): `.none` returns
    /// `loss`, `.sum` `Σ loss`, `.mean` `Σ loss / Σ used` (PyTorch's weighted mean). Also returns the factor
    /// that the reduced output's gradient is multiplied by (`1/Σ used`, `1`, or 1 per lane for `.none`).
    func reduce(loss: Tensor, used: Tensor, _ reduction: Reduction) -> (Tensor, Double) {
        let pl = loss.storage.pointer, pu = used.storage.pointer
        switch reduction {
        case .none:
            return (loss, 1)
        case .sum:
            return (Tensor(Float(LossKernels.sum(lanes) { Double(pl[$0]) })), 1)
        case .mean:
            let total = LossKernels.sum(lanes) { Double(pl[$0]) }
            let denominator = LossKernels.sum(lanes) { Double(pu[$0]) }
            return (Tensor(Float(total / denominator)), 1 / denominator)
        }
    }
}
