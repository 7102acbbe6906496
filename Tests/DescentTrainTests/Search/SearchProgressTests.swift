import Foundation
import Testing

@testable import DescentTrain

/// ``SearchProgress``: the counts, the best so far and the estimate of the time left from the seconds per
/// trial-epoch measured; ``LiveBlock``: the ANSI text that redraws the live table in place under the event lines.
@Suite struct SearchProgressTests {
    static func trial(
        _ n: Int, _ status: SearchTrial.Status, metric: Double? = nil, epochs: Int? = nil,
        seconds: Double? = nil
    ) -> SearchTrial {
        var t = SearchTrial(number: n, parameters: ["optimizer.lr=0.\(n)"])
        (t.status, t.metric, t.epochs, t.seconds) = (status, metric, epochs, seconds)
        return t
    }

    @Test func etaIsTheTrialEpochsLeftAtTheMeasuredRate() {
        // Two trials done (4 epochs each, 8 s and 12 s: 2.5 s per trial-epoch), one failed after 1 epoch (planned
        // no further), one running for 3 s, two pending; 4 epochs planned each.
        let results = SearchResults(
            metric: .validationLoss, keys: ["optimizer.lr"],
            trials: [
                Self.trial(1, .done, metric: 0.5, epochs: 4, seconds: 8),
                Self.trial(2, .done, metric: 0.25, epochs: 4, seconds: 12),
                Self.trial(3, .failed, epochs: 1, seconds: 2),
                Self.trial(4, .running), Self.trial(5, .pending), Self.trial(6, .pending),
            ])
        let p = SearchProgress(
            results: results, plannedEpochs: [4, 4, 4, 4, 4, 4], parallel: 2, elapsed: 125, running: [4: 3])
        #expect(p.trialEpochs == (trained: 9, planned: 21))
        // (21 − 9) trial-epochs × (22 s / 9 epochs) − 3 s already spent, over 2 at a time.
        #expect(abs(p.eta! - (12 * 22 / 9.0 - 3) / 2) < 1e-9)
        #expect(
            p.summary
                == "running 1, done 2, failed 1, pending 2; best 002 val_loss 0.2500; elapsed 2m05s, ETA ~13s")
        #expect(p.lines == ["search: " + p.summary, "  004  running 3s  optimizer.lr=0.4"])
    }

    @Test func etaIsUnknownBeforeAnyMeasureAndZeroAtTheEnd() {
        let fresh = SearchResults(metric: .validationAccuracy, keys: [], trials: [Self.trial(1, .pending)])
        #expect(SearchProgress(results: fresh, plannedEpochs: [3], parallel: 1, elapsed: 0).eta == nil)
        #expect(SearchProgress(results: fresh, plannedEpochs: [3], parallel: 1, elapsed: 0).summary.hasSuffix("ETA ?"))
        let over = SearchResults(
            metric: .validationAccuracy, keys: [], trials: [Self.trial(1, .done, metric: 0.9, epochs: 3, seconds: 1)])
        #expect(SearchProgress(results: over, plannedEpochs: [3], parallel: 1, elapsed: 3).eta == 0)
    }

    @Test func halvingPlansItsBudget() {
        let halving = SuccessiveHalving(minEpochs: 1, reductionFactor: 3, maxEpochs: 9)
        let results = SearchResults(
            metric: .validationLoss, keys: [],
            trials: (1...27).map {
                Self.trial($0, $0 <= 3 ? .done : .pending, metric: 1, epochs: $0 <= 3 ? 1 : nil, seconds: 2)
            },
            rungEpochs: halving.rungEpochs)
        let p = SearchProgress(results: results, plannedEpochs: [], halving: halving, parallel: 3, elapsed: 10)
        #expect(p.trialEpochs == (trained: 3, planned: 63))
        #expect(abs(p.eta! - 40) < 1e-9)  // 60 trial-epochs left × 2 s, 3 at a time
        #expect(p.summary.hasPrefix("running 0, done 3, failed 0, stopped 0, pending 24;"))
        // Between rungs: every rung-1 trial done, none running or pending, yet rungs 2 and 3 are to come.
        var between = results
        for i in between.trials.indices {
            (between.trials[i].status, between.trials[i].epochs, between.trials[i].rung) = (.done, 1, 1)
        }
        let next = SearchProgress(results: between, plannedEpochs: [], halving: halving, parallel: 3, elapsed: 10)
        #expect(abs(next.eta! - 36 * 2 / 3) < 1e-9)  // 63 − 27 trial-epochs left at 2 s, 3 at a time
    }

    @Test func durationsRead() {
        #expect(
            [0, 44.6, 60, 187, 3599, 3720].map(SearchProgress.duration) == [
                "0s", "45s", "1m00s", "3m07s", "59m59s", "1h02m",
            ])
    }

    @Test func theLiveBlockIsRedrawnInPlaceUnderTheEvents() {
        var block = LiveBlock()
        #expect(block.frame(events: [], block: ["a", "b"]) == "a\nb\n")
        #expect(block.frame(events: ["event"], block: ["c"]) == "\u{1B}[2A\r\u{1B}[Jevent\nc\n")
        #expect(block.drawn == 1)
        #expect(block.frame(events: ["end"], block: []) == "\u{1B}[1A\r\u{1B}[Jend\n")
        #expect(block.drawn == 0)
    }
}
