import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// `descent train` on a text table: tokenized with a vocabulary from the training part only, padded batches
/// grouped by length, the `text_rnn` model, `tokenizer.json` in the run folder.
@Suite struct TextTrainingTests {
    /// 240 short "reviews": a sentiment word among neutral ones, the label its polarity; lengths 3 to 8 words.
    static func table(at url: URL) throws {
        let good = ["great", "good", "lovely", "superb"], bad = ["awful", "bad", "dull", "poor"]
        let filler = ["the", "film", "was", "a", "plot", "and", "cast", "really", "quite", "story"]
        let generator = RandomGenerator(seed: 11)
        var lines = ["review,sentiment"]
        for i in 0..<240 {
            let positive = i % 2 == 0
            var words = (0..<(2 + generator.integer(in: 0..<6))).map { _ in filler[generator.integer(in: 0..<10)] }
            let word = (positive ? good : bad)[generator.integer(in: 0..<4)]
            words.insert(word, at: generator.integer(in: 0..<(words.count + 1)))
            lines.append("\"\(words.joined(separator: " ")).\",\(positive ? "pos" : "neg")")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    @Test func trainsAGRUOnATextTable() throws {
        let folder = temporaryFolder("text-run")
        let csv = folder.appendingPathComponent("reviews.csv")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.table(at: csv)
        let yaml = """
            seed: 5
            data:
              dataset: text
              path: \(csv.path)
              text_column: review
              label_column: sentiment
              batch_size: 16
              test_fraction: 0.25
            model:
              name: text_rnn
              cell: gru
              embedding_dim: 16
              hidden: 16
              num_layers: 1
            optimizer:
              name: adam
              lr: 0.01
            training:
              epochs: 8
            """
        let config = try TrainingConfig.parse(yaml: yaml, source: "text.yaml")
        let setup = try config.makeSetup()
        let encoder = try #require(setup.textEncoder)
        // Specials, 10 filler words, 8 sentiment words and "." — all seen in the training part.
        #expect(encoder.vocabulary.count == 4 + 10 + 8 + 1)
        #expect(setup.classNames == ["neg", "pos"])
        #expect(setup.model is SequenceClassifier)
        let batch = try setup.train.batch(0, epoch: 0)
        let widths = try #require(batch.inputShapes).map { $0[0] }
        #expect(batch.inputs.shape == [16, widths.max()!])
        #expect(widths.max()! - widths.min()! <= 2)  // grouped by length
        let run = folder.appendingPathComponent("run")
        var training = TrainingRun(config: config, directory: run)
        training.write = { _ in }
        let outcome = try training.start()
        let accuracy = try #require(outcome.test?.accuracy)
        #expect(accuracy >= 0.9, "test accuracy \(accuracy)")
        #expect(try TextEncoder(contentsOf: run) == encoder)
        // The saved config reads back (what `descent evaluate --run` does) and rebuilds the same setup.
        let saved = try TrainingConfig.load(contentsOf: run.appendingPathComponent("config.yaml"))
        #expect(saved == config)
        #expect(try saved.makeSetup().textEncoder == encoder)
    }

    @Test func textKeysAreCheckedWithTheirLocation() throws {
        func error(_ yaml: String) throws -> String {
            do {
                _ = try TrainingConfig.parse(yaml: yaml, source: "t.yaml").makeSetup()
            } catch let e as DescentError {
                return e.description
            }
            return "no error"
        }
        #expect(
            try error("data: {dataset: text}")
                == "t.yaml:1 data.path: missing (required by dataset text: a CSV/TSV table or a folder of class folders)"
        )
        #expect(
            try error("data: {dataset: text, path: /nonexistent/x.csv}")
                == "t.yaml:1 data.path: no such file or folder: /nonexistent/x.csv")
        #expect(
            try error("data: {dataset: text, path: a.csv, normalize: dataset}")
                == "t.yaml:1 data.normalize: not used with dataset text (the inputs are token indices)")
        #expect(
            try error("data: {dataset: shapes, tokenizer: word}")
                == "t.yaml:1 data.tokenizer: only used with dataset text")
        #expect(
            try error("data: {dataset: shapes}\nmodel: {name: text_rnn}")
                == "t.yaml:2 model.name: text_rnn expects token sequences (dataset text), the data gives [1, 28, 28]")
    }
}
