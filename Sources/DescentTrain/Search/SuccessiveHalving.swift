import Foundation

/// How a search spends its epochs: every trial for the config's `training.epochs` (`full`), successive halving
/// (`halving`), where every trial trains a few epochs and only the best continue, or Hyperband (`hyperband`),
/// several successive-halving brackets from aggressive to none.
public enum SearchStrategy: String, Sendable, Codable, CaseIterable {
    /// Every trial trains for `training.epochs`.
    case full
    /// Successive halving: see ``SuccessiveHalving``.
    case halving
    /// Hyperband: see ``Hyperband``.
    case hyperband

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
        zip(rungTrials(trials), rungIncrements).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The epochs each rung's trials train: the first rung's epochs, then each rung's less the previous rung's.
    public var rungIncrements: [Int] {
        let epochs = rungEpochs
        return epochs.indices.map { epochs[$0] - ($0 == 0 ? 0 : epochs[$0 - 1]) }
    }

    /// The line announcing the rungs and the budget, e.g. "successive halving: 27 trials, η 3, rungs at 1, 3, 9
    /// epochs with 27, 9, 3 trials: 27×1 + 9×2 + 3×6 = 63 trial-epochs (the full search: 27×9 = 243)".
    public func summary(_ trials: Int) -> String {
        let counts = rungTrials(trials)
        let terms = zip(counts, rungIncrements).map { "\($0)×\($1)" }
        return "successive halving: \(trials) trials, η \(reductionFactor), rungs at "
            + rungEpochs.map(String.init).joined(separator: ", ") + " epochs with "
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

/// Hyperband (Li et al., 2018), synchronous: several successive-halving brackets that trade the number of trials
/// against the epochs each starts with, so that a search is not ruined when early epochs mislead. With R the
/// first rung's epochs (`minEpochs`), η the reduction factor and s_max the largest s with R·η^s ≤ `maxEpochs`,
/// bracket s (from s_max down to 0) takes ⌈(s_max + 1)·η^s / (s + 1)⌉ trials that first train R·η^(s_max − s)
/// epochs, then halves them as ``SuccessiveHalving`` does up to `maxEpochs`; bracket 0 trains its trials for
/// `maxEpochs` straight (no halving).
///
/// With R 1, η 3 and 9 epochs: brackets of 9 trials (rungs at 1, 3, 9 epochs), 5 trials (3, 9) and 3 trials (9),
/// 17 trials and 21 + 21 + 27 = 69 trial-epochs.
public struct Hyperband: Sendable, Codable, Equatable {
    /// The epochs of the first rung of the most aggressive bracket (R).
    public var minEpochs: Int
    /// The reduction factor η.
    public var reductionFactor: Int
    /// The epochs every bracket ends at (the config's `training.epochs`).
    public var maxEpochs: Int

    /// Brackets from `minEpochs` to `maxEpochs` epochs with reduction factor `reductionFactor`.
    public init(minEpochs: Int, reductionFactor: Int, maxEpochs: Int) {
        self.minEpochs = minEpochs
        self.reductionFactor = reductionFactor
        self.maxEpochs = maxEpochs
    }

    private var eta: Int { max(2, reductionFactor) }

    /// s_max: the largest s with `minEpochs`·η^s ≤ `maxEpochs` (0 when even one step does not fit).
    public var sMax: Int {
        var s = 0, e = max(1, minEpochs)
        while e * eta <= maxEpochs {
            e *= eta
            s += 1
        }
        return s
    }

    /// The brackets' successive-halving schedules, the most aggressive (s = s_max) first.
    public var brackets: [SuccessiveHalving] {
        let top = sMax
        return (0...top).reversed().map { s in
            let first = s == 0 ? maxEpochs : max(1, minEpochs) * Int(pow(Double(eta), Double(top - s)))
            return SuccessiveHalving(minEpochs: first, reductionFactor: eta, maxEpochs: maxEpochs)
        }
    }

    /// The trials Hyperband gives each bracket: ⌈(s_max + 1)·η^s / (s + 1)⌉, in ``brackets``' order.
    public var bracketTrials: [Int] {
        let top = sMax
        return (0...top).reversed().map { s in
            Int((Double(top + 1) * pow(Double(eta), Double(s)) / Double(s + 1)).rounded(.up))
        }
    }

    /// How `count` configurations are shared among the brackets: ``bracketTrials`` when they add up to `count`,
    /// else in proportion to them (largest remainders first; every bracket at least 1). `nil` when `count` is
    /// below the number of brackets.
    public func split(_ count: Int) -> [Int]? {
        let wanted = bracketTrials, total = wanted.reduce(0, +)
        guard count >= wanted.count else { return nil }
        if count == total { return wanted }
        let exact = wanted.map { Double(count) * Double($0) / Double(total) }
        var shares = exact.map { max(1, Int($0.rounded(.down))) }
        var left = count - shares.reduce(0, +)
        let order = exact.indices.sorted { exact[$0] - exact[$0].rounded(.down) > exact[$1] - exact[$1].rounded(.down) }
        var k = 0
        while left > 0 {
            shares[order[k % order.count]] += 1
            left -= 1
            k += 1
        }
        while left < 0 {  // the minimum of 1 overshot: take from the largest shares
            let i = shares.indices.max { shares[$0] < shares[$1] }!
            shares[i] -= 1
            left += 1
        }
        return shares
    }

    /// The line announcing the brackets for `count` configurations, e.g. "hyperband: 17 trials in 3 brackets, η 3:
    /// 9 trials at 1, 3, 9 epochs; 5 at 3, 9; 3 at 9: 21 + 21 + 27 = 69 trial-epochs (all at 9 epochs: 153)".
    public func summary(_ count: Int) -> String {
        let shares = split(count) ?? bracketTrials
        let parts = zip(brackets, shares).map { b, n in
            "\(n) at " + b.rungEpochs.map(String.init).joined(separator: ", ")
        }
        let budgets = zip(brackets, shares).map { $0.budget($1) }
        return "hyperband: \(count) trials in \(brackets.count) brackets, η \(eta): " + parts.joined(separator: "; ")
            + " epochs: " + budgets.map(String.init).joined(separator: " + ")
            + " = \(budgets.reduce(0, +)) trial-epochs (all at \(maxEpochs) epochs: \(count * maxEpochs))"
    }
}
