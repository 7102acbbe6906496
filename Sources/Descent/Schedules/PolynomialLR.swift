import Foundation

/// Polynomial decay to zero (`PolynomialLR`): `lr(k) = baseLR · (1 − min(k, T)/T)^power`; 0 from step `T` on.
public struct PolynomialLR: LearningRateSchedule, Codable, Equatable {
    /// The rate at step 0.
    public var baseLR: Double
    /// Steps `T` until the rate reaches 0.
    public var totalIters: Int
    /// Exponent of the decay (1: linear).
    public var power: Double
    /// `torch.optim.lr_scheduler.PolynomialLR`'s default `total_iters`, 5.
    public static let defaultTotalIters = 5
    /// `torch.optim.lr_scheduler.PolynomialLR`'s default `power`, 1 (linear decay).
    public static let defaultPower: Double = 1

    /// Polynomial decay; defaults as PyTorch (5 steps, power 1).
    public init(baseLR: Double, totalIters: Int = defaultTotalIters, power: Double = defaultPower) {
        precondition(totalIters >= 1, "PolynomialLR: totalIters must be at least 1, not \(totalIters)")
        self.baseLR = baseLR
        self.totalIters = totalIters
        self.power = power
    }
    /// `baseLR · (1 − min(k, T)/T)^power`.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "PolynomialLR")
        return baseLR * Foundation.pow(1 - Double(Swift.min(totalIters, step)) / Double(totalIters), power)
    }
}
