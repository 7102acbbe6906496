/// Hooks into the training loop: validation, early stopping, logging and checkpoints are callbacks.
///
/// Every hook has an empty default, so a callback implements only what it needs. A callback may ask the
/// trainer to stop with ``Trainer/requestStop(_:)``.
public protocol TrainingCallback: AnyObject {
    /// Before the first epoch.
    func trainingWillBegin(_ trainer: Trainer, epochs: Int, stepsPerEpoch: Int)
    /// After each optimizer step (`step` counts from 1 over the whole run).
    func stepDidEnd(_ trainer: Trainer, epoch: Int, step: Int, loss: Float)
    /// After each step-interval validation (``EvaluationInterval/steps(_:)``).
    func evaluationDidEnd(_ trainer: Trainer, log: EvaluationLog)
    /// After each epoch, with its measurements (validation included).
    func epochDidEnd(_ trainer: Trainer, log: EpochLog)
    /// After the last epoch (or an early stop), before ``Trainer/fit(_:validation:epochs:)`` returns.
    func trainingDidEnd(_ trainer: Trainer, history: inout History)
}

extension TrainingCallback {
    /// Does nothing.
    public func trainingWillBegin(_ trainer: Trainer, epochs: Int, stepsPerEpoch: Int) {}
    /// Does nothing.
    public func stepDidEnd(_ trainer: Trainer, epoch: Int, step: Int, loss: Float) {}
    /// Does nothing.
    public func evaluationDidEnd(_ trainer: Trainer, log: EvaluationLog) {}
    /// Does nothing.
    public func epochDidEnd(_ trainer: Trainer, log: EpochLog) {}
    /// Does nothing.
    public func trainingDidEnd(_ trainer: Trainer, history: inout History) {}
}
