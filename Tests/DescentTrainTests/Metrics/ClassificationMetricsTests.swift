import Testing

@testable import Descent
@testable import DescentTrain

@Suite struct ClassificationMetricsTests {
    @Test func confusionPrecisionRecallF1() {
        var m = ClassificationMetrics(classes: 3, topK: 2)
        // Predictions (argmax): 0, 1, 1, 2; labels: 0, 1, 2, 2.
        let logits = Tensor(rows: [[5, 1, 0], [0, 3, 1], [0, 2, 1], [1, 0, 4]])
        m.add(logits: logits, labels: [0, 1, 2, 2], meanLoss: 0.5)
        #expect(m.confusion == [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
        #expect(m.accuracy == 0.75)
        #expect(m.precision == [1, 0.5, 1])
        #expect(m.recall == [1, 1, 0.5])
        #expect(Swift.abs(m.f1[1] - 2.0 / 3.0) < 1e-12)
        #expect(m.topKAccuracy == 1)  // label 2 of row 2 is the second-highest score
        #expect(m.loss == 0.5)
    }

    @Test func topOneAccuracyEqualsAccuracy() {
        var m = ClassificationMetrics(classes: 4, topK: 1)
        m.add(logits: Tensor(rows: [[0, 1, 2, 3], [3, 2, 1, 0]]), labels: [3, 1], meanLoss: 1)
        #expect(m.accuracy == 0.5)
        #expect(m.topKAccuracy == 0.5)
    }

    @Test func regressionMetrics() {
        var r = RegressionMetrics()
        r.add(predictions: Tensor([1, 2, 3, 5]), targets: Tensor([1, 2, 4, 4]), meanLoss: 0.5)
        #expect(r.mae == 0.5)
        #expect(Swift.abs(r.rmse - (0.5).squareRoot()) < 1e-12)
        // ȳ = 2.75, Σ(y−ȳ)² = 6.75, Σe² = 2 → R² = 1 − 2/6.75.
        #expect(Swift.abs(r.r2 - (1 - 2 / 6.75)) < 1e-9)
    }
}
