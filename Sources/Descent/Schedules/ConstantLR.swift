/// A reduced rate for the first steps (`ConstantLR`): `lr(k) = baseLR · factor` for `k < totalIters`, then `baseLR`.
public struct ConstantLR: LearningRateSchedule, Codable, Equatable {
    /// The rate from step `totalIters` on.
    public var baseLR: Double
    /// Factor applied before `totalIters`.
    public var factor: Double
    /// Number of reduced steps.
    public var totalIters: Int
    /// `torch.optim.lr_scheduler.ConstantLR`'s default `factor`, 1/3.
    public static let defaultFactor: Double = 1.0 / 3
    /// `torch.optim.lr_scheduler.ConstantLR`'s default `total_iters`, 5.
    public static let defaultTotalIters = 5

    /// A reduced start; defaults as PyTorch (factor 1/3 for 5 steps).
    public init(baseLR: Double, factor: Double = defaultFactor, totalIters: Int = defaultTotalIters) {
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
