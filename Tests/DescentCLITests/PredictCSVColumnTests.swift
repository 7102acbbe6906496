import Foundation
import Testing

@testable import DescentCLI

/// `descent predict FILE.csv --run DIR` takes the run's feature columns from a CSV file with a header by name,
/// in the run's order, whatever else the file holds (issue 22); a file without a header is taken as it is.
@Suite struct PredictCSVColumnTests {
    /// The predictions of `descent predict csv --run run [extra…]`, as written to a CSV output file.
    func predictions(_ csv: URL, run: URL, _ extra: [String] = []) throws -> String {
        let output = TemporaryFolder.make("predictions").appendingPathComponent("p.csv")
        let outcome = CommandOutcome.of(["predict", csv.path, "--run", run.path, "--output", output.path] + extra)
        try #require(outcome == .success, "\(outcome)")
        return try String(contentsOf: output, encoding: .utf8)
    }

    /// `text` as a CSV file in a temporary folder.
    func write(_ name: String, _ text: String) throws -> URL {
        URL(fileURLWithPath: try TemporaryFolder.file(name, text))
    }

    /// The rows of `csv` with its columns rearranged as `header` names them (`id` and `note` are new columns).
    func rearranged(_ csv: String, _ header: [String]) -> String {
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let names = rows[0]
        return rows.enumerated().map { i, row in
            header.map { name in
                if let j = names.firstIndex(of: name) { return row[j] }
                return i == 0 ? name : name == "id" ? "\(i)" : "\"a, b\""
            }.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    @Test func regressionFileWithTheTargetColumn() throws {
        let (run, csv) = try TinyRuns.regression.get()
        let text = try predictions(csv, run: run)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 41 && lines[0] == "index,output")
    }

    @Test func regressionColumnsAreChosenByName() throws {
        let (run, csv) = try TinyRuns.regression.get()
        let original = try predictions(csv, run: run)
        let shuffled = try write(
            "shuffled.csv", rearranged(TinyRuns.regressionCSV, ["y", "id", "x3", "note", "x1", "x2"]))
        #expect(try predictions(shuffled, run: run) == original)
        let inputsOnly = try write("inputs.csv", rearranged(TinyRuns.regressionCSV, ["x2", "x1", "x3"]))
        #expect(try predictions(inputsOnly, run: run) == original)
        #expect(try predictions(csv, run: run, ["--drop-column", "y"]) == original)
    }

    @Test func aFileWithoutHeaderIsTakenAsItIs() throws {
        let (run, csv) = try TinyRuns.regression.get()
        let original = try predictions(csv, run: run)
        let bare = try write(
            "bare.csv",
            rearranged(TinyRuns.regressionCSV, ["x1", "x2", "x3"]).split(separator: "\n").dropFirst().joined(
                separator: "\n"))
        #expect(try predictions(bare, run: run) == original)
    }

    @Test func thePrintedPreprocessingNamesTheColumns() throws {
        let (_, csv) = try TinyRuns.regression.get()
        let columns = RunCSVColumns(features: ["x1", "x2", "x3"], targets: ["y"])
        let inputs = try PredictionInputs.read(csv.path, rawPixels: false, dropColumn: nil, runColumns: columns)
        #expect(inputs.tensor.shape == [40, 3])
        #expect(
            inputs.scaling
                == "the run's feature columns x1, x2, x3 chosen by header name (y left out), CSV numbers as written")
        let plain = try PredictionInputs.read(csv.path, rawPixels: false, dropColumn: "y")
        #expect(plain.scaling == "CSV numbers as written (3 columns)")
    }

    @Test func classificationFileWithClassNames() throws {
        let (run, csv) = try TinyRuns.classification.get()
        let original = try predictions(csv, run: run)
        let lines = original.split(separator: "\n")
        #expect(lines.count == 41 && lines[0] == "index,class,probability")
        let reordered = try write("reordered.csv", rearranged(TinyRuns.classificationCSV, ["b", "note", "a"]))
        #expect(try predictions(reordered, run: run) == original)
    }

    @Test(arguments: [
        (
            "regression", ["x1", "x3", "y"],
            "Error: $FILE: has no column 'x2', one of the run's feature columns x1, x2, x3 (the file's columns: x1, x3, y)"
        ),
        (
            "regression", ["x1", "X2", "x3"],
            "Error: $FILE: has no column 'x2', one of the run's feature columns x1, x2, x3 (the file's columns: x1, X2, x3)"
        ),
        (
            "classification", ["a", "label"],
            "Error: $FILE: has no column 'b', one of the run's feature columns a, b (the file's columns: a, label)"
        ),
        (
            "classification", ["label", "b"],
            "Error: $FILE: has no column 'a', one of the run's feature columns a, b (the file's columns: label, b)"
        ),
    ])
    func aMissingFeatureColumnIsNamed(runName: String, header: [String], expected: String) throws {
        let isRegression = runName == "regression"
        let (run, _) = try (isRegression ? TinyRuns.regression : TinyRuns.classification).get()
        let file = try write(
            "missing.csv", rearranged(isRegression ? TinyRuns.regressionCSV : TinyRuns.classificationCSV, header))
        let outcome = CommandOutcome.of(["predict", file.path, "--run", run.path])
        #expect(outcome == CommandOutcome(line: expected.replacingOccurrences(of: "$FILE", with: file.path), status: 1))
    }

    @Test func dropColumnCannotDropAFeature() throws {
        let (run, csv) = try TinyRuns.regression.get()
        #expect(
            CommandOutcome.of(["predict", csv.path, "--run", run.path, "--drop-column", "x2"])
                == .failure("--drop-column: 'x2' is one of the run's feature columns (x1, x2, x3)"))
        #expect(
            CommandOutcome.of(["predict", csv.path, "--run", run.path, "--drop-column", "z"])
                == .failure("--drop-column: \(csv.path) has no header column 'z'"))
    }
}
