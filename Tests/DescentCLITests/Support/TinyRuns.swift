import Foundation

@testable import DescentCLI

/// Run folders of `descent train` on tiny CSV files (a second or so each), trained once per test process and
/// shared by the tests that need a finished run, and copies of them cut short as a failed or interrupted run
/// leaves them.
enum TinyRuns {
    /// 40 rows of `x1,x2,x3,y` with y = 3·x1 − 2·x2 + 0.5·x3 + 1, as `examples/data/regression.csv` is laid out.
    static let regressionCSV: String = {
        var lines = ["x1,x2,x3,y"]
        for i in 0..<40 {
            let x1 = Double(i % 7) / 3 - 1, x2 = Double(i % 5) / 2 - 1, x3 = Double(i % 3) - 1
            lines.append("\(x1),\(x2),\(x3),\(3 * x1 - 2 * x2 + 0.5 * x3 + 1)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// 40 rows of `a,b,label` with the class given by name (`low`, `high`).
    static let classificationCSV: String = {
        var lines = ["a,b,label"]
        for i in 0..<40 {
            let a = Double(i % 8) / 4, b = Double(i % 5) / 5
            lines.append("\(a),\(b),\(a + b > 1 ? "high" : "low")")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// A finished run of an MLP on ``regressionCSV`` with the run's features named `[x1, x2, x3]`, and the CSV.
    static let regression: Result<(run: URL, csv: URL), any Error> = Result {
        try train(
            "regression", csv: regressionCSV, data: "target: y\n  features: [x1, x2, x3]\n  task: regression",
            loss: "mse")
    }

    /// A finished run of an MLP classifier on ``classificationCSV`` (features: every column but `label`).
    static let classification: Result<(run: URL, csv: URL), any Error> = Result {
        try train(
            "classification", csv: classificationCSV, data: "target: label\n  task: classification",
            loss: "cross_entropy")
    }

    /// Writes `csv`, trains for one epoch on it with `descent train` and returns the run folder and the CSV file.
    static func train(_ name: String, csv: String, data: String, loss: String) throws -> (run: URL, csv: URL) {
        let folder = TemporaryFolder.make(name)
        let csvURL = folder.appendingPathComponent("\(name).csv")
        try Data(csv.utf8).write(to: csvURL)
        let config = """
            seed: 1
            data:
              dataset: csv
              path: \(csvURL.path)
              \(data)
              test_fraction: 0.2
              validation_fraction: 0.2
              batch_size: 8
            model:
              name: mlp
              hidden: [4]
            loss:
              name: \(loss)
            training:
              epochs: 1
            checkpoint:
              every_steps: 2
              keep: 1
            report: false
            """
        let configURL = folder.appendingPathComponent("\(name).yaml")
        try Data(config.utf8).write(to: configURL)
        let run = folder.appendingPathComponent("run")
        let outcome = CommandOutcome.of(["train", configURL.path, "--output", run.path])
        guard outcome == .success else { throw TinyRunError(description: "descent train \(name): \(outcome)") }
        return (run, csvURL)
    }

    /// A copy of the finished regression run as training leaves it when it fails or is interrupted before the
    /// end: `config.yaml`, `run.json` and the logs, with `checkpoints/` when `checkpoints`, but no
    /// `model.safetensors`, `history.json` or `metrics.json`.
    static func unfinished(checkpoints: Bool) throws -> URL {
        let finished = try regression.get().run
        let copy = TemporaryFolder.make("unfinished").appendingPathComponent("run")
        try FileManager.default.copyItem(at: finished, to: copy)
        var removed = ["model.safetensors", "history.json", "metrics.json"]
        if !checkpoints { removed.append("checkpoints") }
        for name in removed { try FileManager.default.removeItem(at: copy.appendingPathComponent(name)) }
        return copy
    }
}

/// A tiny run that could not be trained.
struct TinyRunError: Error, CustomStringConvertible {
    /// What failed.
    var description: String
}
