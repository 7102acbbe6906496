import Foundation
import Testing

@testable import DescentTrain

/// Commands on a run trained on texts: `evaluate --run` rebuilds its data (same vocabulary from the training
/// part), and `predict` reads texts — a text file (one per line) or a table's text column — with the run's
/// `tokenizer.json`.
@Suite struct TextRunCommandTests {
    /// A run trained on `r.csv` (column `review`; `good fine` is `pos`, `bad poor` is `neg`), in `folder`.
    static let trained: Result<URL, any Error> = Result {
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
                training: {epochs: 6}
                """)
        var run = TrainingRun(config: config, directory: folder.appendingPathComponent("run"))
        run.write = { _ in }
        _ = try run.start()
        return folder
    }

    /// The rows of `descent predict INPUT --run run [extra…]` written to a CSV file, without the header.
    func predictions(_ input: String, in folder: URL, _ extra: [String] = []) throws -> [[String]] {
        let output = folder.appendingPathComponent("p-\(UUID().uuidString).csv")
        let outcome = CommandOutcome.of(
            ["predict", input, "--run", "$TMP/run", "--output", output.path] + extra, inFolder: folder)
        try #require(outcome == .success, "\(outcome)")
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "index,class,probability" || extra.contains("--probabilities"))
        return lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func evaluateScoresIt() throws {
        let folder = try Self.trained.get()
        #expect(CommandOutcome.of(["evaluate", "--run", "$TMP/run"], inFolder: folder) == .success)
    }

    /// The run's text column of the training table: one row per text, classes right (`neg` = 0, `pos` = 1).
    @Test func predictReadsTheRunsTextColumn() throws {
        let folder = try Self.trained.get()
        let rows = try predictions(folder.appendingPathComponent("r.csv").path, in: folder)
        #expect(rows.count == 80)
        #expect(rows.map { $0[0] } == (0..<80).map(String.init))
        let right = rows.enumerated().filter { i, row in row[1] == (i % 2 == 0 ? "1" : "0") }.count
        #expect(right == 80)
        #expect(rows.allSatisfy { Double($0[2])! > 0.5 && Double($0[2])! <= 1 })
    }

    /// A text file gives one prediction per line, in order, the same as the same texts in a table (whatever the
    /// batch and its padding), and a TSV table with another column name is read with --text-column.
    @Test func textFileAndTSVGiveTheSamePredictions() throws {
        let folder = try Self.trained.get()
        let texts = ["bad poor film 3", "good fine film 1", "", "a good fine film that nobody saw, 3 times"]
        let txt = try TemporaryFolder.file("texts.txt", texts.joined(separator: "\r\n") + "\r\n")
        let fromLines = try predictions(txt, in: folder, ["--probabilities"])
        #expect(fromLines.count == 4)
        #expect(fromLines[0][1] == "0" && fromLines[1][1] == "1" && fromLines[3][1] == "1")
        for row in fromLines {
            let p0 = Double(row[3])!, p1 = Double(row[4])!
            #expect(abs(p0 + p1 - 1) < 2e-6)
        }
        let tsv = try TemporaryFolder.file(
            "texts.tsv", "id\tcomment\n" + texts.enumerated().map { "\($0)\t\($1)" }.joined(separator: "\n") + "\n")
        let fromTable = try predictions(tsv, in: folder, ["--probabilities", "--text-column", "comment"])
        #expect(fromTable == fromLines)
        let alone = try predictions(try TemporaryFolder.file("one.txt", texts[3]), in: folder, ["--probabilities"])
        #expect(alone[0][1...] == fromLines[3][1...])
    }

    @Test func predictErrorsAreOneLine() throws {
        let folder = try Self.trained.get()
        let tsv = try TemporaryFolder.file("other.tsv", "id\tcomment\n1\tgood\n")
        #expect(
            CommandOutcome.of(["predict", tsv, "--run", "$TMP/run"], inFolder: folder)
                == .failure("\(tsv): no text column \"review\" (columns: id, comment)"))
        let empty = try TemporaryFolder.file("empty.txt", "\n \n")
        #expect(
            CommandOutcome.of(["predict", empty, "--run", "$TMP/run"], inFolder: folder)
                == .failure("\(empty): holds no text (expected one text per line)"))
        let binary = TemporaryFolder.make("binary").appendingPathComponent("ids.npy")
        try Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0xFF]).write(to: binary)
        #expect(
            CommandOutcome.of(["predict", binary.path, "--run", "$TMP/run"], inFolder: folder)
                == .failure(
                    "\(binary.path): is not UTF-8 text (a text run reads a text file, one text per line, or a CSV/TSV "
                        + "table)"))
        let header = try TemporaryFolder.file("header.csv", "review\n")
        #expect(
            CommandOutcome.of(["predict", header, "--run", "$TMP/run"], inFolder: folder)
                == .failure("\(header): no data rows (only the header)"))
        #expect(
            CommandOutcome.of(["predict", empty, "--run", "$TMP/run", "--normalize", "none"], inFolder: folder)
                == .failure("--normalize: does not apply to texts (--run $TMP/run was trained on texts)").inFolder(
                    folder))
    }

    /// A run trained on numbers refuses texts, and --text-column, with one line.
    @Test func aNonTextRunRefusesTexts() throws {
        let (run, _) = try TinyRuns.classification.get()
        let txt = try TemporaryFolder.file("texts.txt", "good film\n")
        #expect(
            CommandOutcome.of(["predict", txt, "--run", run.path])
                == .failure(
                    "\(txt): holds texts, which only a run trained on texts (dataset text) reads; --run \(run.path) "
                        + "was trained on csv"))
        let csv = try TemporaryFolder.file("numbers.csv", "1,2\n")
        #expect(
            CommandOutcome.of(["predict", csv, "--run", run.path, "--text-column", "review"])
                == .failure("--text-column review: only reads texts for a run trained on texts (dataset text)"))
    }
}
