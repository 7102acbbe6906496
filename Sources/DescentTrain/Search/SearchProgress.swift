import Foundation

/// Where a running search stands, as the live table shows it: the trials running, done, failed, stopped and
/// pending, the best so far, the elapsed time and an estimate of the time left.
///
/// The estimate is the trial-epochs left × the seconds per trial-epoch measured so far (every trial with seconds
/// and epochs) ÷ the trials at a time. The trial-epochs planned are each trial's `training.epochs` in a full
/// search, ``SuccessiveHalving/budget(_:)`` in a successive-halving one; a trial that failed or was stopped plans
/// no more than it trained.
public struct SearchProgress: Sendable {
    /// The trials.
    public var results: SearchResults
    /// Each trial's planned epochs (its `training.epochs`), by trial index.
    public var plannedEpochs: [Int]
    /// The rungs of successive halving, if any.
    public var halving: SuccessiveHalving?
    /// Trials at a time.
    public var parallel: Int
    /// Seconds since the search (or this resumption of it) started.
    public var elapsed: Double
    /// Seconds each running trial has run, by trial number.
    public var running: [Int: Double]

    /// The progress of `results` after `elapsed` seconds.
    public init(
        results: SearchResults, plannedEpochs: [Int], halving: SuccessiveHalving? = nil, parallel: Int,
        elapsed: Double, running: [Int: Double] = [:]
    ) {
        self.results = results
        self.plannedEpochs = plannedEpochs
        self.halving = halving
        self.parallel = parallel
        self.elapsed = elapsed
        self.running = running
    }

    /// The trials with `status`.
    public func count(_ status: SearchTrial.Status) -> Int { results.trials.filter { $0.status == status }.count }

    /// The trial-epochs trained so far and those planned in all.
    public var trialEpochs: (trained: Int, planned: Int) {
        let trained = results.trials.reduce(0) { $0 + ($1.epochs ?? 0) }
        if let halving { return (trained, max(trained, halving.budget(results.trials.count))) }
        var planned = 0
        for (i, t) in results.trials.enumerated() {
            let plan = i < plannedEpochs.count ? plannedEpochs[i] : 0
            planned += t.status == .failed || t.status == .stopped ? (t.epochs ?? 0) : max(plan, t.epochs ?? 0)
        }
        return (trained, planned)
    }

    /// Seconds left, estimated; `nil` before any trial has finished a run (nothing to measure), 0 once no trial is
    /// running or pending.
    public var eta: Double? {
        // Between two rungs of successive halving no trial is running or pending, yet the next rung is to come.
        let between =
            halving != nil && count(.done) > 0
            && results.trials.contains { ($0.rung ?? 1) < (halving?.rungEpochs.count ?? 1) && $0.status == .done }
        if count(.running) + count(.pending) == 0 && !between { return 0 }
        let measured = results.trials.filter { ($0.epochs ?? 0) > 0 && $0.seconds != nil }
        let epochs = measured.reduce(0) { $0 + $1.epochs! }
        guard epochs > 0 else { return nil }
        let rate = measured.reduce(0) { $0 + $1.seconds! } / Double(epochs)
        let (trained, planned) = trialEpochs
        let busy = running.values.reduce(0, +)  // the running trials' seconds already spent
        return max(0, Double(planned - trained) * rate - busy) / Double(max(1, parallel))
    }

    /// A duration as `45s`, `3m07s` or `1h02m`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }

    /// One line: `running 2, done 5, failed 0, pending 5; best 003 val_loss 0.1234; elapsed 1m02s, ETA ~2m10s`
    /// (`stopped N` too in a successive-halving search).
    public var summary: String {
        var line =
            "running \(count(.running)), done \(count(.done)), failed \(count(.failed)), "
            + (halving == nil ? "" : "stopped \(count(.stopped)), ") + "pending \(count(.pending))"
        if let b = results.best, let m = b.metric {
            line += String(format: "; best %@ %@ %.4f", b.folderName, results.metric.rawValue, m)
        }
        line += "; elapsed \(Self.duration(elapsed)), ETA " + (eta.map { "~" + Self.duration($0) } ?? "?")
        return line
    }

    /// The live table: the summary, then one row per running trial (number, seconds, parameters), by number.
    public var lines: [String] {
        var lines = ["search: " + summary]
        for t in results.trials where t.status == .running {
            let seconds = running[t.number].map { Self.duration($0) } ?? "-"
            lines.append("  \(t.folderName)  running \(seconds)  " + t.parameters.joined(separator: " "))
        }
        return lines
    }
}

/// A block of lines redrawn in place at a terminal (ANSI escapes), with event lines printed above it: each
/// ``frame(events:block:)`` erases the block drawn before, prints the events and draws the new block.
public struct LiveBlock: Sendable {
    /// The lines drawn last.
    public private(set) var drawn = 0

    /// A block with nothing drawn.
    public init() {}

    /// The text that replaces the previous block by `events` (kept in the scrollback) and then `block`: cursor up
    /// over the old block (`ESC[nA`), to column 1 and erase to the end of the screen (`ESC[J`).
    public mutating func frame(events: [String], block: [String]) -> String {
        var s = drawn > 0 ? "\u{1B}[\(drawn)A\r\u{1B}[J" : ""
        for e in events { s += e + "\n" }
        for b in block { s += b + "\n" }
        drawn = block.count
        return s
    }

}
