/// Stops training after the current step once ``InterruptSignal`` is raised (Ctrl-C, SIGTERM): the run is
/// interrupted and a later ``ModelCheckpoint`` in the list saves it for `--resume`. In data-parallel training it
/// follows ``TrainingState/interruptRequested``, the signal of any rank, so that all ranks stop together.
public final class InterruptCheck: TrainingCallback {
    /// The check.
    public init() {}

    /// Requests an immediate stop when the signal was raised.
    public func stepDidEnd(_ state: inout TrainingState) {
        if state.interruptRequested ?? InterruptSignal.isRaised {
            state.stop(reason: "interrupted at step \(state.step)", immediately: true)
        }
    }
}
