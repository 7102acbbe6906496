import Foundation

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
