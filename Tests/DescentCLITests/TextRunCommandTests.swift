import Foundation
import Testing

@testable import DescentTrain

/// Commands on a run trained on texts: `evaluate --run` rebuilds its data (same vocabulary from the training
/// part), and `predict` refuses it with one line until it reads texts.
@Suite struct TextRunCommandTests {
    @Test func evaluateScoresItAndPredictRefusesIt() throws {
        let folder = TemporaryFolder.make("text-run")
        var lines = ["review,sentiment"]
        for i in 0..<80 {
            lines.append("\(i % 2 == 0 ? "good fine" : "bad poor") film \(i % 7),\(i % 2 == 0 ? "pos" : "neg")")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("r.csv"))
        let config = try TrainingConfig.parse(
            yaml: """
                seed: 2
                data: {dataset: text, path: \(folder.path)/r.csv, text_column: review, label_column: sentiment, batch_size: 8}
                model: {name: text_rnn, embedding_dim: 8, hidden: 8}
                optimizer: {name: adam, lr: 0.02}
                training: {epochs: 2}
                """)
        var run = TrainingRun(config: config, directory: folder.appendingPathComponent("run"))
        run.write = { _ in }
        _ = try run.start()
        #expect(CommandOutcome.of(["evaluate", "--run", "$TMP/run"], inFolder: folder) == .success)
        #expect(
            CommandOutcome.of(["predict", "$TMP/r.csv", "--run", "$TMP/run"], inFolder: folder)
                == CommandOutcome.failure(
                    "--run $TMP/run: was trained on texts; descent predict does not read texts yet (descent evaluate "
                        + "--run scores the run's test part)"
                ).inFolder(folder))
    }
}
