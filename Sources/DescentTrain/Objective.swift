import Descent
import DescentData

/// What the model is trained to minimise, given the model's output and the batch.
public enum Objective: Sendable {
    /// Cross-entropy of logits `[B, C]` against the batch's class labels, with optional label smoothing.
    case crossEntropy(labelSmoothing: Float = CrossEntropyLoss.defaultLabelSmoothing)
    /// Mean squared error against the batch's tensor targets (regression).
    case meanSquaredError
    /// Any differentiable scalar function of (output, batch).
    case custom(@Sendable (Tensor, Batch) -> Tensor)

    /// The scalar loss of `output` on `batch`.
    public func loss(_ output: Tensor, _ batch: Batch) -> Tensor {
        switch self {
        case .crossEntropy(let smoothing):
            guard let labels = batch.labels else {
                preconditionFailure("Objective.crossEntropy: the batch has no class labels")
            }
            return Descent.crossEntropy(output, labels, labelSmoothing: smoothing)
        case .meanSquaredError:
            guard let targets = batch.targets else {
                preconditionFailure("Objective.meanSquaredError: the batch has no tensor targets")
            }
            return mseLoss(output, targets.reshaped(output.shape))
        case .custom(let f):
            return f(output, batch)
        }
    }
}
