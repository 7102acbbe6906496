import Descent
import Foundation

/// A tokenizer with its vocabulary: what turns text into the token indices a model reads. `descent train`
/// saves it with the run as `tokenizer.json`, so that `predict` and `generate` encode text exactly as training
/// did.
public struct TextEncoder: Sendable, Codable, Equatable {
    /// The file name in a run folder.
    public static let fileName = "tokenizer.json"

    /// How text is split.
    public var tokenizer: Tokenizer
    /// The token table.
    public var vocabulary: Vocabulary

    /// An encoder from its parts.
    public init(tokenizer: Tokenizer, vocabulary: Vocabulary) {
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
    }

    /// An encoder whose vocabulary is built from `texts` (the training split) with `tokenizer`.
    public init(fitting texts: [String], tokenizer: Tokenizer, minFrequency: Int = 1, maxSize: Int? = nil) {
        self.tokenizer = tokenizer
        self.vocabulary = Vocabulary(
            building: texts.lazy.map { tokenizer.tokens($0) }, minFrequency: minFrequency, maxSize: maxSize)
    }

    /// The token indices of `text`, with `<bos>`/`<eos>` around when asked.
    public func encode(_ text: String, begin: Bool = false, end: Bool = false) -> [Int] {
        vocabulary.encode(tokenizer.tokens(text), begin: begin, end: end)
    }

    /// The text of `ids`: tokens joined by nothing at character level, by spaces at word level (specials skipped).
    public func decode(_ ids: [Int]) -> String {
        vocabulary.decode(ids).joined(separator: tokenizer.level == .character ? "" : " ")
    }

    /// Writes `tokenizer.json` into `directory`, atomically.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads `tokenizer.json` from `directory`.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing or malformed.
    public init(contentsOf directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName)
        let data = try FileBytes.read(url)
        do {
            self = try JSONDecoder().decode(TextEncoder.self, from: data)
        } catch let error as DescentError {
            throw DescentError(.file, url.path, error.reason)
        } catch {
            throw DescentError(.file, url.path, "not a Descent tokenizer file: \(error)")
        }
    }
}
