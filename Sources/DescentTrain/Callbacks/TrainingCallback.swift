import Descent

/// Hooks into the training loop. Everything optional about training is a callback on these hooks: validation
/// every N steps, the NaN/Inf policy, gradient clipping, learning-rate schedules, plateau detection, early
/// stopping, logging, the interrupt check and checkpoints. ``Trainer/callbacks`` is one ordered list; at each hook
/// the callbacks run in that order.
///
/// Every hook receives the ``TrainingState`` `inout` (not the trainer) and has an empty default, so a
/// callback implements only what it needs. Per batch the hooks run as: ``backwardDidEnd(_:model:optimizer:)``
/// (once per model/optimizer pair of the ``TrainingStep``, before its optimizer step), then
/// ``stepDidEnd(_:)``; per epoch ``epochWillBegin(_:)`` first, then ``epochWillEnd(_:validation:)`` and
/// ``epochDidEnd(_:log:)``.
public protocol TrainingCallback: AnyObject {
    /// Before the first epoch (also when resuming part-way through one).
    func trainingWillBegin(_ state: inout TrainingState) throws
    /// Before each epoch's batches, and again when ``TrainingState/restartEpoch()`` restarts it.
    func epochWillBegin(_ state: inout TrainingState) throws
    /// Between backward and the optimizer step of `optimizer` over `model`'s gradients: transform or check the
    /// gradients (all-reduce, clipping, NaN check), or ``TrainingState/skipStep()``.
    func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) throws
    /// After each optimizer step (``TrainingState/step`` counts from 1 over the whole run).
    func stepDidEnd(_ state: inout TrainingState) throws
    /// At the end of each epoch, after validation and before the epoch's log is written: set learning rates here.
    func epochWillEnd(_ state: inout TrainingState, validation: Evaluation?) throws
    /// After each epoch, with its measurements (already in ``TrainingState/history``).
    func epochDidEnd(_ state: inout TrainingState, log: EpochLog) throws
    /// After the last epoch (or a stop), before ``Trainer/fit(_:validation:epochs:maxSteps:pauseAfter:)`` returns.
    func trainingDidEnd(_ state: inout TrainingState) throws
}

extension TrainingCallback {
    /// Does nothing.
    public func trainingWillBegin(_ state: inout TrainingState) throws {}
    /// Does nothing.
    public func epochWillBegin(_ state: inout TrainingState) throws {}
    /// Does nothing.
    public func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) throws {}
    /// Does nothing.
    public func stepDidEnd(_ state: inout TrainingState) throws {}
    /// Does nothing.
    public func epochWillEnd(_ state: inout TrainingState, validation: Evaluation?) throws {}
    /// Does nothing.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) throws {}
    /// Does nothing.
    public func trainingDidEnd(_ state: inout TrainingState) throws {}
}
