import Descent
import DescentData
import Foundation

/// Texts for `descent predict --run` on a run trained on `dataset: text`: read from a text file (one text per
/// line) or from a column of a CSV/TSV table, encoded with the run's `tokenizer.json`.
struct TextPredictionInputs {
    /// The token indices of each text (at least one: a text without tokens is one `<unk>`, as in training).
    var sequences: [[Int]]
    /// Where the texts came from and how they were encoded, in words.
    var description: String

    /// Whether `path` names a table (`.csv`, `.tsv`, `.tab`) rather than a text file of one text per line.
    static func isTable(_ path: String) -> Bool {
        ["csv", "tsv", "tab"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// Whether `path` names a file of texts (a table or a `.txt` file), which only a text run can read.
    static func isText(_ path: String) -> Bool {
        isTable(path) || URL(fileURLWithPath: path).pathExtension.lowercased() == "txt"
    }

    /// Reads the texts of `path` — column `column` of a table, or every line of any other file (a final line
    /// break ends the last line; a blank line is a text without tokens) — and encodes each with `encoder`, cut
    /// to its first `maxLength` tokens when given.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing, not UTF-8, holds no text, or lacks `column`.
    static func read(_ path: String, column: String, encoder: TextEncoder, maxLength: Int?) throws
        -> TextPredictionInputs
    {
        let url = URL(fileURLWithPath: path)
        let texts: [String], source: String
        if isTable(path) {
            texts = try TextCorpus.texts(contentsOf: url, column: column)
            source = "column \"\(column)\""
        } else {
            guard let content = String(data: try FileBytes.read(url), encoding: .utf8) else {
                throw DescentError(
                    .file, path,
                    "is not UTF-8 text (a text run reads a text file, one text per line, or a CSV/TSV table)")
            }
            // A line ends at "\n", "\r\n" (one Character in Swift) or "\r".
            var lines = content.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
            if lines.last == "" { lines.removeLast() }
            guard lines.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                throw DescentError(.file, path, "holds no text (expected one text per line)")
            }
            texts = lines
            source = "one text per line"
        }
        let sequences = texts.map { text in
            let ids = encoder.encode(text)
            let cut = maxLength.map { Array(ids.prefix($0)) } ?? ids
            return cut.isEmpty ? [Vocabulary.unknownIndex] : cut
        }
        let level = encoder.tokenizer.level == .word ? "word tokens (basic_english)" : "characters"
        let description =
            "\(source), \(level) with the run's vocabulary of \(encoder.vocabulary.count) (\(TextEncoder.fileName))"
            + (maxLength.map { ", cut to \($0) tokens" } ?? "")
        return TextPredictionInputs(sequences: sequences, description: description)
    }

    /// Batches of at most `size` texts of similar length, each `[n, T]` padded on the right with `<pad>` (0),
    /// with the positions of their texts in the input.
    func batches(of size: Int) -> [(indices: [Int], tokens: Tensor)] {
        let order = sequences.indices.sorted { (sequences[$0].count, $0) < (sequences[$1].count, $1) }
        return stride(from: 0, to: order.count, by: size).map { start in
            let indices = Array(order[start..<min(start + size, order.count)])
            let steps = indices.map { sequences[$0].count }.max() ?? 1
            var values = [Float](repeating: Float(Vocabulary.padIndex), count: indices.count * steps)
            for (row, i) in indices.enumerated() {
                for (t, id) in sequences[i].enumerated() { values[row * steps + t] = Float(id) }
            }
            return (indices, Tensor(values, shape: [indices.count, steps]))
        }
    }
}
