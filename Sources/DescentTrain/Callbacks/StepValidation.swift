/// Validates every `n` optimizer steps on the validation data given to `fit` (besides the validation after each
/// epoch), appending an ``EvaluationLog`` to the history. Put it after the learning-rate scheduler (the log
/// records the rate of the next step) and before the loggers and checkpoints.
public final class StepValidation: TrainingCallback {
    /// Steps between validations.
    public let interval: Int

    /// Validation every `interval` (≥ 1) steps.
    public init(every interval: Int) {
        precondition(interval >= 1, "StepValidation: the interval must be at least 1")
        self.interval = interval
    }

    /// Validates when the step count is a multiple of ``interval``.
    public func stepDidEnd(_ state: inout TrainingState) throws {
        guard state.step % interval == 0, let validation = state.validation else { return }
        let e = try state.evaluate(validation)
        state.progress.history.evaluations.append(
            EvaluationLog(
                step: state.step, epoch: state.epoch, loss: e.loss,
                accuracy: e.accuracy, perplexity: e.perplexity, learningRate: state.optimizer.lr))
    }
}
