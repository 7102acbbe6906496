import Descent
import DescentData

/// The loss of `model` on `data` under `objective`, in eval mode and without gradients (the model's mode is
/// restored afterwards), with the standard summary — ``ClassificationMetrics`` for batches with class labels and
/// outputs `[B, C]`, ``SequenceMetrics`` under ``Objective/tokenCrossEntropy(ignoreIndex:)``,
/// ``RegressionMetrics`` for other tensor targets — and each of `metrics` updated with every batch, the value of
/// those that compute a number put in ``Evaluation/metrics`` under their name (reset them first for fresh figures).
///
/// The loss is the mean per sample, `Σ loss_b · n_b / Σ n_b` over batches `b` of `n_b` samples.
///
/// - Throws: errors from loading batches (a ``DescentError`` naming the file or sample).
public func evaluate(
    model: Module, data: DataLoader, objective: Objective = .crossEntropy(),
    metrics: [any Metric] = []
) throws -> Evaluation {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    return try withNoGrad {
        var classification: ClassificationMetrics?
        var regression: RegressionMetrics?
        var sequence: SequenceMetrics?
        var lossSum = 0.0, samples = 0
        var batches = data.epoch(0).makeIterator()
        while let batch = try batches.nextBatch() {
            if batch.count == 0 { continue }  // a shard's empty share of a small batch
            let output = model(batch.inputs)
            let loss = objective.loss(output, batch).item
            lossSum += Double(loss) * Double(batch.count)
            samples += batch.count
            for metric in metrics { metric.update(output: output, batch: batch) }
            if let labels = batch.labels, output.rank == 2 {
                if classification == nil { classification = ClassificationMetrics(classes: output.shape[1]) }
                classification!.add(logits: output, labels: labels, meanLoss: loss)
            } else if case .tokenCrossEntropy(let ignoreIndex) = objective, let targets = batch.targets {
                if sequence == nil { sequence = SequenceMetrics(ignoreIndex: ignoreIndex) }
                sequence!.add(logits: output, targets: targets)
            } else if let targets = batch.targets {
                if regression == nil { regression = RegressionMetrics() }
                regression!.add(predictions: output, targets: targets.reshaped(output.shape), meanLoss: loss)
            }
        }
        var evaluation = Evaluation(
            loss: lossSum / Double(max(samples, 1)), classification: classification, regression: regression,
            sequence: sequence, samples: samples)
        for metric in metrics { if let value = metric.compute() as? Double { evaluation.metrics[metric.name] = value } }
        return evaluation
    }
}
