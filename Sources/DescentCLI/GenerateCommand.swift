import ArgumentParser
import Descent
import DescentTrain
import Foundation

/// `descent generate RUN`: text sampled from a trained language model (``TextGenerator``).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text from a language-model run (data.task language_model, model rnn_lm).",
        discussion: """
            Feeds --prompt to the model, then draws --length tokens one at a time from softmax(logits / T), \
            carrying the recurrent state; T = 0 takes the most likely token. Prints the prompt and the new text. \
            The same --seed gives the same text. A prompt with tokens the training text lacks is refused.
            """
    )

    @Argument(help: ArgumentHelp("A finished descent train run folder of a language model.", valueName: "run"))
    var runFolder: String

    @Option(help: "The text to start from (at least one token; every character must occur in the training text).")
    var prompt: String

    @Option(help: "Number of tokens to generate.")
    var length: Int = 200

    @Option(help: "Sampling temperature T ≥ 0 (0: greedy, the most likely token each step).")
    var temperature: Float = 1

    @Option(help: "Seed of the sampling draws.")
    var seed: UInt64 = 0

    @Option(name: .customLong("top-k"), help: "Draw only among the K most likely tokens.")
    var topK: Int?

    func validate() throws {
        guard length >= 1 else { throw ValidationError("--length must be at least 1, got \(length)") }
        guard temperature >= 0, temperature.isFinite else {
            throw ValidationError("--temperature must be a number ≥ 0, got \(temperature)")
        }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1, got \(topK)") }
    }

    func run() throws {
        let generator = try TextGenerator(run: URL(fileURLWithPath: runFolder))
        print(try generator.generate(prompt: prompt, length: length, temperature: temperature, topK: topK, seed: seed))
    }
}
