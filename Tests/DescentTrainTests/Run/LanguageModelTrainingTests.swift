import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// `descent train` of a character-level language model: contiguous splits, the `rnn_lm` model, token
/// cross-entropy chosen by the task, perplexity and the unigram baseline in the history and `metrics.json`, and
/// `TextGenerator` on the run folder.
@Suite struct LanguageModelTrainingTests {
    /// A folder of two `fortune`-style files (documents separated by `%` lines) of a few repeated sentences.
    static func corpus(at folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sentences = ["the cat sat on the mat.", "a dog ate the hat.", "the bat saw a rat."]
        var a = "", b = ""
        for i in 0..<120 {
            a += sentences[i % 3] + "\n%\n"
            b += sentences[(i * 2) % 3] + " " + sentences[(i + 1) % 3] + "\n%\n"
        }
        try Data(a.utf8).write(to: folder.appendingPathComponent("one"))
        try Data(b.utf8).write(to: folder.appendingPathComponent("two"))
        try Data([1, 2, 3]).write(to: folder.appendingPathComponent("one.dat"))
    }

    static func config(_ folder: URL, extra: String = "") throws -> TrainingConfig {
        try TrainingConfig.parse(
            yaml: """
                seed: 3
                data:
                  dataset: text
                  task: language_model
                  path: \(folder.path)
                  separator: "%"
                  tokenizer: character
                  sequence_length: 16
                  validation_fraction: 0.1
                  test_fraction: 0.1
                  batch_size: 16
                model: {name: rnn_lm, embedding_dim: 8, hidden: 32}
                optimizer: {name: adam, lr: 0.01}
                training: {epochs: 3}
                \(extra)
                """)
    }

    @Test func trainsAndBeatsTheUnigramBaseline() throws {
        let folder = temporaryFolder("lm-run")
        try Self.corpus(at: folder.appendingPathComponent("text"))
        let config = try Self.config(folder.appendingPathComponent("text"))
        #expect(config.data.task == .languageModel && config.model.name == "rnn_lm")
        #expect(config.loss.kind == .tokenCrossEntropy)
        let setup = try config.makeSetup()
        #expect(setup.inputShape == [16] && setup.model is RNNLanguageModel)
        let unigram = try #require(setup.unigramPerplexity)
        #expect(unigram > 8)
        var run = TrainingRun(config: config, directory: folder.appendingPathComponent("run"))
        run.write = { _ in }
        let outcome = try run.start()
        let test = try #require(outcome.test?.sequence)
        #expect(test.perplexity < 0.5 * unigram)
        #expect(abs(test.perplexity - Foundation.exp(outcome.test!.loss)) < 1e-6 * test.perplexity)
        let last = try #require(outcome.history.epochs.last)
        #expect(last.validationPerplexity.map { abs($0 - Foundation.exp(last.validationLoss!)) < 1e-6 * $0 } == true)
        #expect(last.validationAccuracy != nil && last.trainAccuracy == nil)

        let runFolder = folder.appendingPathComponent("run")
        let metrics = try JSONDecoder().decode(
            RunMetrics.self, from: Data(contentsOf: runFolder.appendingPathComponent("metrics.json")))
        #expect(metrics.perplexity == test.perplexity && metrics.unigramPerplexity == unigram)
        #expect(metrics.accuracy == test.accuracy && metrics.tokens == test.tokens)
        let generator = try TextGenerator(run: runFolder)
        let text = try generator.generate(prompt: "the ", length: 30, temperature: 0, seed: 0)
        #expect(text.count == 34 && text.hasPrefix("the "))
        // The written config reads back to the same setup (descent evaluate --run rebuilds it).
        let again = try TrainingConfig.load(contentsOf: runFolder.appendingPathComponent("config.yaml"))
        #expect(again == config)
    }

    @Test func configErrorsAreOneLine() throws {
        let folder = temporaryFolder("lm-config")
        let text = folder.appendingPathComponent("text")
        try Self.corpus(at: text)
        func error(_ yaml: String) -> String? {
            do {
                _ = try TrainingConfig.parse(yaml: yaml).makeSetup()
                return nil
            } catch let e as DescentError {
                #expect(!e.description.contains("\n"))
                return e.reason
            } catch { return "\(error)" }
        }
        let data = "data: {dataset: text, task: language_model, path: \(text.path), sequence_length: 16"
        #expect(
            error("\(data)}\nmodel: {name: text_rnn}")
                == "text_rnn classifies texts; a language model (data.task language_model) needs rnn_lm")
        let table = folder.appendingPathComponent("t.csv")
        try Data(
            "text,label\n\(Array(repeating: "good film,pos\nbad film,neg", count: 10).joined(separator: "\n"))\n".utf8
        )
        .write(to: table)
        #expect(
            error("data: {dataset: text, path: \(table.path)}\nmodel: {name: rnn_lm}")
                == "rnn_lm is a language model: it needs data.task language_model")
        #expect(
            error("\(data)}\nloss: {name: cross_entropy}")
                == "cross_entropy needs class labels, but the task is language_model")
        #expect(
            error("\(data), text_column: body}")?.hasPrefix(
                "only used with task classification (this text's task is language_model)") == true)
        #expect(
            error("\(data), folds: 3, fold: 1}") == "not used with task language_model (the parts are contiguous)")
        #expect(error("\(data), files: [poems]}") == "\(text.path): no file matches \"poems\"")
        #expect(
            error("data: {dataset: text, task: translation, path: \(text.path)}")?.contains(
                "classification, language_model") == true)
    }
}
