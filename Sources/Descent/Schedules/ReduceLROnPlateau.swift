/// Reduce the learning rate when a metric stops improving (`ReduceLROnPlateau`). Unlike the schedules, it is
/// stateful and driven by the metric, not by the step count; its state is this value, `Codable`, so it can be
/// saved and restored exactly.
///
/// After each evaluation, call ``step(_:learningRates:)`` (or ``step(_:optimizer:)``) with the metric: a
/// metric better than the best so far (by more than `threshold`, relative or absolute) resets the count of bad
/// epochs; after more than `patience` bad epochs every rate is multiplied by `factor` (not below `minLR`, and
/// only if it changes by more than `eps`), then `cooldown` epochs pass without counting.
public struct ReduceLROnPlateau: Codable, Sendable, Equatable {
    /// Whether lower or higher metric values are better.
    public enum Mode: String, Codable, Sendable {
        /// Lower is better (a loss).
        case min
        /// Higher is better (an accuracy).
        case max
    }
    /// How `threshold` defines a significant improvement.
    public enum ThresholdMode: String, Codable, Sendable {
        /// Better than `best·(1 ∓ threshold)`.
        case relative = "rel"
        /// Better than `best ∓ threshold`.
        case absolute = "abs"
    }

    /// Whether lower or higher is better.
    public var mode: Mode
    /// Factor the rates are multiplied by (< 1).
    public var factor: Double
    /// Number of epochs without improvement tolerated before reducing.
    public var patience: Int
    /// Minimum improvement that counts.
    public var threshold: Double
    /// Relative or absolute threshold.
    public var thresholdMode: ThresholdMode
    /// Epochs to wait after a reduction before counting bad epochs again.
    public var cooldown: Int
    /// Lower bound of every rate.
    public var minLR: Double
    /// Reductions smaller than this are skipped.
    public var eps: Double

    /// The best metric so far (±∞ before the first step).
    public var best: Double
    /// Epochs since the last improvement.
    public var numBadEpochs: Int
    /// Cooldown epochs left.
    public var cooldownCounter: Int
    /// Number of ``step(_:learningRates:)`` calls so far.
    public var lastEpoch: Int

    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `mode`, `min`.
    public static let defaultMode = Mode.min
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `factor`, 0.1.
    public static let defaultFactor: Double = 0.1
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `patience`, 10.
    public static let defaultPatience = 10
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `threshold`, 1e-4.
    public static let defaultThreshold: Double = 1e-4
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `threshold_mode`, `rel`.
    public static let defaultThresholdMode = ThresholdMode.relative
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `cooldown`, 0.
    public static let defaultCooldown = 0
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `min_lr`, 0.
    public static let defaultMinLR: Double = 0
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau`'s default `eps`, 1e-8.
    public static let defaultEps: Double = 1e-8

    /// A plateau detector; defaults as PyTorch (min, factor 0.1, patience 10, threshold 1e-4 relative).
    public init(
        mode: Mode = defaultMode, factor: Double = defaultFactor, patience: Int = defaultPatience,
        threshold: Double = defaultThreshold, thresholdMode: ThresholdMode = defaultThresholdMode,
        cooldown: Int = defaultCooldown, minLR: Double = defaultMinLR, eps: Double = defaultEps
    ) {
        precondition(factor < 1, "ReduceLROnPlateau: factor should be < 1.0, not \(factor)")
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLR = minLR
        self.eps = eps
        best = mode == .min ? .infinity : -.infinity
        numBadEpochs = 0
        cooldownCounter = 0
        lastEpoch = 0
    }

    /// Forgets the best value, the bad epochs and the cooldown.
    public mutating func reset() {
        best = mode == .min ? .infinity : -.infinity
        numBadEpochs = 0
        cooldownCounter = 0
    }

    /// Whether a reduction happened less than `cooldown` epochs ago.
    public var inCooldown: Bool { cooldownCounter > 0 }

    /// Whether `value` is a significant improvement over `best`.
    public func isBetter(_ value: Double, than best: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .relative): return value < best * (1 - threshold)
        case (.min, .absolute): return value < best - threshold
        case (.max, .relative): return value > best * (threshold + 1)
        case (.max, .absolute): return value > best + threshold
        }
    }

    /// Records `metric` and reduces `learningRates` (one per parameter group) after a plateau; returns whether
    /// it reduced.
    @discardableResult
    public mutating func step(_ metric: Double, learningRates: inout [Double]) -> Bool {
        lastEpoch += 1
        if isBetter(metric, than: best) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if inCooldown {
            cooldownCounter -= 1
            numBadEpochs = 0
        }
        guard numBadEpochs > patience else { return false }
        for i in learningRates.indices {
            let old = learningRates[i]
            let new = Swift.max(old * factor, minLR)
            if old - new > eps { learningRates[i] = new }
        }
        cooldownCounter = cooldown
        numBadEpochs = 0
        return true
    }

    /// Records `metric` and reduces the single rate `lr` after a plateau; returns whether it reduced.
    @discardableResult
    public mutating func step(_ metric: Double, lr: inout Double) -> Bool {
        var rates = [lr]
        defer { lr = rates[0] }
        return step(metric, learningRates: &rates)
    }

    /// Records `metric` and reduces the optimizer's group rates after a plateau; returns whether it reduced.
    @discardableResult
    public mutating func step(_ metric: Double, optimizer: any Optimizer) -> Bool {
        var rates = optimizer.learningRates
        let reduced = step(metric, learningRates: &rates)
        if reduced { optimizer.learningRates = rates }
        return reduced
    }

    enum CodingKeys: String, CodingKey {
        case mode, factor, patience, threshold, thresholdMode, cooldown, minLR, eps, best, numBadEpochs,
            cooldownCounter, lastEpoch
    }

    /// Decodes a saved plateau state (`best` is `null` before the first step).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(Mode.self, forKey: .mode)
        factor = try c.decode(Double.self, forKey: .factor)
        patience = try c.decode(Int.self, forKey: .patience)
        threshold = try c.decode(Double.self, forKey: .threshold)
        thresholdMode = try c.decode(ThresholdMode.self, forKey: .thresholdMode)
        cooldown = try c.decode(Int.self, forKey: .cooldown)
        minLR = try c.decode(Double.self, forKey: .minLR)
        eps = try c.decode(Double.self, forKey: .eps)
        best = try c.decodeIfPresent(Double.self, forKey: .best) ?? (mode == .min ? .infinity : -.infinity)
        numBadEpochs = try c.decode(Int.self, forKey: .numBadEpochs)
        cooldownCounter = try c.decode(Int.self, forKey: .cooldownCounter)
        lastEpoch = try c.decode(Int.self, forKey: .lastEpoch)
    }

    /// Encodes the state; an infinite `best` (nothing seen yet) is written as `null`, so JSON can hold it.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        try c.encode(factor, forKey: .factor)
        try c.encode(patience, forKey: .patience)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(thresholdMode, forKey: .thresholdMode)
        try c.encode(cooldown, forKey: .cooldown)
        try c.encode(minLR, forKey: .minLR)
        try c.encode(eps, forKey: .eps)
        try c.encode(best.isInfinite ? nil : best, forKey: .best)
        try c.encode(numBadEpochs, forKey: .numBadEpochs)
        try c.encode(cooldownCounter, forKey: .cooldownCounter)
        try c.encode(lastEpoch, forKey: .lastEpoch)
    }
}
