/// Schedules one after another (`SequentialLR`): schedule `i` runs from milestone `i − 1` (0 for the first),
/// restarted at its own step 0: `lr(k) = schedules[i].lr(at: k − milestones[i − 1])` where `i` is the number of
/// milestones ≤ `k`. Linear warm-up followed by any schedule is
/// `schedule.withLinearWarmup(steps:startFactor:)`.
public struct SequentialLR: LearningRateSchedule {
    /// The schedules, in order.
    public var schedules: [any LearningRateSchedule]
    /// The steps at which the next schedule takes over (one fewer than the schedules, increasing).
    public var milestones: [Int]
    /// Chains `schedules`, switching at `milestones`; all share the first schedule's base rate.
    public init(_ schedules: [any LearningRateSchedule], milestones: [Int]) {
        precondition(!schedules.isEmpty, "SequentialLR: expects at least one schedule")
        precondition(
            milestones.count == schedules.count - 1,
            "SequentialLR: \(schedules.count) schedules need \(schedules.count - 1) milestones, not \(milestones.count)"
        )
        precondition(
            zip(milestones, milestones.dropFirst()).allSatisfy { $0 <= $1 }, "SequentialLR: milestones must increase")
        let base = schedules[0].baseLR
        self.schedules = schedules.map { s in
            var s = s
            s.baseLR = base
            return s
        }
        self.milestones = milestones
    }
    /// The base rate of every schedule in the chain.
    public var baseLR: Double {
        get { schedules[0].baseLR }
        set { for i in schedules.indices { schedules[i].baseLR = newValue } }
    }
    /// The schedule in charge at `step` and the step within it.
    func position(_ step: Int) -> (index: Int, localStep: Int) {
        let i = milestones.reduce(0) { $0 + ($1 <= step ? 1 : 0) }
        return (i, i == 0 ? step : step - milestones[i - 1])
    }
    /// The rate of the schedule in charge, at its own step.
    public func lr(at step: Int) -> Double {
        checkScheduleStep(step, "SequentialLR")
        let (i, k) = position(step)
        return schedules[i].lr(at: k)
    }
    /// The momentum of the schedule in charge, if it cycles momentum.
    public func momentum(at step: Int) -> Double? {
        let (i, k) = position(step)
        return schedules[i].momentum(at: k)
    }
}
