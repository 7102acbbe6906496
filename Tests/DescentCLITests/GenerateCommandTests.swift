import Foundation
import Testing

@testable import DescentTrain

/// `descent generate` on a language-model run (the same text for a seed, `evaluate --run` scoring the run) and
/// its one-line errors; `descent plot` on the run's history.
@Suite struct GenerateCommandTests {
    /// A finished character-level language model on a tiny text (a second or so).
    static let run: Result<URL, any Error> = Result {
        let folder = TemporaryFolder.make("lm-run")
        let text = String(repeating: "abc abd abe. ", count: 80)
        try Data(text.utf8).write(to: folder.appendingPathComponent("t.txt"))
        let config = try TrainingConfig.parse(
            yaml: """
                seed: 2
                data: {dataset: text, task: language_model, path: \(folder.path)/t.txt, tokenizer: character, sequence_length: 8, batch_size: 8}
                model: {name: rnn_lm, embedding_dim: 4, hidden: 8}
                optimizer: {name: adam, lr: 0.02}
                training: {epochs: 1}
                """)
        var run = TrainingRun(config: config, directory: folder.appendingPathComponent("run"))
        run.write = { _ in }
        _ = try run.start()
        return folder
    }

    @Test func generatesAndRefusesBadInput() throws {
        let folder = try Self.run.get()
        #expect(
            CommandOutcome.of(
                ["generate", "$TMP/run", "--prompt", "ab", "--length", "5", "--seed", "3"], inFolder: folder)
                == .success)
        #expect(CommandOutcome.of(["evaluate", "--run", "$TMP/run"], inFolder: folder) == .success)
        #expect(
            CommandOutcome.of(
                ["plot", "$TMP/run", "--metric", "train_loss", "--output", "$TMP/p.svg"], inFolder: folder)
                == .success)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("p.svg").path))
        // The language model exports to ONNX (Gather, LSTM, MatMul at every step).
        #expect(
            CommandOutcome.of(["export", "$TMP/run", "--output", "$TMP/m.onnx"], inFolder: folder) == .success)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.onnx").path))
        #expect(
            CommandOutcome.of(["generate", "$TMP/run", "--prompt", "abz"], inFolder: folder)
                == .failure("--prompt: characters not in the training vocabulary: \"z\""))
        #expect(
            CommandOutcome.of(["generate", "$TMP/run", "--prompt", "ab", "--temperature=-1"], inFolder: folder)
                == .usage("--temperature must be a number ≥ 0, got -1.0"))
        #expect(
            CommandOutcome.of(["generate", "$TMP/run", "--prompt", "ab", "--length", "0"], inFolder: folder)
                == .usage("--length must be at least 1, got 0"))
        #expect(
            CommandOutcome.of(["generate", "$TMP/run", "--prompt", "ab", "--top-k", "0"], inFolder: folder)
                == .usage("--top-k must be at least 1, got 0"))
        #expect(
            CommandOutcome.of(["generate", "$TMP/none", "--prompt", "ab"], inFolder: folder)
                == CommandOutcome.failure("RUN $TMP/none: no such folder").inFolder(folder))
    }

    @Test func refusesARunThatIsNotALanguageModel() throws {
        let (run, _) = try TinyRuns.classification.get()
        #expect(
            CommandOutcome.of(["generate", run.path, "--prompt", "ab"])
                == .failure(
                    "RUN \(run.path): is not a language model (its data.task is classification); generate needs a run "
                        + "of data: {dataset: text, task: language_model}"))
    }
}
