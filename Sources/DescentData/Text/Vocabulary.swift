import Descent
import Foundation

/// The token ↔ index table of a text model, built from the training split (torchtext's
/// `build_vocab_from_iterator`): the special tokens first — `<pad>` 0, `<unk>` 1, `<bos>` 2, `<eos>` 3 — then
/// every token seen at least `minFrequency` times, most frequent first, ties in lexicographic order, up to
/// `maxSize` entries in all. A token not in the table maps to `<unk>`.
public struct Vocabulary: Sendable, Codable, Equatable {
    /// Padding, index 0 (the loader pads batches with it; `Embedding(paddingIndex: 0)` ignores it).
    public static let pad = "<pad>"
    /// Unknown token, index 1.
    public static let unknown = "<unk>"
    /// Beginning of sequence, index 2.
    public static let begin = "<bos>"
    /// End of sequence, index 3.
    public static let end = "<eos>"
    /// The special tokens, in index order.
    public static let specials = [pad, unknown, begin, end]
    /// Index of `<pad>`.
    public static let padIndex = 0
    /// Index of `<unk>`.
    public static let unknownIndex = 1
    /// Index of `<bos>`.
    public static let beginIndex = 2
    /// Index of `<eos>`.
    public static let endIndex = 3

    /// The tokens in index order.
    public let tokens: [String]
    private let index: [String: Int]

    /// The table with `tokens` in index order (the specials must come first).
    public init(tokens: [String]) throws {
        guard Array(tokens.prefix(Self.specials.count)) == Self.specials else {
            throw DescentError(
                .file, "vocabulary", "must start with the special tokens \(Self.specials), got \(tokens.prefix(4))")
        }
        var index = [String: Int](minimumCapacity: tokens.count)
        for (i, t) in tokens.enumerated() {
            guard index[t] == nil else { throw DescentError(.file, "vocabulary", "token \"\(t)\" appears twice") }
            index[t] = i
        }
        self.tokens = tokens
        self.index = index
    }

    /// The table of the tokens in `texts` (each a list of tokens): those seen at least `minFrequency` times,
    /// most frequent first (ties in lexicographic order), after the specials, at most `maxSize` in all.
    public init(building texts: some Sequence<[String]>, minFrequency: Int = 1, maxSize: Int? = nil) {
        precondition(minFrequency >= 1, "Vocabulary: minFrequency must be ≥ 1, got \(minFrequency)")
        precondition(maxSize.map { $0 >= Self.specials.count } ?? true, "Vocabulary: maxSize must be ≥ 4")
        var counts = [String: Int]()
        for text in texts { for t in text { counts[t, default: 0] += 1 } }
        for s in Self.specials { counts[s] = nil }
        var kept = counts.filter { $0.value >= minFrequency }.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
        }.map(\.key)
        if let maxSize { kept = Array(kept.prefix(maxSize - Self.specials.count)) }
        // The specials are first and the counted tokens exclude them: never a duplicate.
        self = try! Vocabulary(tokens: Self.specials + kept)
    }

    /// The number of tokens, specials included (the embedding's `numEmbeddings`).
    public var count: Int { tokens.count }

    /// The index of `token`, or `<unk>`'s.
    public func id(_ token: String) -> Int { index[token] ?? Self.unknownIndex }

    /// The indices of `tokens`, with `<bos>` before and `<eos>` after when asked.
    public func encode(_ tokens: [String], begin: Bool = false, end: Bool = false) -> [Int] {
        (begin ? [Self.beginIndex] : []) + tokens.map(id) + (end ? [Self.endIndex] : [])
    }

    /// The tokens of `ids` (out-of-range ids as `<unk>`), without `<pad>`, `<bos>` and `<eos>` when `skipSpecial`.
    public func decode(_ ids: [Int], skipSpecial: Bool = true) -> [String] {
        ids.compactMap { i in
            if skipSpecial && [Self.padIndex, Self.beginIndex, Self.endIndex].contains(i) { return nil }
            return tokens.indices.contains(i) ? tokens[i] : Self.unknown
        }
    }

    private enum CodingKeys: String, CodingKey { case tokens }

    /// Reads `{"tokens": [...]}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(tokens: c.decode([String].self, forKey: .tokens))
    }

    /// Writes `{"tokens": [...]}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tokens, forKey: .tokens)
    }
}
