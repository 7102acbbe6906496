import Descent

/// The callbacks as a ``TrainingStep`` calls them between backward and an optimizer step.
public struct TrainingHooks {
    /// The callbacks, in order.
    public let callbacks: [any TrainingCallback]

    /// Calls ``TrainingCallback/backwardDidEnd(_:model:optimizer:)`` on each callback in order (after
    /// ``TrainingState/loss`` is set); returns ``TrainingState/shouldStep``.
    @discardableResult
    public func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) throws -> Bool {
        for c in callbacks where state.shouldStep { try c.backwardDidEnd(&state, model: model, optimizer: optimizer) }
        return state.shouldStep
    }
}
