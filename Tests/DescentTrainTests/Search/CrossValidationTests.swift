import Foundation
import Testing

@testable import DescentTrain

/// ``CrossValidation``: a k-fold trial's mean history over the epochs every fold reached, and its score: the
/// folds' mean at the best epoch of that mean curve (not each fold's own best), with their population standard
/// deviation.
@Suite struct CrossValidationTests {
    static func history(_ losses: [Double], accuracy: [Double]? = nil) -> History {
        var h = History()
        h.epochs = losses.enumerated().map { i, l in
            EpochLog(
                epoch: i + 1, trainLoss: 2 * l, validationLoss: l, validationAccuracy: accuracy?[i], learningRate: 0.1,
                seconds: Double(i + 1), samplesPerSecond: 100)
        }
        return h
    }

    @Test func meanHistoryAveragesEveryEpochAllFoldsReached() {
        let mean = CrossValidation.meanHistory([
            Self.history([1.0, 0.5, 0.25]), Self.history([3.0, 1.5]), Self.history([2.0, 1.0, 0.5]),
        ])
        #expect(mean.epochs.map(\.epoch) == [1, 2])
        #expect(mean.epochs.map(\.validationLoss) == [2.0, 1.0])
        #expect(mean.epochs.map(\.trainLoss) == [4.0, 2.0])
        #expect(mean.epochs.map(\.validationAccuracy) == [nil, nil])
        #expect(mean.epochs.map(\.seconds) == [1, 2])
        #expect(CrossValidation.meanHistory([]).epochs.isEmpty)
    }

    @Test func theScoreIsTheFoldsMeanAtTheBestEpochOfTheMean() throws {
        // Fold 1 is best at epoch 1, fold 2 at epoch 3, but the mean is best at epoch 2: (0.4 + 0.4) / 2.
        let folds = [Self.history([0.3, 0.4, 0.9]), Self.history([1.1, 0.4, 0.2])]
        let score = try #require(CrossValidation.score(folds, metric: .validationLoss))
        #expect(score.epoch == 2)
        #expect(score.foldMetrics == [0.4, 0.4])
        #expect(score.metric == 0.4 && score.spread == 0)
        let accuracy = [
            Self.history([1, 1], accuracy: [0.5, 0.7]), Self.history([1, 1], accuracy: [0.6, 0.8]),
            Self.history([1, 1], accuracy: [0.7, 0.6]),
        ]
        let best = try #require(CrossValidation.score(accuracy, metric: .validationAccuracy))
        #expect(best.epoch == 2 && best.foldMetrics == [0.7, 0.8, 0.6])
        #expect(abs(best.metric - 0.7) < 1e-12)
        #expect(abs(best.spread - (0.02 / 3).squareRoot()) < 1e-12)
        #expect(CrossValidation.score([Self.history([.nan])], metric: .validationLoss) == nil)
    }
}
