import Descent
import DescentData
import Foundation

/// Samples text from a trained ``RNNLanguageModel`` with its tokenizer: the prompt is fed in one pass, then
/// each new token is drawn from `softmax(logits / T)` of the last step and fed back alone, the recurrent state
/// carried from step to step (the prefix is never run again). `T = 0` is greedy decoding (the first largest
/// logit); with `topK`, only the `K` largest logits keep a probability. The special tokens (`<pad>`, `<unk>`,
/// `<bos>`, `<eos>`) are never drawn, so every step adds one token of the text. Draws come from a
/// ``RandomGenerator`` seeded by the caller: the same seed gives the same text.
public struct TextGenerator {
    /// The language model (put in eval mode: dropout off).
    public let model: RNNLanguageModel
    /// The tokenizer and vocabulary the model was trained with.
    public let encoder: TextEncoder

    /// A generator of `model` over `encoder`'s vocabulary (their sizes must agree).
    public init(model: RNNLanguageModel, encoder: TextEncoder) {
        precondition(
            model.vocabularySize == encoder.vocabulary.count,
            "TextGenerator: the model predicts \(model.vocabularySize) tokens, the vocabulary has \(encoder.vocabulary.count)"
        )
        self.model = model
        self.encoder = encoder
        model.eval()
    }

    /// The model and tokenizer of the finished `descent train` run in `run` (`config.yaml`, `tokenizer.json`,
    /// `model.safetensors`).
    ///
    /// - Throws: ``DescentError`` naming the run when it is not a finished run, not a language model
    ///   (`data.task` other than `language_model`) or not the zoo model `rnn_lm`, or naming the file at fault.
    public init(run: URL) throws {
        let folder = RunFolder(run.path)
        try folder.requireFinished(option: "RUN", manifest: false, weights: true)
        let config = try TrainingConfig.load(contentsOf: run.appendingPathComponent("config.yaml"))
        guard config.data.task == .languageModel, let text = config.data.text else {
            throw DescentError(
                .argument, "RUN \(run.path)",
                "is not a language model (its data.task is \(config.data.task.rawValue)); generate needs a run of "
                    + "data: {dataset: text, task: language_model}")
        }
        let encoder = try TextEncoder(contentsOf: run)
        let vocabulary = encoder.vocabulary.count
        let built = try config.model.makeModel(
            inputShape: [text.sequenceLength], classes: vocabulary, vocabularySize: vocabulary, perStep: true)
        guard let model = built as? RNNLanguageModel else {
            throw DescentError(
                .argument, "RUN \(run.path)", "its model is \(config.model.name); generate needs the zoo model rnn_lm")
        }
        try model.loadWeights(from: run.appendingPathComponent("model.safetensors"))
        self.init(model: model, encoder: encoder)
    }

    /// The token indices of `prompt`.
    ///
    /// - Throws: ``DescentError`` located at `--prompt` when it is empty or holds tokens the vocabulary lacks
    ///   (they are refused rather than read as `<unk>`, which the model never saw in training).
    public func promptIDs(_ prompt: String) throws -> [Int] {
        let tokens = encoder.tokenizer.tokens(prompt)
        guard !tokens.isEmpty else { throw DescentError(.argument, "--prompt", "is empty (give at least one token)") }
        let unknown = tokens.filter { encoder.vocabulary.id($0) == Vocabulary.unknownIndex }
        guard unknown.isEmpty else {
            var shown: [String] = []
            for t in unknown where !shown.contains("\"\(t)\"") && shown.count < 8 { shown.append("\"\(t)\"") }
            throw DescentError(
                .argument, "--prompt",
                "\(encoder.tokenizer.level == .character ? "characters" : "words") not in the training vocabulary: "
                    + shown.joined(separator: ", "))
        }
        return encoder.vocabulary.encode(tokens)
    }

    /// `length` new token indices after `prompt` (at least one token), drawn with `temperature` (≥ 0) and
    /// `topK` (≥ 1) from `random`.
    public func generate(prompt: [Int], length: Int, temperature: Float, topK: Int? = nil, random: RandomGenerator)
        -> [Int]
    {
        precondition(!prompt.isEmpty, "TextGenerator: the prompt needs at least one token")
        precondition(length >= 0 && temperature >= 0, "TextGenerator: length and temperature must be ≥ 0")
        precondition(topK.map { $0 >= 1 } ?? true, "TextGenerator: topK must be ≥ 1")
        return withNoGrad {
            var (logits, state) = model.forward(
                Tensor(prompt.map(Float.init), shape: [1, prompt.count]), state: nil)
            var out: [Int] = []
            out.reserveCapacity(length)
            for i in 0..<length {
                let steps = logits.shape[1]
                let last = Array(logits.scalars[((steps - 1) * model.vocabularySize)...])
                let next = Self.draw(last, temperature: temperature, topK: topK, random: random)
                out.append(next)
                if i + 1 < length {
                    (logits, state) = model.forward(Tensor([Float(next)], shape: [1, 1]), state: state)
                }
            }
            return out
        }
    }

    /// `prompt` followed by `length` generated tokens, as text.
    ///
    /// - Throws: ``DescentError`` for a prompt ``promptIDs(_:)`` refuses.
    public func generate(prompt: String, length: Int, temperature: Float, topK: Int? = nil, seed: UInt64) throws
        -> String
    {
        let ids = try promptIDs(prompt)
        let new = generate(
            prompt: ids, length: length, temperature: temperature, topK: topK, random: RandomGenerator(seed: seed))
        return encoder.decode(ids + new)
    }

    /// One token index drawn from `logits` (`[V]`): the first largest with `temperature` 0, else by inverse
    /// transform sampling of `softmax(logits / temperature)` restricted to the `topK` largest; the special
    /// tokens and non-finite logits are left out.
    static func draw(_ logits: [Float], temperature: Float, topK: Int?, random: RandomGenerator) -> Int {
        var z = logits.map(Double.init)
        for s in 0..<min(Vocabulary.specials.count, z.count - 1) { z[s] = -.infinity }
        if temperature == 0 {
            var best = 0
            for i in z.indices where z[i] > z[best] { best = i }
            return best
        }
        if let topK {
            let finite = z.filter(\.isFinite).sorted(by: >)
            if topK < finite.count {
                let threshold = finite[topK - 1]
                for i in z.indices where z[i] < threshold { z[i] = -.infinity }
            }
        }
        // Non-finite logits (a diverged model's NaN) get no probability; with none finite, the first ordinary token.
        guard let top = z.filter(\.isFinite).max() else { return min(Vocabulary.specials.count, z.count - 1) }
        let weights = z.map { $0.isFinite ? Foundation.exp(($0 - top) / Double(temperature)) : 0 }
        let u = Double(random.uniformFloat()) * weights.reduce(0, +)
        var cumulative = 0.0
        for (i, w) in weights.enumerated() where w > 0 {
            cumulative += w
            if u < cumulative { return i }
        }
        return weights.lastIndex { $0 > 0 }!
    }
}
