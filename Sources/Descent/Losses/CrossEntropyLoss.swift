import Foundation

/// Cross-entropy of class scores (logits) against class indices, in one fused, numerically stable pass:
/// `ℓᵢ = (1−ε) · w_{yᵢ} · (lseᵢ − xᵢ,yᵢ) + (ε/C) · Σⱼ wⱼ (lseᵢ − xᵢⱼ)`, `lseᵢ = log Σⱼ exp xᵢⱼ` (PyTorch's
/// `cross_entropy` with class-index targets).
///
/// - Parameters:
///   - logits: scores of shape `[N, C]`, `[N, C, d₁, …]` (class axis 1) or `[C]` (one sample).
///   - targets: one class index per sample position, in row-major order of `[N, d₁, …]` (one for `[C]`);
///     each in `0..<C` or equal to `ignoreIndex` (anything else is a precondition failure).
///   - weight: optional class weights `w` of shape `[C]` (constants).
///   - ignoreIndex: targets equal to it contribute 0 and are left out of the mean's denominator.
///   - reduction: `.mean` divides by `Σ w_{yᵢ}` over non-ignored samples (the count when unweighted).
///   - labelSmoothing: ε ∈ [0, 1], mixing the one-hot target with the uniform distribution.
/// - Returns: a scalar, or the per-sample losses of shape `[N, d₁, …]` for `.none`.
///
/// Backward (to the logits only): `g · (pᵢⱼ · ((1−ε) w_{yᵢ} + (ε/C) Σₖ wₖ) − (ε/C) wⱼ − (1−ε) w_{yᵢ} [j = yᵢ])`
/// with `p = softmax(x)`, i.e. `softmax − one-hot` when unweighted and unsmoothed, scaled by the reduction.
public func crossEntropy(
    _ logits: Tensor, _ targets: [Int], weight: Tensor? = nil, ignoreIndex: Int = -100,
    reduction: Reduction = .mean, labelSmoothing: Float = CrossEntropyLoss.defaultLabelSmoothing
) -> Tensor {
    let layout = ClassTargets(
        "crossEntropy", inputShape: logits.shape, targets: targets,
        ignoreIndex: ignoreIndex, weight: weight)
    precondition(
        labelSmoothing >= 0 && labelSmoothing <= 1,
        "crossEntropy: labelSmoothing \(labelSmoothing) is outside [0, 1]")
    let x = logits.detach(), w = weight?.detach()
    let classes = layout.classes, inner = layout.inner, lanes = layout.lanes
    let keep = 1 - labelSmoothing, spread = labelSmoothing / Float(classes)
    let smoothing = labelSmoothing > 0
    let loss = Tensor(uninitializedShape: layout.outputShape)  // ℓ per lane
    let used = Tensor(uninitializedShape: [lanes])  // w_{yᵢ}, 0 when ignored
    // log Σⱼ exp xᵢⱼ = mᵢ + log Σⱼ exp(xᵢⱼ − mᵢ), kept as its two parts: terms are formed as
    // log Σ − (xᵢⱼ − mᵢ), as PyTorch's log_softmax, so that log 2 beside logits of 1e4 keeps full precision.
    let logSum = Tensor(uninitializedShape: [lanes]), maxima = Tensor(uninitializedShape: [lanes])
    let px = x.storage.pointer, pw = w?.storage.pointer
    let pl = loss.storage.pointer, pu = used.storage.pointer
    let pe = logSum.storage.pointer, pm = maxima.storage.pointer
    targets.withUnsafeBufferPointer { pt in
        Parallel.forEachChunk(lanes, cost: classes * 8) { range in
            for lane in range {
                let row = px + layout.base(lane)
                // Online log-sum-exp: one read of the scores, rescaling the sum when the maximum grows.
                var m = -Float.greatestFiniteMagnitude, s: Float = 0
                for j in 0..<classes {
                    let v = row[j * inner]
                    if v > m {
                        s = s * Foundation.exp(m - v) + 1
                        m = v
                    } else {
                        s += Foundation.exp(v - m)
                    }
                }
                let l = Foundation.log(s)
                pe[lane] = l
                pm[lane] = m
                let t = pt[lane]
                if t == ignoreIndex {
                    pl[lane] = 0
                    pu[lane] = 0
                    continue
                }
                let wt = pw?[t] ?? 1
                var value = keep * wt * (l - (row[t * inner] - m))
                if smoothing {
                    var acc: Float = 0
                    if let pw {
                        for j in 0..<classes { acc += pw[j] * (l - (row[j * inner] - m)) }
                    } else {
                        for j in 0..<classes { acc += l - (row[j * inner] - m) }
                    }
                    value += spread * acc
                }
                pl[lane] = value
                pu[lane] = wt
            }
        }
    }
    let (result, gradScale) = layout.reduce(loss: loss, used: used, reduction)
    let totalWeight: Float = w.map { t in t.withUnsafeBufferPointer { $0.reduce(0, +) } } ?? Float(classes)
    return Tensor.record("cross_entropy", result, [logits]) { g, _ in
        let grad = Tensor(uninitializedShape: x.shape)
        let px = x.storage.pointer, pw = w?.storage.pointer, pu = used.storage.pointer
        let pe = logSum.storage.pointer, pm = maxima.storage.pointer
        let pg = g.storage.pointer, po = grad.storage.pointer
        let perLane = reduction == .none
        let reduced = Float(Double(pg[0]) * gradScale)
        targets.withUnsafeBufferPointer { pt in
            Parallel.forEachChunk(lanes, cost: classes * 8) { range in
                for lane in range {
                    let offset = layout.base(lane)
                    let row = px + offset, out = po + offset
                    let t = pt[lane]
                    if t == ignoreIndex {
                        for j in 0..<classes { out[j * inner] = 0 }
                        continue
                    }
                    let f = perLane ? pg[lane] : reduced
                    let wt = pu[lane], l = pe[lane], m = pm[lane]
                    let a = f * (keep * wt + spread * totalWeight), b = f * spread
                    if let pw, smoothing {
                        for j in 0..<classes {
                            out[j * inner] = a * Foundation.exp((row[j * inner] - m) - l) - b * pw[j]
                        }
                    } else {
                        for j in 0..<classes { out[j * inner] = a * Foundation.exp((row[j * inner] - m) - l) - b }
                    }
                    out[t * inner] -= f * keep * wt
                }
            }
        }
        return [grad]
    }
}

