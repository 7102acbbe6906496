import Descent
import DescentData

/// What the loop does with one batch: the supervised step (``SupervisedStep``) by default; a pluggable strategy
/// for other loops, such as two models and two optimizers stepping in turn (GANs). A step is ``Checkpointable``:
/// it saves its models' weights and optimizers' states.
///
/// For each model/optimizer pair it updates, a step runs forward and backward, then
/// `try hooks.backwardDidEnd(&state, model:optimizer:)`, and takes the optimizer step only when
/// ``TrainingState/shouldStep`` (return at once otherwise). It records the batch with
/// ``TrainingState/record(loss:batch:output:)``; the loop counts the step.
public protocol TrainingStep: Checkpointable {
    /// The primary model: evaluated, monitored for best weights, and its `Dropout` generators saved.
    var model: Module { get }
    /// The primary optimizer: its learning rate is logged and scheduled.
    var optimizer: any Optimizer { get }
    /// Trains on one batch.
    func train(on batch: Batch, state: inout TrainingState, hooks: TrainingHooks) throws
    /// The loss and metrics on `data`, in eval mode and without gradients.
    func evaluate(_ data: DataLoader) throws -> Evaluation
}
