import ArgumentParser
import Descent
import Foundation

/// `descent summary`: the layer table of a zoo model.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers: name, type, output shape, parameters and multiply-adds, with totals."
    )

    @Option(help: "Model: w1 (MLP), w2/cnn, w3/cnn-bn, w5, w7/resnet, lenet5, vgg, resnet18.")
    var model: String = "cnn-bn"

    @Option(help: "Input shape of one sample, comma-separated (default: the model's usual input).")
    var input: String?

    @Option(help: "Number of classes.")
    var classes: Int = 10

    static let models: [String: (module: @Sendable (Int) -> Module, input: [Int])] = [
        "w1": ({ Models.mlp([784, 512, 512, $0]) }, [784]),
        "w5": ({ Models.mlp([784, 128, $0]) }, [784]),
        "w2": ({ Models.benchCNN(classes: $0) }, [1, 28, 28]),
        "cnn": ({ Models.benchCNN(classes: $0) }, [1, 28, 28]),
        "w3": ({ Models.benchCNN(batchNorm: true, dropout: true, classes: $0) }, [1, 28, 28]),
        "cnn-bn": ({ Models.benchCNN(batchNorm: true, dropout: true, classes: $0) }, [1, 28, 28]),
        "w7": ({ ResNet.w7(classes: $0) }, [3, 32, 32]),
        "resnet": ({ ResNet.w7(classes: $0) }, [3, 32, 32]),
        "lenet5": ({ Models.leNet5(classes: $0) }, [1, 28, 28]),
        "vgg": ({ Models.smallVGG(classes: $0) }, [3, 32, 32]),
        "resnet18": ({ ResNet.resNet18(classes: $0) }, [3, 32, 32]),
    ]

    func validate() throws {
        guard Self.models[model] != nil else {
            throw ValidationError("--model: unknown model '\(model)' (available: \(Self.models.keys.sorted().joined(separator: ", ")))")
        }
        guard classes >= 1 else { throw ValidationError("--classes must be at least 1, got \(classes)") }
        if let input {
            let dims = input.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw ValidationError("--input must be positive comma-separated sizes such as 1,28,28, got '\(input)'")
            }
        }
    }

    func run() throws {
        let entry = Self.models[model]!
        let shape = input.map { $0.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! } } ?? entry.input
        print(try ModelSummary(entry.module(classes), inputShape: shape).table)
    }
}
