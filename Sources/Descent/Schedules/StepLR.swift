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
    /// `torch.optim.lr_scheduler.StepLR`'s default γ, 0.1.
    public static let defaultGamma: Double = 0.1

    /// Step decay; γ defaults to ``defaultGamma`` as in PyTorch.
    public init(baseLR: Double, stepSize: Int, gamma: Double = defaultGamma) {
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
