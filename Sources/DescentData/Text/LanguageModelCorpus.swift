import Descent
import Foundation

/// A text cut for a language model: its token stream split into three contiguous stretches — training first,
/// then validation, then test (the last `testFraction` of the tokens is the test part, the last
/// `validationFraction` of the rest the validation part) — and the encoder whose vocabulary is built from the
/// training stretch alone (tokens seen only in the held-out stretches become `<unk>` there).
public struct LanguageModelCorpus: Sendable {
    /// The tokenizer and the training stretch's vocabulary.
    public let encoder: TextEncoder
    /// The training token indices.
    public let train: [Int]
    /// The validation token indices.
    public let validation: [Int]
    /// The test token indices.
    public let test: [Int]

    /// Tokenizes `text` and cuts the stream: `n_test = round(n · testFraction)` tokens at the end, then
    /// `n_val = round((n − n_test) · validationFraction)` before them, the rest for training.
    public init(
        text: String, tokenizer: Tokenizer, validationFraction: Double, testFraction: Double, minFrequency: Int = 1,
        maxVocabulary: Int? = nil
    ) {
        precondition(
            (0..<1).contains(validationFraction) && (0..<1).contains(testFraction),
            "LanguageModelCorpus: fractions must be in [0, 1)")
        let tokens = tokenizer.tokens(text)
        let n = tokens.count
        let testCount = Int((Double(n) * testFraction).rounded())
        let validationCount = Int((Double(n - testCount) * validationFraction).rounded())
        let trainCount = n - testCount - validationCount
        let trainTokens = Array(tokens[0..<trainCount])
        let vocabulary = Vocabulary(building: [trainTokens], minFrequency: minFrequency, maxSize: maxVocabulary)
        encoder = TextEncoder(tokenizer: tokenizer, vocabulary: vocabulary)
        train = vocabulary.encode(trainTokens)
        validation = vocabulary.encode(Array(tokens[trainCount..<(trainCount + validationCount)]))
        test = vocabulary.encode(Array(tokens[(trainCount + validationCount)...]))
    }

    /// The perplexity of the unigram model of `train` on `test`, over a vocabulary of `vocabularySize` indices,
    /// with add-one (Laplace) smoothing so that tokens unseen in training (`<unk>`, the specials) keep a
    /// probability: `p(v) = (count_train(v) + 1) / (N_train + V)`, perplexity `exp(−mean_{t ∈ test} log p(t))`.
    public static func unigramPerplexity(train: [Int], test: [Int], vocabularySize: Int) -> Double {
        precondition(!test.isEmpty, "LanguageModelCorpus.unigramPerplexity: no test tokens")
        var counts = [Double](repeating: 0, count: vocabularySize)
        for t in train { counts[t] += 1 }
        let total = Double(train.count + vocabularySize)
        let logSum = test.reduce(0.0) { $0 + Foundation.log((counts[$1] + 1) / total) }
        return Foundation.exp(-logSum / Double(test.count))
    }
}
