import Descent
import DescentData

/// A quantity accumulated over batches (Burn's `Metric`, torchmetrics' `update`/`compute`/`reset`): each batch's
/// model output and batch are added with ``update(output:batch:)``, ``compute()`` reports the value over all
/// batches since the last ``reset()``. Pass metrics to ``evaluate(model:data:objective:metrics:)``.
public protocol Metric: AnyObject {
    /// What ``compute()`` reports (a number, or a matrix for ``ConfusionMatrix``).
    associatedtype Value
    /// A short name (`accuracy`, `top5_accuracy`, `mae`).
    var name: String { get }
    /// Adds one batch: the model's `output` and the `batch` with its labels or targets.
    func update(output: Tensor, batch: Batch)
    /// The value over the batches added since the last reset.
    func compute() -> Value
    /// Forgets every batch added.
    func reset()
}

extension Batch {
    /// The class labels of a classification batch whose output is `[B, C]` (a precondition: programmer error).
    func classLabels(for output: Tensor, metric: String) -> [Int] {
        guard let labels, output.rank == 2, output.shape[0] == labels.count else {
            preconditionFailure("\(metric): needs class labels and outputs [B, C], got output \(output.shape)")
        }
        return labels
    }

    /// The tensor targets of a regression batch, shaped like `output` (a precondition: programmer error).
    func targetValues(for output: Tensor, metric: String) -> Tensor {
        guard let targets, targets.count == output.count else {
            preconditionFailure("\(metric): needs tensor targets with as many values as the output \(output.shape)")
        }
        return targets.reshaped(output.shape)
    }
}
