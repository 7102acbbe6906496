import Descent
import Foundation
import Testing

@testable import DescentTrain

/// Several runs' curves on one plot: step-interval validations against the step when every run has them,
/// epochs otherwise, and an error naming a run without the metric.
@Suite struct RunCurvesTests {
    static func history(_ losses: [Double], evaluations: [(Int, Double)] = []) -> History {
        var h = History()
        h.epochs = losses.enumerated().map {
            EpochLog(epoch: $0.offset + 1, trainLoss: $0.element, learningRate: 0.1, seconds: 1, samplesPerSecond: 10)
        }
        h.evaluations = evaluations.map {
            EvaluationLog(step: $0.0, epoch: 1, loss: $0.1, accuracy: nil, learningRate: 0.1)
        }
        return h
    }

    @Test func validationsAgainstStepsTrainingAgainstEpochs() throws {
        let a = Self.history([2, 1], evaluations: [(10, 1.5), (20, 1.2)])
        let b = Self.history([3, 2], evaluations: [(10, 2.5), (20, 2.0)])
        let steps = try RunCurves.plot([("a", a), ("b", b)], metric: .validationLoss, title: "clipping")
        #expect(steps.xLabel == "optimizer step" && steps.yLabel == "validation loss")
        #expect(steps.series.map(\.name) == ["a", "b"])
        #expect(steps.series[1].points.map(\.x) == [10, 20] && steps.series[1].points.map(\.y) == [2.5, 2.0])
        let epochs = try RunCurves.plot([("a", a), ("b", b)], metric: .trainLoss, title: "")
        #expect(epochs.xLabel == "epoch" && epochs.series[0].points.map(\.y) == [2, 1])
        #expect(epochs.svg().hasPrefix("<svg") || epochs.svg().hasPrefix("<?xml"))
        #expect(throws: DescentError(.argument, "b", "its history has no val_accuracy")) {
            try RunCurves.plot([("b", b)], metric: .validationAccuracy, title: "")
        }
    }
}
