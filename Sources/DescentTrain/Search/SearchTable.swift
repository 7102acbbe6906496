import Foundation

/// The final table of a search: the finished trials sorted by the validation metric (best first), then the
/// failed, pruned (`stopped`) and unfinished ones, one column per searched key (and the rung reached in a
/// successive-halving search); in a k-fold search the metric is the folds' mean ± their standard deviation.
public struct SearchTable: Sendable {
    /// The results shown.
    public let results: SearchResults

    /// The table of `results`.
    public init(_ results: SearchResults) { self.results = results }

    /// The metric column's header: `val_loss`, or `val_loss (5-fold mean ± std)` in a k-fold search.
    var metricHeader: String {
        results.metric.rawValue + (results.folds.map { " (\($0)-fold mean ± std)" } ?? "")
    }

    /// The table as aligned text lines.
    public var text: String {
        let ranked = results.ranked
        let others = results.trials.filter { t in !ranked.contains { $0.number == t.number } }
        let halving = results.rungEpochs != nil
        var rows = [
            ["trial"] + results.keys + ["status", metricHeader, "epoch", "epochs", "seconds"]
                + (halving ? ["rung"] : [])
        ]
        for t in ranked + others {
            var metric: String = t.metric.map { String(format: "%.4f", $0) } ?? "-"
            if let spread = t.metricSpread, t.metric != nil { metric += String(format: " ± %.4f", spread) }
            let seconds: String = t.seconds.map { String(format: "%.1f", $0) } ?? "-"
            let epoch: String = t.bestEpoch.map(String.init) ?? "-", epochs: String = t.epochs.map(String.init) ?? "-"
            var row: [String] = [t.folderName]
            row += results.keys.map { t.value(of: $0) ?? "" }
            row += [t.status.rawValue, metric, epoch, epochs, seconds]
            if halving { row.append(t.rung.map(String.init) ?? "-") }
            if let reason = t.reason { row.append(reason) }
            rows.append(row)
        }
        let widths = (0..<rows[0].count).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let last = c >= widths.count || c == row.count - 1
                return last ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
