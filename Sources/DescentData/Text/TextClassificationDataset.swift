import Descent

/// Texts as token-index sequences with class labels. Sample `i`'s input is its token indices as a `[T]` tensor
/// (indices stored as floats, exact below 2²⁴), `T` ≥ 1: a text without tokens is one `<unk>`, and a text longer
/// than `maxLength` keeps its first `maxLength` tokens. Batch them with ``Collation/pad`` (index 0 is `<pad>`),
/// and ``DataLoader/bucketed(by:)`` to put texts of similar length together.
public struct TextClassificationDataset: Dataset {
    /// The token indices of each text.
    public let sequences: [[Int]]
    /// Each text's class index.
    public let labels: [Int]
    /// The class names in index order.
    public let classes: [String]

    /// Encodes every text of `corpus` with `encoder`, truncated to `maxLength` tokens when given.
    public init(corpus: TextCorpus, encoder: TextEncoder, maxLength: Int? = nil) {
        precondition(maxLength.map { $0 >= 1 } ?? true, "TextClassificationDataset: maxLength must be ≥ 1")
        sequences = corpus.texts.map { text in
            let ids = encoder.encode(text)
            let cut = maxLength.map { Array(ids.prefix($0)) } ?? ids
            return cut.isEmpty ? [Vocabulary.unknownIndex] : cut
        }
        labels = corpus.labels
        classes = corpus.classes
    }

    /// A dataset of already-encoded `sequences` (each non-empty) with `labels` and class names `classes`.
    public init(sequences: [[Int]], labels: [Int], classes: [String]) {
        precondition(
            sequences.count == labels.count,
            "TextClassificationDataset: \(sequences.count) sequences for \(labels.count) labels")
        precondition(sequences.allSatisfy { !$0.isEmpty }, "TextClassificationDataset: an empty sequence")
        self.sequences = sequences
        self.labels = labels
        self.classes = classes
    }

    /// The number of texts.
    public var count: Int { sequences.count }

    /// Each text's length in tokens (what bucketing sorts by).
    public var lengths: [Int] { sequences.map(\.count) }

    /// The tokens of text `index` as `[T]` and its class.
    public func sample(at index: Int) -> Sample {
        let ids = sequences[index]
        return Sample(input: Tensor(ids.map(Float.init), shape: [ids.count]), target: .classIndex(labels[index]))
    }

    /// The class of text `index`.
    public func label(at index: Int) -> Int? { labels[index] }
}

/// A token stream cut into windows for next-token prediction (a language model): sample `i` is the tokens
/// `ids[i·T ..< i·T + T]` with the target `ids[i·T + 1 ..< i·T + T + 1]` (a `[T]` tensor of class indices),
/// `T` = `sequenceLength`; the windows do not overlap and the tokens after the last whole window are dropped.
public struct LanguageModelDataset: Dataset {
    /// The token stream.
    public let ids: [Int]
    /// Tokens per window.
    public let sequenceLength: Int

    /// Windows of `sequenceLength` tokens over `ids`.
    public init(ids: [Int], sequenceLength: Int) {
        precondition(sequenceLength >= 1, "LanguageModelDataset: sequenceLength must be ≥ 1")
        self.ids = ids
        self.sequenceLength = sequenceLength
    }

    /// The number of whole windows, ⌊(tokens − 1) / T⌋.
    public var count: Int { max(0, ids.count - 1) / sequenceLength }

    /// Window `index`: its tokens and the next token after each.
    public func sample(at index: Int) -> Sample {
        let start = index * sequenceLength
        let input = ids[start..<(start + sequenceLength)].map(Float.init)
        let target = ids[(start + 1)...(start + sequenceLength)].map(Float.init)
        return Sample(
            input: Tensor(input, shape: [sequenceLength]),
            target: .tensor(Tensor(target, shape: [sequenceLength])))
    }

    /// `nil`: the targets are sequences.
    public func label(at index: Int) -> Int? { nil }
}
