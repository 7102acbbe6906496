import Foundation

/// Step decay (`torch.optim.lr_scheduler.StepLR`): multiply by γ every `stepSize` steps,
/// `lr(k) = baseLR · γ^⌊k / stepSize⌋`.
public struct StepLR: LearningRateSchedule, Codable, Equatable {
    /// The rate at step 0.
    public var baseLR: Double
    /// Steps between decays.
    public var stepSize: Int
    /// Decay factor γ.
    public var gamma: Double
    /// Step decay; γ defaults to 0.1 as in PyTorch.
    public init(baseLR: Double, stepSize: Int, gamma: Double = 0.1) {
        precondition(stepSize >= 1, "StepLR: stepSize must be at least 1, not \(stepSize)")
        self.baseLR = baseLR
        self.stepSize = stepSize
        self.gamma = gamma
    }
    /// `baseLR · γ^⌊k / stepSize⌋`.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "StepLR")
        return baseLR * Foundation.pow(gamma, Double(step / stepSize))
    }
}

/// Decay at milestones (`MultiStepLR`): `lr(k) = baseLR · γ^(number of milestones ≤ k)`; a milestone listed
/// twice decays twice.
public struct MultiStepLR: LearningRateSchedule, Codable, Equatable {
    /// The rate at step 0.
    public var baseLR: Double
    /// Steps at which the rate is multiplied by γ (sorted on creation).
    public var milestones: [Int]
    /// Decay factor γ.
    public var gamma: Double
    /// Milestone decay; γ defaults to 0.1 as in PyTorch.
    public init(baseLR: Double, milestones: [Int], gamma: Double = 0.1) {
        self.baseLR = baseLR
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }
    /// `baseLR · γ^#{m ≤ k}`.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "MultiStepLR")
        let passed = milestones.reduce(0) { $0 + ($1 <= step ? 1 : 0) }
        return baseLR * Foundation.pow(gamma, Double(passed))
    }
}

/// Exponential decay (`ExponentialLR`): `lr(k) = baseLR · γ^k`.
public struct ExponentialLR: LearningRateSchedule, Codable, Equatable {
    /// The rate at step 0.
    public var baseLR: Double
    /// Decay factor per step γ.
    public var gamma: Double
    /// Exponential decay by γ per step.
    public init(baseLR: Double, gamma: Double) {
        self.baseLR = baseLR
        self.gamma = gamma
    }
    /// `baseLR · γ^k`.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "ExponentialLR")
        return baseLR * Foundation.pow(gamma, Double(step))
    }
}

/// A reduced rate for the first steps (`ConstantLR`): `lr(k) = baseLR · factor` for `k < totalIters`, then `baseLR`.
public struct ConstantLR: LearningRateSchedule, Codable, Equatable {
    /// The rate from step `totalIters` on.
    public var baseLR: Double
    /// Factor applied before `totalIters`.
    public var factor: Double
    /// Number of reduced steps.
    public var totalIters: Int
    /// A reduced start; defaults as PyTorch (factor 1/3 for 5 steps).
    public init(baseLR: Double, factor: Double = 1.0 / 3, totalIters: Int = 5) {
        precondition(factor >= 0 && factor <= 1, "ConstantLR: factor must be in [0, 1], not \(factor)")
        self.baseLR = baseLR
        self.factor = factor
        self.totalIters = totalIters
    }
    /// `baseLR · factor` before `totalIters`, `baseLR` after.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "ConstantLR")
        return step < totalIters ? baseLR * factor : baseLR
    }
}
