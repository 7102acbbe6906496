/// Linear change of the rate (`LinearLR`), the usual warm-up:
/// `lr(k) = baseLR · (s + (e − s)·min(k, T)/T)` with start factor `s`, end factor `e` and `T` steps.
public struct LinearLR: LearningRateSchedule, Codable, Equatable {
    /// The rate the factors multiply.
    public var baseLR: Double
    /// Factor `s` at step 0.
    public var startFactor: Double
    /// Factor `e` from step `T` on.
    public var endFactor: Double
    /// Steps `T` of the linear change.
    public var totalIters: Int
    /// `torch.optim.lr_scheduler.LinearLR`'s default `start_factor`, 1/3.
    public static let defaultStartFactor: Double = 1.0 / 3
    /// `torch.optim.lr_scheduler.LinearLR`'s default `end_factor`, 1.
    public static let defaultEndFactor: Double = 1
    /// `torch.optim.lr_scheduler.LinearLR`'s default `total_iters`, 5.
    public static let defaultTotalIters = 5

    /// A linear ramp; defaults as PyTorch (from 1/3 to 1 over 5 steps).
    public init(
        baseLR: Double, startFactor: Double = defaultStartFactor, endFactor: Double = defaultEndFactor,
        totalIters: Int = defaultTotalIters
    ) {
        precondition(startFactor > 0 && startFactor <= 1, "LinearLR: startFactor must be in (0, 1], not \(startFactor)")
        precondition(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be in [0, 1], not \(endFactor)")
        precondition(totalIters >= 1, "LinearLR: totalIters must be at least 1, not \(totalIters)")
        self.baseLR = baseLR
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
    }
    /// `baseLR · (s + (e − s)·min(k, T)/T)`.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "LinearLR")
        return baseLR
            * (startFactor + (endFactor - startFactor) * Double(Swift.min(totalIters, step)) / Double(totalIters))
    }
}
