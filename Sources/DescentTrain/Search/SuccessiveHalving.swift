import Foundation

/// How a search spends its epochs: every trial for the config's `training.epochs` (`full`), or successive
/// halving (`halving`), where every trial trains a few epochs and only the best continue.
public enum SearchStrategy: String, Sendable, Codable, CaseIterable {
    /// Every trial trains for `training.epochs`.
    case full
    /// Successive halving: see ``SuccessiveHalving``.
    case halving

    /// Searches of more than this many trials use `halving` unless told otherwise; smaller ones use `full`.
    public static let halvingAbove = 8

    /// The default for `trials` trials: `halving` above ``halvingAbove`` trials, else `full`.
    public static func defaultFor(trials: Int) -> SearchStrategy { trials > halvingAbove ? .halving : .full }
}

/// The rungs of a successive-halving search (Jamieson & Talwalkar; one Hyperband bracket, synchronous): every
/// trial trains `minEpochs` epochs; the best 1/η by the validation metric at that rung continue, from their
/// checkpoint, to `minEpochs`·η epochs, and so on up to `maxEpochs` (the config's `training.epochs`), the last rung.
/// Every trial keeps `maxEpochs` as its run's length and pauses at each rung (`descent train --pause-after-epoch`),
/// so a survivor is exactly the run it would have been trained straight, whatever its schedule.
///
/// With 27 trials, `minEpochs` 1, η 3 and 9 epochs: rungs at 1, 3 and 9 epochs with 27, 9 and 3 trials, which
/// train 27×1 + 9×2 + 3×6 = 63 trial-epochs, against 27×9 = 243 for the full search.
public struct SuccessiveHalving: Sendable, Codable, Equatable {
    /// The epochs every trial trains first (R).
    public var minEpochs: Int
    /// The reduction factor η: 1/η of a rung's trials are promoted.
    public var reductionFactor: Int
    /// The epochs of the last rung (the config's `training.epochs`).
    public var maxEpochs: Int

    /// A schedule from `minEpochs` to `maxEpochs` epochs with reduction factor `reductionFactor`.
    public init(minEpochs: Int, reductionFactor: Int, maxEpochs: Int) {
        self.minEpochs = minEpochs
        self.reductionFactor = reductionFactor
        self.maxEpochs = maxEpochs
    }

    /// The epochs each rung trains to: `minEpochs`·η^k below `maxEpochs`, then `maxEpochs`.
    public var rungEpochs: [Int] {
        var epochs: [Int] = []
        var e = max(1, minEpochs)
        while e < maxEpochs {
            epochs.append(e)
            e *= max(2, reductionFactor)
        }
        return epochs + [maxEpochs]
    }

    /// The trials of each rung for a search of `trials` trials: all of them, then ⌊n/η⌋ of the previous rung's
    /// n (at least 1).
    public func rungTrials(_ trials: Int) -> [Int] {
        var counts: [Int] = []
        for k in rungEpochs.indices {
            counts.append(k == 0 ? trials : max(1, counts[k - 1] / max(2, reductionFactor)))
        }
        return counts
    }

    /// The epochs trained by a search of `trials` trials when none fails: each rung's trials train from the
    /// previous rung's epochs to its own.
    public func budget(_ trials: Int) -> Int {
        let epochs = rungEpochs, counts = rungTrials(trials)
        return epochs.indices.reduce(0) { $0 + counts[$1] * (epochs[$1] - ($1 == 0 ? 0 : epochs[$1 - 1])) }
    }

    /// The line announcing the rungs and the budget, e.g. "successive halving: 27 trials, η 3, rungs at 1, 3, 9
    /// epochs with 27, 9, 3 trials: 27×1 + 9×2 + 3×6 = 63 trial-epochs (the full search: 27×9 = 243)".
    public func summary(_ trials: Int) -> String {
        let epochs = rungEpochs, counts = rungTrials(trials)
        let terms = epochs.indices.map { "\(counts[$0])×\(epochs[$0] - ($0 == 0 ? 0 : epochs[$0 - 1]))" }
        return "successive halving: \(trials) trials, η \(reductionFactor), rungs at "
            + epochs.map(String.init).joined(separator: ", ") + " epochs with "
            + counts.map(String.init).joined(separator: ", ") + " trials: " + terms.joined(separator: " + ")
            + " = \(budget(trials)) trial-epochs (the full search: \(trials)×\(maxEpochs) = \(trials * maxEpochs))"
    }

    /// The trials promoted from a rung: the best `count` of `scored` (trial number, metric at the rung) by the
    /// metric (`higherIsBetter` for accuracy), ties broken by the lower trial number; returned in that order.
    public static func promoted(_ scored: [(number: Int, metric: Double)], count: Int, higherIsBetter: Bool) -> [Int] {
        let sorted = scored.sorted { a, b in
            if a.metric == b.metric { return a.number < b.number }
            return higherIsBetter ? a.metric > b.metric : a.metric < b.metric
        }
        return sorted.prefix(max(0, count)).map(\.number)
    }
}
