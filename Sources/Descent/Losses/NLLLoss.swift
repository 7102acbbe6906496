/// Negative log-likelihood of log-probabilities against class indices: `ℓᵢ = −w_{yᵢ} · xᵢ,yᵢ` (PyTorch's `nll_loss`).
///
/// - Parameters:
///   - input: log-probabilities of shape `[N, C]`, `[N, C, d₁, …]` (class axis 1) or `[C]`.
///   - targets: one class index per sample position, in row-major order of `[N, d₁, …]`; each in `0..<C` or
///     equal to `ignoreIndex` (anything else is a precondition failure).
///   - weight: optional class weights `w` of shape `[C]` (constants).
///   - ignoreIndex: targets equal to it contribute 0 and are left out of the mean's denominator.
///   - reduction: `.mean` divides by `Σ w_{yᵢ}` over non-ignored samples.
/// - Returns: a scalar, or the per-sample losses of shape `[N, d₁, …]` for `.none`.
///
/// Backward: `−g · w_{yᵢ}` at each target's score, 0 elsewhere (scaled by the reduction).
public func nllLoss(
    _ input: Tensor, _ targets: [Int], weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean
) -> Tensor {
    let layout = ClassTargets(
        "nllLoss", inputShape: input.shape, targets: targets, ignoreIndex: ignoreIndex,
        weight: weight)
    let x = input.detach(), w = weight?.detach()
    let inner = layout.inner, lanes = layout.lanes
    let loss = Tensor(uninitializedShape: layout.outputShape)
    let used = Tensor(uninitializedShape: [lanes])
    let px = x.storage.pointer, pw = w?.storage.pointer
    let pl = loss.storage.pointer, pu = used.storage.pointer
    for (lane, t) in targets.enumerated() {
        if t == ignoreIndex {
            pl[lane] = 0
            pu[lane] = 0
        } else {
            let wt = pw?[t] ?? 1
            pl[lane] = -wt * px[layout.base(lane) + t * inner]
            pu[lane] = wt
        }
    }
    let (result, gradScale) = layout.reduce(loss: loss, used: used, reduction)
    return Tensor.record("nll_loss", result, [input]) { g, _ in
        let grad = Tensor.zeros(x.shape)
        let po = grad.storage.pointer, pg = g.storage.pointer, pu = used.storage.pointer
        let reduced = Float(Double(pg[0]) * gradScale)
        for (lane, t) in targets.enumerated() where t != ignoreIndex {
            let f = reduction == .none ? pg[lane] : reduced
            po[layout.base(lane) + t * inner] = -f * pu[lane]
        }
        return [grad]
    }
}

/// Negative log-likelihood as a configured loss value (torch.nn's `NLLLoss`); see ``nllLoss(_:_:weight:ignoreIndex:reduction:)``.
public struct NLLLoss: Sendable {
    /// Class weights of shape `[C]`, or `nil` for equal weights.
    public var weight: Tensor?
    /// Targets equal to this are ignored.
    public var ignoreIndex: Int
    /// How per-sample losses are combined.
    public var reduction: Reduction

    /// An NLL loss with PyTorch's defaults (no weights, ignore index −100, mean).
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
    }

    /// The loss `−w_y · x_y` of log-probabilities `input` against class indices, reduced.
    public func callAsFunction(_ input: Tensor, _ targets: [Int]) -> Tensor {
        nllLoss(input, targets, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }
}
