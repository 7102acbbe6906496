import Descent

/// Sets the optimizer's learning rates from a schedule, after every optimizer step (`everyStep`) or at the end
/// of every epoch: `lr = schedule(t, base) · s` for each parameter group's initial rate `base`, where `t` counts
/// steps or epochs and `s` is ``TrainingState/learningRateScale`` (lowered by rollbacks).
public final class LearningRateScheduler: TrainingCallback {
    /// The schedule.
    public let schedule: any LearningRateSchedule
    /// Whether `t` counts optimizer steps (`true`) or epochs.
    public let everyStep: Bool

    /// A scheduler of `schedule`, stepped per epoch unless `everyStep`.
    public init(_ schedule: any LearningRateSchedule, everyStep: Bool = false) {
        self.schedule = schedule
        self.everyStep = everyStep
    }

    /// Per step: the rate of the next step.
    public func stepDidEnd(_ state: inout TrainingState) {
        if everyStep { apply(at: state.step, state) }
    }

    /// Per epoch: the rate of the next epoch (before the epoch's log records it).
    public func epochWillEnd(_ state: inout TrainingState, validation: Evaluation?) {
        if !everyStep { apply(at: state.epoch, state) }
    }

    private func apply(at t: Int, _ state: TrainingState) {
        state.optimizer.apply(schedule, at: t)
        let scale = state.learningRateScale
        if scale != 1 { state.optimizer.learningRates = state.optimizer.learningRates.map { $0 * scale } }
    }
}
