import Descent

/// A generated translation task with a known answer (`spell-numbers`): an integer from 0 to 999,999 written in
/// digits (the source, one token per character) to its English name (the target, one token per word, see
/// ``NumberWords``): `"40213"` → `forty thousand two hundred thirteen`.
///
/// Sample `i`'s input is `[2, T]` token indices (as floats), `T` = ``length`` = 10: row 0 the digits, row 1 the
/// words followed by `<eos>`, both right-padded with `<pad>` = 0 (the layout ``Seq2Seq`` reads); its target is
/// row 1 as a `[T]` tensor. Sources and targets share one fixed vocabulary (``vocabulary``): the four special
/// tokens, the digits, then the 30 words. The numbers of a run are drawn without replacement by ``parts(train:
/// test:seed:)``, so no number is in two parts.
public struct SpellNumbers: Dataset {
    /// Tokens per row: the longest name (9 words, `777,777`) and `<eos>`.
    public static let length = 10
    /// The shared vocabulary: `<pad>`, `<unk>`, `<bos>`, `<eos>`, `0`…`9`, then ``NumberWords/vocabulary``.
    public static let vocabulary = try! Vocabulary(
        tokens: Vocabulary.specials + (0...9).map(String.init) + NumberWords.vocabulary)
    /// The encoder of sources (characters over ``vocabulary``), saved with a run as `tokenizer.json`.
    public static let sourceEncoder = TextEncoder(tokenizer: Tokenizer(level: .character), vocabulary: vocabulary)
    /// Training numbers by default (before the validation part is taken from them).
    public static let defaultTrainCount = 40_000
    /// Test numbers by default.
    public static let defaultTestCount = 2_000

    /// The numbers, in sample order.
    public let numbers: [Int]

    /// The samples of `numbers` (each in 0…999,999).
    public init(numbers: [Int]) {
        precondition(
            numbers.allSatisfy { (0...NumberWords.largest).contains($0) }, "SpellNumbers: a number outside 0…999,999")
        self.numbers = numbers
    }

    /// The training and test parts of a run seeded by `seed`: one seeded permutation of 0…999,999, whose first
    /// `test` numbers are the test part and the next `train` the training part (so the test part does not depend
    /// on `train`, and no number is in both).
    public static func parts(train: Int, test: Int, seed: UInt64) -> (train: SpellNumbers, test: SpellNumbers) {
        precondition(
            train >= 0 && test >= 0 && train + test <= NumberWords.largest + 1,
            "SpellNumbers: \(train) + \(test) numbers, at most \(NumberWords.largest + 1)")
        let order = RandomGenerator(seed: seed).permutation(NumberWords.largest + 1)
        return (
            SpellNumbers(numbers: Array(order[test..<(test + train)])), SpellNumbers(numbers: Array(order[..<test]))
        )
    }

    /// The number of samples.
    public var count: Int { numbers.count }

    /// The source tokens of `n`: its decimal digits.
    public static func source(_ n: Int) -> [Int] { sourceEncoder.encode(String(n)) }

    /// The target tokens of `n`: its words, then `<eos>`.
    public static func target(_ n: Int) -> [Int] { vocabulary.encode(NumberWords.words(n), end: true) }

    /// The text of target tokens (words before `<eos>`, joined by spaces).
    public static func text(ofTarget ids: [Int]) -> String { vocabulary.decode(ids).joined(separator: " ") }

    /// Number `index` as `[2, T]` (digits; words and `<eos>`) with the target row as a `[T]` tensor.
    public func sample(at index: Int) -> Sample {
        let n = numbers[index], t = Self.length
        var rows = [Float](repeating: Float(Vocabulary.padIndex), count: 2 * t)
        for (k, id) in Self.source(n).enumerated() { rows[k] = Float(id) }
        for (k, id) in Self.target(n).enumerated() { rows[t + k] = Float(id) }
        return Sample(
            input: Tensor(rows, shape: [2, t]), target: .tensor(Tensor(Array(rows[t...]), shape: [t])))
    }

    /// `nil`: the targets are sequences.
    public func label(at index: Int) -> Int? { nil }
}
