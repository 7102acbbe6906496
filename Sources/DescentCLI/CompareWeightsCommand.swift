import ArgumentParser
import Descent
import Foundation

/// `descent compare-weights A B` (hidden, a diagnostic for scripts): the largest element-wise difference
/// `max |a − b|` between two safetensors files with the same tensors, failing above `--tolerance`.
struct CompareWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-weights",
        abstract: "Compare two safetensors files tensor by tensor (max |a − b|); fails above --tolerance.",
        shouldDisplay: false
    )

    @Argument(help: "The first safetensors file.")
    var first: String

    @Argument(help: "The second safetensors file (the same tensor names and shapes).")
    var second: String

    @Option(help: "The largest absolute difference accepted.")
    var tolerance: Double = 0

    func run() throws {
        let a = try SafeTensors.read(from: URL(fileURLWithPath: first))
        let b = Dictionary(
            try SafeTensors.read(from: URL(fileURLWithPath: second)).map { ($0.name, $0.tensor) },
            uniquingKeysWith: { x, _ in x })
        guard a.count == b.count else {
            throw DescentError(.file, second, "holds \(b.count) tensors, \(first) holds \(a.count)")
        }
        var worst = (name: "", difference: 0.0, magnitude: 0.0)
        for (name, x, _) in a {
            guard let y = b[name] else { throw DescentError(.file, second, "has no tensor '\(name)'") }
            guard x.shape == y.shape else {
                throw DescentError(.file, second, "tensor '\(name)' has shape \(y.shape), \(first) has \(x.shape)")
            }
            var difference = 0.0, magnitude = 0.0
            for (p, q) in zip(x.scalars, y.scalars) {
                let d = abs(Double(p) - Double(q))
                difference = d.isNaN || difference.isNaN ? .nan : max(difference, d)
                magnitude = max(magnitude, abs(Double(q)))
            }
            if difference.isNaN || difference > worst.difference || worst.name.isEmpty {
                worst = (name, difference, magnitude)
            }
        }
        let line = String(
            format: "max |a − b| = %.3g in %@ (largest |b| there %.3g) over %d tensors", worst.difference, worst.name,
            worst.magnitude, a.count)
        guard worst.difference <= tolerance else {
            throw DescentError(.argument, "--tolerance \(tolerance)", "exceeded: \(line)")
        }
        print(line)
    }
}
