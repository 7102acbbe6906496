import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Sampling from a language model: greedy decoding, seeded temperature sampling, top-k, the carried state, and
/// the prompt's errors.
@Suite struct TextGeneratorTests {
    /// An untrained model over the characters of "abcdefgh " (vocabulary of 13 with the specials).
    static func generator(seed: UInt64 = 4) -> TextGenerator {
        let encoder = TextEncoder(fitting: ["abcdefgh "], tokenizer: Tokenizer(level: .character))
        let model = RNNLanguageModel(
            vocabularySize: encoder.vocabulary.count, cell: .gru, embeddingDim: 5, hiddenSize: 8, numLayers: 2,
            dropout: 0.5, generator: RandomGenerator(seed: seed))
        return TextGenerator(model: model, encoder: encoder)
    }

    /// Greedy decoding with the state carried picks, at every step, the largest logit of one pass of the model
    /// over the whole prefix (prompt and tokens so far), never a special token; it is the same every time.
    @Test func greedyStepsEqualTheFullPrefixRun() throws {
        let g = Self.generator()
        let prompt = try g.promptIDs("bad cafe")
        let new = g.generate(prompt: prompt, length: 12, temperature: 0, random: RandomGenerator(seed: 0))
        #expect(new.count == 12)
        var prefix = prompt
        for token in new {
            let logits = g.model(Tensor(prefix.map(Float.init), shape: [1, prefix.count]))
            let last = Array(logits.scalars[((prefix.count - 1) * 13)...])
            let best = (4..<13).max { last[$0] < last[$1] }!
            #expect(token == best)
            prefix.append(token)
        }
        #expect(g.generate(prompt: prompt, length: 12, temperature: 0, random: RandomGenerator(seed: 9)) == new)
        // Top-1 sampling is greedy decoding whatever the temperature.
        #expect(
            g.generate(prompt: prompt, length: 12, temperature: 2, topK: 1, random: RandomGenerator(seed: 5)) == new)
    }

    @Test func samplingIsDeterministicForASeed() throws {
        let g = Self.generator()
        let a = try g.generate(prompt: "ab", length: 40, temperature: 1, seed: 7)
        let b = try g.generate(prompt: "ab", length: 40, temperature: 1, seed: 7)
        let c = try g.generate(prompt: "ab", length: 40, temperature: 1, seed: 8)
        #expect(a == b && a != c)
        #expect(a.count == 42 && a.hasPrefix("ab"))
        #expect(a.allSatisfy { "abcdefgh ".contains($0) })
    }

    /// The draw is inverse-transform sampling of softmax(logits / T): over many draws the frequencies approach
    /// the probabilities; top-k leaves out all but the k largest; the specials are never drawn.
    @Test func drawsFollowTheTemperedSoftmax() {
        let logits: [Float] = [9, 9, 9, 9, 0, 1, 2, 3]
        let random = RandomGenerator(seed: 11)
        var counts = [Int](repeating: 0, count: 8)
        let n = 20_000
        for _ in 0..<n { counts[TextGenerator.draw(logits, temperature: 2, topK: nil, random: random)] += 1 }
        #expect(counts[0..<4].allSatisfy { $0 == 0 })
        let weights = (4..<8).map { Foundation.exp(Double(logits[$0]) / 2) }
        let total = weights.reduce(0, +)
        for k in 4..<8 {
            #expect(abs(Double(counts[k]) / Double(n) - weights[k - 4] / total) < 0.015)
        }
        var top = Set<Int>()
        for _ in 0..<500 { top.insert(TextGenerator.draw(logits, temperature: 1, topK: 2, random: random)) }
        #expect(top == [6, 7])
        #expect(TextGenerator.draw(logits, temperature: 0, topK: nil, random: random) == 7)
        // A diverged model's NaN logits are never drawn; with no finite logit, the first ordinary token.
        #expect(TextGenerator.draw([0, 0, 0, 0, .nan, 2, .nan], temperature: 1, topK: nil, random: random) == 5)
        #expect(TextGenerator.draw([0, 0, 0, 0, .nan, .nan], temperature: 1, topK: nil, random: random) == 4)
    }

    @Test func promptErrorsAreOneLine() {
        let g = Self.generator()
        #expect(throws: DescentError(.argument, "--prompt", "is empty (give at least one token)")) {
            try g.promptIDs("")
        }
        #expect(
            throws: DescentError(.argument, "--prompt", "characters not in the training vocabulary: \"z\", \"!\"")
        ) { try g.promptIDs("zaz!") }
    }
}
