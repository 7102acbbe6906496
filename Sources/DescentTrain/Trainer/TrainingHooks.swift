import Descent

/// The callbacks as a ``TrainingStep`` calls them between backward and an optimizer step.
public struct TrainingHooks {
    /// The callbacks, in order.
    public let callbacks: [any TrainingCallback]
    /// Data-parallel training: the gradients are averaged over the ranks before the callbacks run.
    public let distributed: DataParallel?

    /// The hooks of `callbacks`, averaging gradients over the ranks of `distributed` first when given.
    public init(callbacks: [any TrainingCallback], distributed: DataParallel? = nil) {
        self.callbacks = callbacks
        self.distributed = distributed
    }

    /// Averages the gradients of `optimizer`'s parameters over the ranks (with ``distributed``; the state's loss
    /// becomes the global mean), then calls ``TrainingCallback/backwardDidEnd(_:model:optimizer:)`` on each
    /// callback in order (after ``TrainingState/loss`` is set); returns ``TrainingState/shouldStep``.
    @discardableResult
    public func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) throws -> Bool {
        if let distributed {
            state.loss = try distributed.averageGradients(
                optimizer.parameters, samples: state.batchSamples, loss: state.loss
            ).loss
        }
        for c in callbacks where state.shouldStep { try c.backwardDidEnd(&state, model: model, optimizer: optimizer) }
        return state.shouldStep
    }
}
