import Foundation
import Testing

@testable import DescentCLI

/// `descent lr-find` checks its range before loading anything, writes its plot and table, and
/// `optimizer.lr: find` makes `descent train` record the rate it found.
@Suite struct LRFindCommandTests {
    @Test(arguments: [
        (["lr-find", "--start", "0"], CommandOutcome.usage("--start must be a positive learning rate, got 0.0")),
        (["lr-find", "--start=-1e-3"], .usage("--start must be a positive learning rate, got -0.001")),
        (["lr-find", "--start", "1e-3", "--end", "1e-4"], .usage("--end must be above --start (0.001), got 0.0001")),
        (["lr-find", "--end", "1e-7"], .usage("--end must be above --start (1e-07), got 1e-07")),
        (["lr-find", "--steps", "0"], .usage("--steps must be at least 1, got 0")),
        (["lr-find", "--steps", "many"], .usage("The value 'many' is invalid for '--steps <steps>'")),
        (
            ["lr-find", "--set", "optimizer.lr=fnd"],
            .failure("--set optimizer.lr: expected a number or 'find', got 'fnd'")
        ),
    ])
    func badArguments(arguments: [String], expected: CommandOutcome) {
        #expect(CommandOutcome.of(arguments) == expected)
    }

    /// A config of an MLP on ``TinyRuns/regressionCSV`` in `folder`, with the optimizer section `optimizer`.
    static func config(in folder: URL, optimizer: String) throws -> URL {
        let csv = folder.appendingPathComponent("regression.csv")
        try Data(TinyRuns.regressionCSV.utf8).write(to: csv)
        let yaml = """
            seed: 1
            data: {dataset: csv, path: \(csv.path), target: y, task: regression, test_fraction: 0.2,
                   validation_fraction: 0, batch_size: 8}
            model: {name: mlp, hidden: [4]}
            loss: {name: mse}
            optimizer: \(optimizer)
            training: {epochs: 2}
            report: false
            """
        let url = folder.appendingPathComponent("config.yaml")
        try Data(yaml.utf8).write(to: url)
        return url
    }

    @Test func writesThePlotAndTheTable() throws {
        let folder = TemporaryFolder.make("lr-find")
        let config = try Self.config(in: folder, optimizer: "{name: sgd}")
        let output = folder.appendingPathComponent("out")
        #expect(CommandOutcome.of(["lr-find", config.path, "--steps", "40", "--output", output.path]) == .success)
        let svg = try String(contentsOf: output.appendingPathComponent("lr_find.svg"), encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("suggested"))
        let csv = try String(contentsOf: output.appendingPathComponent("lr_find.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.first == "step,lr,loss,smoothed_loss,suggested")
        #expect(rows.count > 12 && rows.count <= 41)
        #expect(rows.filter { $0.hasSuffix(",1") }.count == 1)
    }

    @Test func trainWithLearningRateFindRecordsTheRate() throws {
        let folder = TemporaryFolder.make("lr-find-train")
        let config = try Self.config(in: folder, optimizer: "{name: sgd, lr: find}")
        let run = folder.appendingPathComponent("run")
        #expect(CommandOutcome.of(["train", config.path, "--output", run.path]) == .success)
        let saved = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        let line = try #require(
            saved.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("lr:") })
        let lr = try #require(Double(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)))
        #expect(lr > 1e-7 && lr < 10)
        #expect(!saved.contains("lr: find"))
    }
}
