import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent predict --run RUN NUMBERS.txt` for a `spell-numbers` run: each line of the text file is a number from 0
/// to 999,999 in digits (blank lines skipped), encoded with the run's `tokenizer.json` and decoded greedily by the
/// run's ``Seq2Seq``; the rows are `index`, `input` and `prediction` (the words), as CSV or JSON.
enum SpellNumbersPrediction {
    /// The numbers of `path`, one per line, in digits without leading zeros.
    ///
    /// - Throws: ``DescentError`` naming the file (and line) when it is unreadable, not UTF-8, has no number, or a
    ///   line holds something other than a number from 0 to 999,999.
    static func numbers(in path: String) throws -> [String] {
        guard let text = String(data: try FileBytes.read(URL(fileURLWithPath: path)), encoding: .utf8) else {
            throw DescentError(.file, path, "is not UTF-8 text")
        }
        var numbers: [String] = []
        for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            guard line.allSatisfy(\.isASCII), line.allSatisfy(\.isNumber), line.count <= 6 else {
                throw DescentError(.file, "\(path):\(k + 1)", "'\(line)' is not a number from 0 to 999,999 in digits")
            }
            numbers.append(String(Int(line)!))
        }
        guard !numbers.isEmpty else { throw DescentError(.file, path, "holds no number (one per line)") }
        return numbers
    }

    /// The rows of the predictions for the numbers of `input` by the run in `folder` (weights from `weights`).
    static func predict(input: String, folder: URL, config: TrainingConfig, weights: URL) throws -> [[(String, String)]]
    {
        let numbers = try numbers(in: input)
        let encoder = try TextEncoder(contentsOf: folder)
        let vocabulary = encoder.vocabulary.count
        let model = try config.model.makeModel(
            inputShape: [2, SpellNumbers.length], classes: vocabulary, vocabularySize: vocabulary)
        try model.loadWeights(from: weights)
        guard let seq2seq = model as? Seq2Seq else {
            throw DescentError(
                .argument, "--run \(folder.path)", "holds no seq2seq model (model: \(config.model.name))")
        }
        seq2seq.eval()
        FileHandle.standardError.write(
            Data("descent predict: \(numbers.count) numbers from \(input), spelled by greedy decoding\n".utf8))
        var rows: [[(String, String)]] = []
        try withNoGrad {
            for start in stride(from: 0, to: numbers.count, by: 256) {
                let part = numbers[start..<min(start + 256, numbers.count)]
                let ids = part.map { encoder.encode($0) }
                let width = ids.map(\.count).max()!
                let source = Tensor(
                    ids.flatMap { $0.map(Float.init) + Array(repeating: 0, count: width - $0.count) },
                    shape: [ids.count, width])
                guard ids.allSatisfy({ !$0.contains(Vocabulary.unknownIndex) }) else {
                    throw DescentError(.file, input, "holds a character the run's vocabulary lacks")
                }
                for (k, tokens) in seq2seq.greedyDecode(source, maxLength: SpellNumbers.length).enumerated() {
                    let words = encoder.vocabulary.decode(tokens).joined(separator: " ")
                    rows.append([
                        ("index", "\(start + k)"), ("input", "\"\(part[part.startIndex + k])\""),
                        ("prediction", "\"\(words)\""),
                    ])
                }
            }
        }
        return rows
    }
}
