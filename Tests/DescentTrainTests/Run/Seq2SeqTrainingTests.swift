import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// `descent train` on spell-numbers: the seq2seq model trained with the token cross-entropy, the exact match
/// of greedy decoding in the history, metrics.json and the report, the vocabulary saved with the run.
@Suite struct Seq2SeqTrainingTests {
    static let yaml = """
        seed: 3
        data:
          dataset: spell-numbers
          train_samples: 300
          test_samples: 40
          validation_fraction: 0.1
          batch_size: 32
        model:
          name: seq2seq
          embedding_dim: 8
          hidden: 16
        optimizer:
          name: adam
          lr: 0.01
        training:
          epochs: 2
        """

    @Test func setupBuildsTheModelAndTheObjective() throws {
        let setup = try TrainingConfig.parse(yaml: Self.yaml, source: "s.yaml").makeSetup()
        #expect(setup.model is Seq2Seq)
        #expect(setup.inputShape == [2, 10])
        #expect(setup.classes == nil)
        #expect(setup.metrics.map(\.name) == ["exact_match"])
        #expect(setup.textEncoder == SpellNumbers.sourceEncoder)
        guard case .tokenCrossEntropy(let ignore) = setup.objective else {
            Issue.record("expected the token cross-entropy, got \(setup.objective)")
            return
        }
        #expect(ignore == 0)
        #expect(setup.train.dataset.count == 270 && setup.validation?.dataset.count == 30)
        #expect(setup.test?.dataset.count == 40)
        let batch = try setup.train.batch(0, epoch: 0)
        #expect(batch.inputs.shape == [32, 2, 10] && batch.targets?.shape == [32, 10])
    }

    @Test func aRunReportsTheExactMatch() throws {
        let folder = temporaryFolder("seq2seq-run")
        let config = try TrainingConfig.parse(yaml: Self.yaml, source: "s.yaml")
        var training = TrainingRun(config: config, directory: folder)
        let box = LineBox()
        training.write = { box.append($0) }
        let outcome = try training.start()
        let lines = box.lines
        let test = try #require(outcome.test)
        let exact = try #require(test.metrics["exact_match"])
        #expect((0...1).contains(exact))
        #expect(test.sequence != nil)
        #expect(lines.contains { $0.hasPrefix("test exact match ") && $0.contains("token accuracy") })
        #expect(outcome.history.epochs.allSatisfy { $0.validationMetrics?["exact_match"] != nil })
        let metrics = try JSONFile.decode(
            RunMetrics.self, from: Data(contentsOf: folder.appendingPathComponent("metrics.json")))
        #expect(metrics.exactMatch == exact)
        #expect(metrics.tokenAccuracy == test.sequence?.accuracy && metrics.perplexity != nil)
        let report = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("test exact match") && report.contains("validation exact match"))
        #expect(try TextEncoder(contentsOf: folder) == SpellNumbers.sourceEncoder)
        // The saved run evaluates again to the same figure (what `descent evaluate --run` does).
        let saved = try TrainingConfig.load(contentsOf: folder.appendingPathComponent("config.yaml"))
        #expect(saved == config)
        let setup = try saved.makeSetup()
        try setup.model.loadWeights(from: folder.appendingPathComponent("model.safetensors"))
        let again = try evaluate(
            model: setup.model, data: try #require(setup.test), objective: setup.objective, metrics: setup.metrics)
        #expect(again.metrics["exact_match"] == exact)
    }

    @Test func configMistakesStopWithOneLine() {
        func error(_ yaml: String) -> String {
            do {
                _ = try TrainingConfig.parse(yaml: yaml, source: "s.yaml").makeSetup()
            } catch let e as DescentError {
                return e.description
            } catch {
                return "\(error)"
            }
            return "no error"
        }
        #expect(
            error("data: {dataset: spell-numbers, train_samples: 999999, test_samples: 2}")
                == "s.yaml:1 data.train_samples: 999999 training and 2 test numbers: there are only 1000000 numbers (0 to 999999)"
        )
        #expect(
            error("data: {dataset: spell-numbers}\nloss: {name: mse}")
                == "s.yaml:2 loss.name: mse needs real-valued targets, but the task is sequence_to_sequence")
        #expect(
            error("data: {dataset: spell-numbers}\nloss: {name: cross_entropy, label_smoothing: 0.1}")
                == "s.yaml:2 loss.label_smoothing: not used with a sequence-to-sequence task (the token cross-entropy has none)"
        )
        #expect(
            error("data: {dataset: spell-numbers, normalize: dataset}")
                == "s.yaml:1 data.normalize: not used with dataset spell-numbers (the inputs are token indices)")
        #expect(
            error("data: {dataset: shapes}\nmodel: {name: seq2seq}")
                == "s.yaml:2 model.name: seq2seq expects [2, T] source and target token rows (dataset spell-numbers), the data gives [1, 28, 28]"
        )
        #expect(
            error("data: {dataset: spell-numbers}\nmodel: {name: text_rnn}")
                == "s.yaml:2 model.name: text_rnn expects token sequences (dataset text), the data gives [2, 10]")
        #expect(
            error("data: {dataset: spell-numbers, tokenizer: word}")
                == "s.yaml:1 data.tokenizer: only used with dataset text")
    }
}

/// Lines written from the run, collected.
private final class LineBox: @unchecked Sendable {
    var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
}
