/// What to do when a training loss or gradient is NaN or infinite.
public enum NonFiniteLossPolicy: String, Sendable, Codable, CaseIterable {
    /// End training, naming the step and the tensor (the weights are those before that step).
    case stop
    /// Skip that step's update and go on.
    case skipStep = "skip"
    /// Restore the state at the start of the epoch (weights, optimizer, random state, counters), multiply the
    /// learning rate by ``NonFiniteLossGuard/rollbackFactor`` and run the epoch again; stops after
    /// ``NonFiniteLossGuard/maxRollbacks``.
    case rollback
}
