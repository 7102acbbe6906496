/// An epoch-counted schedule queried per iteration: `lr(i) = schedule.lr(at: i / stepsPerEpoch)`.
public struct PerEpochSchedule<Base: LearningRateSchedule>: LearningRateSchedule {
    /// The schedule counted in epochs.
    public var schedule: Base
    /// Iterations per epoch.
    public var stepsPerEpoch: Int
    /// Wraps `schedule`, which advances once every `stepsPerEpoch` iterations.
    public init(_ schedule: Base, stepsPerEpoch: Int) {
        precondition(stepsPerEpoch >= 1, "PerEpochSchedule: stepsPerEpoch must be at least 1, not \(stepsPerEpoch)")
        self.schedule = schedule
        self.stepsPerEpoch = stepsPerEpoch
    }
    /// The wrapped schedule's base rate.
    public var baseLR: Double {
        get { schedule.baseLR }
        set { schedule.baseLR = newValue }
    }
    /// `schedule.lr(at: step / stepsPerEpoch)`.
    public func lr(at step: Int) -> Double { schedule.lr(at: step / stepsPerEpoch) }
    /// `schedule.momentum(at: step / stepsPerEpoch)`.
    public func momentum(at step: Int) -> Double? { schedule.momentum(at: step / stepsPerEpoch) }
}
