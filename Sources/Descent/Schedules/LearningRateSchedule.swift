/// A learning rate as a function of a step counter (Optax-style), `lr = f(k)`: a plain value, no hidden state.
///
/// `lr(at: k)` is the rate after `k` scheduler steps, as `torch.optim.lr_scheduler`'s `get_last_lr()` after `k`
/// calls of `scheduler.step()`; the caller decides whether `k` counts iterations or epochs. The state of a
/// schedule is just `k`. See <doc:LearningRateSchedules>.
public protocol LearningRateSchedule: Sendable {
    /// The base learning rate the schedule scales (the optimizer's initial rate; the peak for ``OneCycleLR``).
    var baseLR: Double { get set }
    /// The learning rate after `step` scheduler steps (`step ≥ 0`).
    func lr(at step: Int) -> Double
    /// The momentum (β₁ for the Adam family) after `step` steps, for schedules that cycle it (``OneCycleLR``);
    /// `nil` (the default) leaves the optimizer's momentum alone.
    func momentum(at step: Int) -> Double?
}

extension LearningRateSchedule {
    /// No momentum schedule.
    public func momentum(at step: Int) -> Double? { nil }

    /// `lr(at: step)`.
    public func callAsFunction(_ step: Int) -> Double { lr(at: step) }

    /// The same schedule with another base learning rate (how it applies to each parameter group).
    public func rebased(to baseLR: Double) -> Self {
        var s = self
        s.baseLR = baseLR
        return s
    }

    /// The learning rate at `step` for base learning rate `baseLR`.
    public func lr(at step: Int, baseLR: Double) -> Double {
        baseLR == self.baseLR ? lr(at: step) : rebased(to: baseLR).lr(at: step)
    }

    /// This schedule counted in epochs but queried per iteration: `lr(at: i) = self.lr(at: i / stepsPerEpoch)`.
    public func perEpoch(stepsPerEpoch: Int) -> PerEpochSchedule<Self> {
        PerEpochSchedule(self, stepsPerEpoch: stepsPerEpoch)
    }

    /// This schedule after a linear warm-up from `startFactor·baseLR` over `steps` steps (PyTorch's
    /// `SequentialLR([LinearLR(start_factor, total_iters=steps), self], milestones=[steps])`): the warm-up
    /// rises linearly, then this schedule starts from its own step 0.
    public func withLinearWarmup(steps: Int, startFactor: Double) -> SequentialLR {
        SequentialLR(
            [LinearLR(baseLR: baseLR, startFactor: startFactor, endFactor: 1, totalIters: steps), self],
            milestones: [steps])
    }
}

extension Optimizer {
    /// Sets every group's learning rate to `schedule` at `step`, with the schedule rebased on the group's
    /// initial rate (PyTorch's per-group `base_lrs`), and the groups' momenta when the schedule cycles them.
    public func apply(_ schedule: some LearningRateSchedule, at step: Int) {
        learningRates = initialLearningRates.map { schedule.lr(at: step, baseLR: $0) }
        if let m = schedule.momentum(at: step), let current = momenta {
            momenta = Array(repeating: m, count: current.count)
        }
    }
}

/// Checks that a schedule is queried at a valid step.
@inline(__always)
func checkScheduleStep(_ step: Int, _ name: String) {
    precondition(step >= 0, "\(name): negative step \(step)")
}
