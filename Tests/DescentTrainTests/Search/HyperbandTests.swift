import Foundation
import Testing

@testable import DescentTrain

/// Hyperband's arithmetic: s_max, each bracket's first rung and trials (Li et al.'s n = ⌈(s_max + 1)·η^s / (s + 1)⌉,
/// r = R·η^(s_max − s)), the budget announced, how a space of another size is shared among the brackets, and each
/// bracket's plan (its successive halving over its share of the configurations).
@Suite struct HyperbandTests {
    @Test func bracketsOfR1Eta3To9Epochs() {
        let h = Hyperband(minEpochs: 1, reductionFactor: 3, maxEpochs: 9)
        #expect(h.sMax == 2)
        #expect(h.brackets.map(\.rungEpochs) == [[1, 3, 9], [3, 9], [9]])
        #expect(h.bracketTrials == [9, 5, 3])
        #expect(zip(h.brackets, h.bracketTrials).map { $0.budget($1) } == [21, 21, 27])
        #expect(
            h.summary(17) == "hyperband: 17 trials in 3 brackets, η 3: 9 at 1, 3, 9; 5 at 3, 9; 3 at 9 epochs: "
                + "21 + 21 + 27 = 69 trial-epochs (all at 9 epochs: 153)")
    }

    @Test func eta2To8EpochsAndTooShortARun() {
        let h = Hyperband(minEpochs: 1, reductionFactor: 2, maxEpochs: 8)
        #expect(h.sMax == 3)
        #expect(h.brackets.map(\.rungEpochs) == [[1, 2, 4, 8], [2, 4, 8], [4, 8], [8]])
        #expect(h.bracketTrials == [8, 6, 4, 4])  // ⌈4·8/4⌉, ⌈4·4/3⌉, ⌈4·2/2⌉, ⌈4/1⌉
        #expect(Hyperband(minEpochs: 4, reductionFactor: 3, maxEpochs: 6).sMax == 0)
        #expect(
            Hyperband(minEpochs: 2, reductionFactor: 3, maxEpochs: 10).brackets.map(\.rungEpochs) == [
                [2, 6, 10], [10],
            ])
    }

    @Test func aSpaceOfAnotherSizeIsSharedInProportion() {
        let h = Hyperband(minEpochs: 1, reductionFactor: 3, maxEpochs: 9)  // wants 9, 5, 3
        #expect(h.split(17) == [9, 5, 3])
        #expect(h.split(12) == [6, 4, 2])  // 6.35, 3.53, 2.12: remainders to the second
        #expect(h.split(3) == [1, 1, 1])
        #expect(h.split(2) == nil)
        for n in 3...40 { #expect(h.split(n)!.reduce(0, +) == n && h.split(n)!.allSatisfy { $0 >= 1 }) }
    }

    @Test func eachBracketPlanHalvesItsShareOfTheConfigurations() throws {
        let space = try SearchSpace.parse(
            yaml: "search: {grid: {optimizer.lr: [0.1, 0.01, 0.001, 0.0001, 0.00001]}, strategy: hyperband}")
        var plan = SearchPlan(
            config: nil, overrides: [], space: space, seed: 0, metric: .validationLoss, parallel: 1, threadsPerTrial: 1)
        plan.hyperband = Hyperband(minEpochs: 1, reductionFactor: 2, maxEpochs: 2)  // brackets of 2 and 2 trials
        let plans = try HyperbandRun(
            plan: plan, directory: URL(fileURLWithPath: "/tmp/hb"), executable: URL(fileURLWithPath: "/bin/true")
        )
        .bracketPlans()
        #expect(plans.count == 2)
        #expect(plans.map(\.halving) == [SuccessiveHalving(minEpochs: 1, reductionFactor: 2, maxEpochs: 2), nil])
        #expect(
            plans.map(\.trialConfigurations)
                == [
                    [["optimizer.lr=0.1"], ["optimizer.lr=0.01"], ["optimizer.lr=0.001"]],
                    [["optimizer.lr=0.0001"], ["optimizer.lr=0.00001"]],
                ])
        #expect(plans.allSatisfy { $0.hyperband == nil })
    }
}
