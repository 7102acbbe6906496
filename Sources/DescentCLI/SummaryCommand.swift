import ArgumentParser
import Descent
import DescentTrain
import Foundation

/// `descent summary`: the layer table of a zoo model.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers: name, type, output shape, parameters and multiply-adds, with totals."
    )

    @Option(help: "Zoo model: \(ModelConfig.Zoo.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "cnn-bn"

    @Option(help: "Input shape of one sample, comma-separated (default: the model's usual input).")
    var input: String?

    @Option(help: "Number of classes.")
    var classes: Int = 10

    /// The zoo model named by `--model`, or a one-line error listing the zoo.
    static func zoo(_ name: String) throws -> ModelConfig.Zoo {
        guard let zoo = ModelConfig.Zoo(rawValue: name) else {
            throw ValidationError(
                "--model: unknown model '\(name)' (available: \(ModelConfig.Zoo.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        return zoo
    }

    /// The zoo model `zoo` for samples of `shape`, with a mismatch reported at `--model NAME`.
    static func build(_ zoo: ModelConfig.Zoo, inputShape shape: [Int], classes: Int) throws -> Module {
        do {
            return try zoo.makeModel(inputShape: shape, classes: classes)
        } catch let e as DescentError {
            throw DescentError(
                .argument, "--model \(zoo.rawValue)",
                e.reason.replacingOccurrences(of: "\(zoo.rawValue) expects", with: "expects"))
        }
    }

    func validate() throws {
        _ = try Self.zoo(model)
        guard classes >= 1 else { throw ValidationError("--classes must be at least 1, got \(classes)") }
        if let input {
            let dims = input.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw ValidationError("--input must be positive comma-separated sizes such as 1,28,28, got '\(input)'")
            }
        }
    }

    func run() throws {
        let zoo = try Self.zoo(model)
        let shape =
            input.map { $0.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! } }
            ?? zoo.defaultInput
        print(try ModelSummary(try Self.build(zoo, inputShape: shape, classes: classes), inputShape: shape).table)
    }
}