/// Cross-entropy of class scores (logits) against class probabilities of the same shape (soft labels):
/// `ℓᵢ = −Σⱼ wⱼ qᵢⱼ log softmax(xᵢ)ⱼ` with `q = (1−ε) · target + ε/C` (PyTorch's `cross_entropy` with
/// probability targets).
///
/// - Parameters:
///   - logits: scores of shape `[N, C]`, `[N, C, d₁, …]` (class axis 1) or `[C]`.
///   - targets: probabilities of the same shape (differentiable, as in PyTorch).
///   - weight: optional class weights of shape `[C]` (constants).
///   - reduction: `.mean` divides by the number of sample positions `N · d₁ ⋯` (not by the weights, as PyTorch).
///   - labelSmoothing: ε ∈ [0, 1].
/// - Returns: a scalar, or the per-sample losses of shape `[N, d₁, …]` for `.none`.
public func crossEntropy(
    _ logits: Tensor, _ targets: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
    labelSmoothing: Float = CrossEntropyLoss.defaultLabelSmoothing
) -> Tensor {
    precondition(logits.rank >= 1, "crossEntropy: input must have a class dimension, got a scalar")
    precondition(
        targets.shape == logits.shape,
        "crossEntropy: probability targets of shape \(targets.shape) for logits of shape \(logits.shape)")
    precondition(
        labelSmoothing >= 0 && labelSmoothing <= 1,
        "crossEntropy: labelSmoothing \(labelSmoothing) is outside [0, 1]")
    let axis = logits.rank == 1 ? 0 : 1
    let classes = logits.shape[axis]
    var q = targets
    if labelSmoothing > 0 { q = q * (1 - labelSmoothing) + labelSmoothing / Float(classes) }
    var terms = logits.logSoftmax(axis: axis) * q
    if let weight {
        precondition(
            weight.shape == [classes],
            "crossEntropy: weight of shape \(weight.shape) for \(classes) classes (expected [\(classes)])")
        terms = terms * weight.detach().reshaped([classes] + Array(repeating: 1, count: logits.rank - axis - 1))
    }
    let perSample = -terms.sum(axis: axis)
    switch reduction {
    case .mean: return perSample.mean()
    case .sum: return perSample.sum()
    case .none: return perSample
    }
}

/// Cross-entropy as a configured loss value (torch.nn's `CrossEntropyLoss`); see ``crossEntropy(_:_:weight:ignoreIndex:reduction:labelSmoothing:)``.
public struct CrossEntropyLoss: Sendable {
    /// Class weights of shape `[C]`, or `nil` for equal weights.
    public var weight: Tensor?
    /// Class-index targets equal to this are ignored.
    public var ignoreIndex: Int
    /// How per-sample losses are combined.
    public var reduction: Reduction
    /// Label smoothing ε ∈ [0, 1].
    public var labelSmoothing: Float

    /// `torch.nn.CrossEntropyLoss`'s default `label_smoothing`, 0 (no smoothing).
    public static let defaultLabelSmoothing: Float = 0

    /// A cross-entropy loss with PyTorch's defaults (no weights, ignore index −100, mean, no smoothing).
    public init(
        weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean,
        labelSmoothing: Float = defaultLabelSmoothing
    ) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
        self.labelSmoothing = labelSmoothing
    }

    /// The loss of `logits` against class indices: `(1−ε) w_y (lse − x_y) + (ε/C) Σⱼ wⱼ (lse − xⱼ)`, reduced.
    public func callAsFunction(_ logits: Tensor, _ targets: [Int]) -> Tensor {
        crossEntropy(
            logits, targets, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction,
            labelSmoothing: labelSmoothing)
    }

    /// The loss of `logits` against class probabilities: `−Σⱼ wⱼ qⱼ log softmax(x)ⱼ`, reduced (`ignoreIndex` unused).
    public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        crossEntropy(logits, targets, weight: weight, reduction: reduction, labelSmoothing: labelSmoothing)
    }
}
