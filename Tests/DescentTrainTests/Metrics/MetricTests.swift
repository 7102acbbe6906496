import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Metrics against values computed by hand (the formulas of scikit-learn and torchmetrics).
@Suite struct MetricTests {
    func batch(labels: [Int]? = nil, targets: Tensor? = nil, count: Int) -> Batch {
        Batch(inputs: Tensor.zeros([count, 1]), labels: labels, targets: targets, indices: Array(0..<count))
    }

    // Predictions (argmax): 0, 1, 1, 2; labels: 0, 1, 2, 2.
    let logits = Tensor(rows: [[5, 1, 0], [0, 3, 1], [0, 2, 1], [1, 0, 4]])
    let labels = [0, 1, 2, 2]

    @Test func classificationMetricsAccumulateOverBatches() {
        let accuracy = Accuracy(), top2 = TopKAccuracy(k: 2), top1 = TopKAccuracy(k: 1),
            confusion = ConfusionMatrix(classes: 3)
        let metrics: [any Metric] = [accuracy, top2, top1, confusion]
        // The same four samples as two batches of two.
        for range in [0..<2, 2..<4] {
            let output = Tensor(rows: range.map { i in logits.scalars[(3 * i)..<(3 * i + 3)].map { $0 } })
            for m in metrics { m.update(output: output, batch: batch(labels: Array(labels[range]), count: 2)) }
        }
        #expect(accuracy.compute() == 0.75)
        #expect(top2.compute() == 1)  // label 2 of sample 3 has the second-highest score
        #expect(top1.compute() == 0.75)
        #expect(confusion.compute() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
        #expect(metrics.map(\.name) == ["accuracy", "top2_accuracy", "top1_accuracy", "confusion_matrix"])
        for m in metrics { m.reset() }
        #expect(
            accuracy.compute().isNaN && top2.compute().isNaN
                && confusion.compute() == [[0, 0, 0], [0, 0, 0], [0, 0, 0]])
    }

    @Test func topKCountsTiesInIndexOrder() {
        let top1 = TopKAccuracy(k: 1)
        // Sample 0 ties classes 0 and 1 (label 1: class 0 ranks first); sample 1 ties them with label 0.
        top1.update(output: Tensor(rows: [[2, 2, 0], [2, 2, 0]]), batch: batch(labels: [1, 0], count: 2))
        #expect(top1.compute() == 0.5)
    }

    @Test func regressionErrors() {
        let mae = MeanAbsoluteError(), rmse = RootMeanSquaredError(), r2 = R2Score()
        let output = Tensor([1, 2, 3, 5]).reshaped([4, 1])
        for m in [mae, rmse, r2] as [any Metric] {
            m.update(output: output, batch: batch(targets: Tensor([1, 2, 4, 4]), count: 4))
        }
        // Errors 0, 0, −1, 1: MAE = 2/4, RMSE = √(2/4); ȳ = 2.75, Σ(y − ȳ)² = 6.75, so R² = 1 − 2/6.75.
        #expect(mae.compute() == 0.5)
        #expect(rmse.compute() == 0.5.squareRoot())
        #expect(Swift.abs(r2.compute() - (1 - 2 / 6.75)) < 1e-12)
    }

    @Test func r2AveragesOutputsUniformlyAndForcesFiniteValues() {
        // Column 0: y = 1, 2, 4 (SS_tot 14/3), SS_res 1 → 11/14; column 1: y = 1, 5, 6 (SS_tot 14), SS_res 2 → 12/14.
        let r2 = R2Score()
        r2.update(
            output: Tensor(rows: [[1, 2], [2, 4]]), batch: batch(targets: Tensor(rows: [[1, 1], [2, 5]]), count: 2))
        r2.update(output: Tensor(rows: [[3, 6]]), batch: batch(targets: Tensor(rows: [[4, 6]]), count: 1))
        #expect(Swift.abs(r2.compute() - 23.0 / 28.0) < 1e-12)
        // Constant targets: 1 when predicted exactly, else 0 (scikit-learn's force_finite).
        let exact = R2Score(), off = R2Score()
        exact.update(output: Tensor([3, 3]), batch: batch(targets: Tensor([3, 3]), count: 2))
        off.update(output: Tensor([2, 3]), batch: batch(targets: Tensor([3, 3]), count: 2))
        #expect(exact.compute() == 1 && off.compute() == 0)
        r2.reset()
        #expect(r2.compute().isNaN)
    }

    @Test func evaluateUpdatesTheMetricsAndRestoresTheMode() throws {
        let model = Models.mlp([2, 8, 3], generator: RandomGenerator(seed: 1))
        let accuracy = Accuracy(), confusion = ConfusionMatrix(classes: 3)
        let data = DataLoader(blobs(count: 30, seed: 2), batchSize: 7)
        let result = try evaluate(model: model, data: data, metrics: [accuracy, confusion])
        #expect(accuracy.compute() == result.accuracy)
        #expect(confusion.compute() == result.classification?.confusion)
        #expect(confusion.compute().joined().reduce(0, +) == 30)
        #expect(model.isTraining)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
        #expect(try trainer.evaluate(data).loss == result.loss)
    }
}
