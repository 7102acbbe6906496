import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent plot RUN…`: one metric of several runs as one SVG line plot (``RunCurves``).
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot one metric of several runs (their history.json) on one SVG.",
        discussion: """
            Validation metrics are drawn against the optimizer step when every run validated every N steps \
            (training.eval_every), else against the epoch. Each curve is named after its run folder.
            """
    )

    @Argument(help: "Run folders (each with a history.json).")
    var runs: [String]

    @Option(help: "The metric: \(MonitoredMetric.allCases.map(\.rawValue).joined(separator: ", ")).")
    var metric: String = "val_loss"

    @Option(help: "The SVG file to write.")
    var output: String

    @Option(help: "The plot's title (default: the metric).")
    var title: String?

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run folder") }
        guard MonitoredMetric(rawValue: metric) != nil else {
            throw ValidationError(
                "--metric must be one of \(MonitoredMetric.allCases.map(\.rawValue).joined(separator: ", ")), got '\(metric)'"
            )
        }
    }

    func run() throws {
        var histories: [(name: String, history: History)] = []
        for run in runs {
            let url = URL(fileURLWithPath: run).appendingPathComponent("history.json")
            let history: History
            do {
                history = try JSONFile.decode(History.self, from: try FileBytes.read(url))
            } catch let e as DescentError {
                throw e
            } catch {
                throw DescentError(.file, url.path, "not a Descent history file: \(error)")
            }
            histories.append((URL(fileURLWithPath: run).lastPathComponent, history))
        }
        let metric = MonitoredMetric(rawValue: metric)!
        let plot = try RunCurves.plot(histories, metric: metric, title: title ?? metric.rawValue)
        try AtomicFile.write(Data(plot.svg().utf8), to: URL(fileURLWithPath: output))
        print("descent plot: \(metric.rawValue) of \(runs.count) run\(runs.count == 1 ? "" : "s") in \(output)")
    }
}
