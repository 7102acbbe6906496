import Foundation

/// Decay at milestones (`MultiStepLR`): `lr(k) = baseLR · γ^(number of milestones ≤ k)`; a milestone listed
/// twice decays twice.
public struct MultiStepLR: LearningRateSchedule, Codable, Equatable {
    /// The rate at step 0.
    public var baseLR: Double
    /// Steps at which the rate is multiplied by γ (sorted on creation).
    public var milestones: [Int]
    /// Decay factor γ.
    public var gamma: Double
    /// `torch.optim.lr_scheduler.MultiStepLR`'s default γ, 0.1.
    public static let defaultGamma: Double = 0.1

    /// Milestone decay; γ defaults to ``defaultGamma`` as in PyTorch.
    public init(baseLR: Double, milestones: [Int], gamma: Double = defaultGamma) {
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
