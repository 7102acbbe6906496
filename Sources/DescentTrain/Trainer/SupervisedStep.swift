import Descent
import DescentData

/// The default ``TrainingStep``: one model, one optimizer, one objective. Per batch: `zeroGrad`, forward,
/// loss, backward, the hooks after backward, then `optimizer.step()` unless a hook skipped it.
public final class SupervisedStep: TrainingStep {
    /// The model being trained.
    public let model: Module
    /// The optimizer holding the model's parameters.
    public let optimizer: any Optimizer
    /// The loss.
    public var objective: Objective
    /// Extra metrics of every evaluation (reset before each), their numbers in ``Evaluation/metrics``: the exact
    /// match of a sequence-to-sequence model.
    public var metrics: [any Metric] = []

    /// A step training `model` with `optimizer` (built over the model's parameters) on `objective`.
    public init(model: Module, optimizer: any Optimizer, objective: Objective = .crossEntropy()) {
        self.model = model
        self.optimizer = optimizer
        self.objective = objective
    }

    /// Forward, loss, backward, hooks, optimizer step; records the loss and the output in `state`.
    ///
    /// An empty batch (a data-parallel rank's share of a batch smaller than the ranks) skips forward and
    /// backward: the rank joins the gradient average with zeros and takes the same optimizer step.
    public func train(on batch: Batch, state: inout TrainingState, hooks: TrainingHooks) throws {
        optimizer.zeroGrad()
        if batch.count == 0 {
            state.loss = 0
            guard try hooks.backwardDidEnd(&state, model: model, optimizer: optimizer) else { return }
            optimizer.step()
            return
        }
        // A batch of one sample may reach a batch-norm layer with one value per channel: the layer records
        // PyTorch's error instead of stopping, and the step throws it before the loss and backward.
        let output: Tensor
        if batch.inputs.rank >= 1 && batch.inputs.shape[0] == 1 && model.isTraining {
            output = BatchNorm.$recordsTrainingInputErrors.withValue(true) { model(batch.inputs) }
            if let error = BatchNorm.takeTrainingInputError(in: model) {
                throw DescentError(
                    .shape, error.location,
                    "\(error.reason) (a training batch of 1 sample: choose a batch size that leaves no batch of one)"
                )
            }
        } else {
            output = model(batch.inputs)
        }
        let loss = objective.loss(output, batch)
        state.loss = loss.item
        loss.backward()
        guard try hooks.backwardDidEnd(&state, model: model, optimizer: optimizer) else { return }
        optimizer.step()
        state.record(loss: state.loss, batch: batch, output: output)
    }

    /// ``evaluate(model:data:objective:metrics:)`` of the model on `data` with the step's objective and metrics.
    public func evaluate(_ data: DataLoader) throws -> Evaluation {
        for metric in metrics { metric.reset() }
        return try DescentTrain.evaluate(model: model, data: data, objective: objective, metrics: metrics)
    }

    /// `model`: the weights and the optimizer state live at the checkpoint's top level.
    public var checkpointKey: String { "model" }

    /// Writes `model.safetensors`, `optimizer.json` and `optimizer.safetensors`.
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        try folder.writeWeights(of: model, to: "model.safetensors")
        try folder.writeOptimizer(optimizer.stateDict(), prefix: "optimizer")
    }

    /// Loads the weights and the optimizer state (errors name the file).
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        try folder.readWeights(into: model, from: "model.safetensors")
        try folder.readOptimizer(into: optimizer, prefix: "optimizer")
    }
}
