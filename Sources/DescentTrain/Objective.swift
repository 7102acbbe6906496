import Descent
import DescentData

/// What the model is trained to minimise, given the model's output and the batch.
public enum Objective: Sendable {
    /// Cross-entropy of logits `[B, C]` against the batch's class labels, with optional label smoothing.
    case crossEntropy(labelSmoothing: Float = CrossEntropyLoss.defaultLabelSmoothing)
    /// Mean squared error against the batch's tensor targets (regression).
    case meanSquaredError
    /// Cross-entropy of per-step logits `[B, T, V]` against the batch's tensor targets `[B, T]` of token
    /// indices (sequences: language models, decoders), the mean over the tokens whose target is not
    /// `ignoreIndex`: `ℓ = Σ_{b,t: y≠ignore} (lse(x_{b,t}) − x_{b,t,y_{b,t}}) / #{y ≠ ignore}` (PyTorch's
    /// `cross_entropy(x.reshape(-1, V), y.reshape(-1), ignore_index=…)`).
    case tokenCrossEntropy(ignoreIndex: Int = -100)
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
        case .tokenCrossEntropy(let ignoreIndex):
            guard let targets = batch.targets else {
                preconditionFailure("Objective.tokenCrossEntropy: the batch has no tensor targets")
            }
            let (rows, vocabulary) = Self.tokenLayout(output, targets)
            return Descent.crossEntropy(
                output.reshaped([rows, vocabulary]), targets.scalars.map { Int($0) }, ignoreIndex: ignoreIndex)
        case .custom(let f):
            return f(output, batch)
        }
    }

    /// The token rows `B·T` and the vocabulary `V` of logits `[B, T, V]` for targets `[B, T]`.
    static func tokenLayout(_ output: Tensor, _ targets: Tensor) -> (rows: Int, vocabulary: Int) {
        precondition(
            output.rank == 3 && targets.count == output.shape[0] * output.shape[1],
            "Objective.tokenCrossEntropy: logits \(output.shape) for targets \(targets.shape)")
        return (output.shape[0] * output.shape[1], output.shape[2])
    }
}
