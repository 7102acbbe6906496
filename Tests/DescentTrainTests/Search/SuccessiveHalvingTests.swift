import Descent
import Foundation
import Testing

@testable import DescentTrain

/// Successive halving's arithmetic: the rungs' epochs and trial counts, the budget announced before any trial,
/// the promotion of the best 1/η with ties to the lower trial number, the default strategy, the `search:` keys
/// and the CSV columns of a halving search.
@Suite struct SuccessiveHalvingTests {
    @Test func rungsOf27TrialsAt1To9Epochs() {
        let h = SuccessiveHalving(minEpochs: 1, reductionFactor: 3, maxEpochs: 9)
        #expect(h.rungEpochs == [1, 3, 9])
        #expect(h.rungTrials(27) == [27, 9, 3])
        #expect(h.budget(27) == 27 * 1 + 9 * 2 + 3 * 6)
        #expect(
            h.summary(27) == "successive halving: 27 trials, η 3, rungs at 1, 3, 9 epochs with 27, 9, 3 trials: "
                + "27×1 + 9×2 + 3×6 = 63 trial-epochs (the full search: 27×9 = 243)")
    }

    @Test func theLastRungIsTheConfigsEpochsAndEveryRungKeepsATrial() {
        let h = SuccessiveHalving(minEpochs: 2, reductionFactor: 3, maxEpochs: 10)
        #expect(h.rungEpochs == [2, 6, 10])
        #expect(h.rungTrials(10) == [10, 3, 1])
        #expect(h.budget(10) == 10 * 2 + 3 * 4 + 1 * 4)
        #expect(h.rungTrials(2) == [2, 1, 1])
        let two = SuccessiveHalving(minEpochs: 1, reductionFactor: 2, maxEpochs: 4)
        #expect(two.rungEpochs == [1, 2, 4] && two.rungTrials(4) == [4, 2, 1] && two.budget(4) == 8)
        #expect(SuccessiveHalving(minEpochs: 3, reductionFactor: 3, maxEpochs: 3).rungEpochs == [3])
    }

    @Test func promotionTakesTheBestWithTiesToTheLowerTrial() {
        let scored: [(number: Int, metric: Double)] = [(1, 0.5), (2, 0.3), (3, 0.3), (4, 0.9), (5, 0.1), (6, 0.3)]
        #expect(SuccessiveHalving.promoted(scored, count: 2, higherIsBetter: false) == [5, 2])
        #expect(SuccessiveHalving.promoted(scored, count: 3, higherIsBetter: false) == [5, 2, 3])
        #expect(SuccessiveHalving.promoted(scored, count: 2, higherIsBetter: true) == [4, 1])
        #expect(SuccessiveHalving.promoted(scored, count: 0, higherIsBetter: true).isEmpty)
    }

    @Test func halvingIsTheDefaultAboveEightTrials() {
        #expect(SearchStrategy.defaultFor(trials: 8) == .full)
        #expect(SearchStrategy.defaultFor(trials: 9) == .halving)
    }

    @Test func theSearchSectionTakesTheStrategyKeys() throws {
        let space = try SearchSpace.parse(
            yaml: """
                search:
                  strategy: halving
                  min_epochs: 2
                  reduction_factor: 4
                  grid: {optimizer.lr: [0.1, 0.01]}
                """)
        #expect(space.strategy == .halving && space.minEpochs == 2 && space.reductionFactor == 4)
        #expect(throws: DescentError.self) { try SearchSpace.parse(yaml: "search: {strategy: asha}") }
        #expect(throws: DescentError.self) { try SearchSpace.parse(yaml: "search: {reduction_factor: 1}") }
    }

    @Test func theCSVHasTheRungAndTheMetricAtEachRung() {
        var pruned = SearchTrial(number: 1, parameters: ["optimizer.lr=1"])
        (pruned.status, pruned.rung, pruned.rungMetrics) = (.stopped, 1, [2.5])
        pruned.reason = "pruned at rung 1 (1 epochs)"
        var best = SearchTrial(number: 2, parameters: ["optimizer.lr=0.1"])
        (best.status, best.rung, best.rungMetrics, best.metric, best.epochs) = (.done, 2, [2.0, 1.5], 1.5, 3)
        let results = SearchResults(
            metric: .validationLoss, keys: ["optimizer.lr"], trials: [pruned, best],
            rungEpochs: [1, 3])
        #expect(
            results.csv == """
                trial,optimizer.lr,status,val_loss,best_epoch,epochs,seconds,rung,val_loss@1,val_loss@3,reason
                1,1,stopped,,,,,1,2.5,,pruned at rung 1 (1 epochs)
                2,0.1,done,1.5,,3,,2,2.0,1.5,

                """)
        #expect(results.best?.number == 2 && results.trialEpochs == 3)
    }
}
