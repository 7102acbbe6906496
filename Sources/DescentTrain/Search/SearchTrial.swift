import Descent
import Foundation

/// One trial of a search as `results.json` and `results.csv` record it.
public struct SearchTrial: Sendable, Codable, Equatable {
    /// Where a trial stands.
    public enum Status: String, Sendable, Codable {
        /// Not started yet.
        case pending
        /// Started and not finished (a trial of an interrupted search is run again by `--resume`).
        case running
        /// Finished with a validation metric.
        case done
        /// Finished without one: a non-zero exit, a non-finite loss, a bad value; see ``reason``.
        case failed
        /// Pruned by successive halving after its ``rung`` (not among the best 1/η there); not a failure.
        case stopped
    }

    /// The trial's number, from 1 (its folder is `trials/NNN`).
    public var number: Int
    /// Its overrides, `key=value`, in the space's order.
    public var parameters: [String]
    /// Where it stands.
    public var status: Status
    /// Why it failed.
    public var reason: String?
    /// The best validation metric over its epochs; in a k-fold search, the best over the epochs of the folds'
    /// mean (``CrossValidation``).
    public var metric: Double?
    /// In a k-fold search: each fold's metric at ``bestEpoch``, by fold (their mean is ``metric``).
    public var foldMetrics: [Double]?
    /// In a k-fold search: the standard deviation of ``foldMetrics`` (ddof 0).
    public var metricSpread: Double?
    /// The epoch that reached ``metric``.
    public var bestEpoch: Int?
    /// Epochs trained.
    public var epochs: Int?
    /// Wall-clock seconds.
    public var seconds: Double?
    /// The process id of the `descent train` child while the trial runs (stopped by `--resume` if it outlived
    /// its search).
    public var pid: Int32?
    /// The successive-halving rung it reached, from 1 (`nil` in a full search).
    public var rung: Int?
    /// Its metric at each rung it finished (the best over its epochs up to the rung's), in rung order.
    public var rungMetrics: [Double]?

    /// A trial that has not run.
    public init(number: Int, parameters: [String]) {
        self.number = number
        self.parameters = parameters
        status = .pending
    }

    /// The folder name under `trials/`: the number with three digits.
    public var folderName: String { String(format: "%03d", number) }

    /// The value of `key` among the parameters.
    public func value(of key: String) -> String? {
        parameters.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
}

/// The trials of a search, written as `results.json` and `results.csv` (each atomically).
public struct SearchResults: Sendable, Codable, Equatable {
    /// The metric the trials are ranked by (`val_loss` or `val_accuracy`).
    public var metric: MonitoredMetric
    /// The searched keys, in order (the CSV's parameter columns).
    public var keys: [String]
    /// Every trial, by number.
    public var trials: [SearchTrial]
    /// The epochs of each successive-halving rung (`nil` in a full search).
    public var rungEpochs: [Int]?
    /// The folds of a k-fold search (`nil`: one validation split).
    public var folds: Int?

    /// Results of trials that have not run yet; with `rungEpochs`, of a successive-halving search; with
    /// `folds`, of a k-fold one.
    public init(
        metric: MonitoredMetric, keys: [String], trials: [SearchTrial], rungEpochs: [Int]? = nil, folds: Int? = nil
    ) {
        self.metric = metric
        self.keys = keys
        self.trials = trials
        self.rungEpochs = rungEpochs
        self.folds = folds
    }

    /// What a trial's metric is: "val_loss", or "val_loss (mean of 5 folds)".
    public var metricDescription: String {
        metric.rawValue + (folds.map { " (mean of \($0) folds)" } ?? "")
    }

    /// The epochs trained by all trials together (each trial's `epochs`).
    public var trialEpochs: Int { trials.reduce(0) { $0 + ($1.epochs ?? 0) } }

    /// The finished trials, best first.
    public var ranked: [SearchTrial] {
        let done = trials.filter { $0.status == .done && $0.metric != nil }
        return done.sorted { a, b in
            if a.metric! == b.metric! { return a.number < b.number }
            return metric.higherIsBetter ? a.metric! > b.metric! : a.metric! < b.metric!
        }
    }

    /// The best finished trial.
    public var best: SearchTrial? { ranked.first }

    /// Reads `results.json` in `folder`.
    public static func read(from folder: URL) throws -> SearchResults {
        let url = folder.appendingPathComponent("results.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DescentError(.file, url.path, "no such file: not a search folder")
        }
        return try JSONFile.decode(SearchResults.self, from: data)
    }

    /// Writes `results.json` and `results.csv` into `folder`.
    public func write(to folder: URL) throws {
        try AtomicFile.write(try JSONFile.encode(self), to: folder.appendingPathComponent("results.json"))
        try AtomicFile.write(Data(csv.utf8), to: folder.appendingPathComponent("results.csv"))
    }

    /// One row per trial: number, the parameters, status, metric, best epoch, epochs, seconds, then, in a
    /// k-fold search, the folds' standard deviation (`val_loss_std`) and each fold's metric (`val_loss_fold1`, …),
    /// in a successive-halving search, the rung reached and the metric at each rung (`val_loss@3`: at the rung of 3
    /// epochs), and the reason.
    public var csv: String {
        func field(_ s: String) -> String {
            guard s.contains(",") || s.contains("\"") || s.contains("\n") else { return s }
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let rungs = (rungEpochs ?? []).map { "\(metric.rawValue)@\($0)" }
        let foldColumns =
            folds.map { k in ["\(metric.rawValue)_std"] + (1...k).map { "\(metric.rawValue)_fold\($0)" } } ?? []
        let header =
            ["trial"] + keys + ["status", metric.rawValue, "best_epoch", "epochs", "seconds"] + foldColumns
            + (rungEpochs == nil ? [] : ["rung"]) + rungs + ["reason"]
        var lines = [header.joined(separator: ",")]
        for t in trials {
            let metric: String = t.metric.map { "\($0)" } ?? ""
            let seconds: String = t.seconds.map { String(format: "%.2f", $0) } ?? ""
            let epoch: String = t.bestEpoch.map(String.init) ?? "", epochs: String = t.epochs.map(String.init) ?? ""
            var row: [String] = [String(t.number)]
            row += keys.map { t.value(of: $0) ?? "" }
            row += [t.status.rawValue, metric, epoch, epochs, seconds]
            if let k = folds {
                row.append(t.metricSpread.map { "\($0)" } ?? "")
                row += (0..<k).map { i in t.foldMetrics.map { i < $0.count ? "\($0[i])" : "" } ?? "" }
            }
            if rungEpochs != nil {
                let values = t.rungMetrics ?? []
                row.append(t.rung.map(String.init) ?? "")
                row += rungs.indices.map { $0 < values.count ? "\(values[$0])" : "" }
            }
            row.append(t.reason ?? "")
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
