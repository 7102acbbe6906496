import Foundation
import Testing

@testable import Descent

/// Losses, softmax and log-softmax at logits of ±1e4 and BCE at probabilities of exactly 0 and 1, against
/// PyTorch (extremes.json, written by `Tests/Fixtures/generate_extremes.py`; PyTorch's float32 results there
/// are all finite): every output and input gradient is finite and within rtol 1e-4 (floor 1e-3) of PyTorch's
/// float64 values. That needs log-sum-exp kept as `m + log Σ exp(x − m)` in two parts, terms formed as
/// `log Σ − (xᵢ − m)` as PyTorch does: rounding `m + log Σ` first loses `log 2` beside 1e4 to float32's spacing
/// there (2⁻¹⁰), a relative error of 3e-4.
@Suite struct ExtremeLogitsTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let name: String
        let op: String
        let reduction: String?
        let labelSmoothing: Float?
        let input: FixtureTensor
        let target: FixtureTensor?
        let targetIndices: [Int]?
        let output: FixtureTensor
        let probe: FixtureTensor
        let inputGrad: FixtureTensor

        var testDescription: String { name }
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = (try? loadFixture("extremes.json", as: File.self).cases) ?? []

    @Test func fixtureHasEveryOp() {
        #expect(Self.cases.count == 13)
        #expect(
            Set(Self.cases.map(\.op)) == [
                "cross_entropy", "cross_entropy_probs", "log_softmax", "softmax", "sigmoid",
                "binary_cross_entropy_with_logits",
                "binary_cross_entropy", "nll_loss", "kl_div",
            ])
    }

    @Test(arguments: cases) func finiteAndMatchesPyTorch(_ c: Case) throws {
        let x = c.input.tensor.requiringGrad()
        let reduction = c.reduction.flatMap(Reduction.init(rawValue:)) ?? Reduction.none
        let out: Tensor
        switch c.op {
        case "cross_entropy":
            out = crossEntropy(
                x, c.targetIndices!, reduction: reduction, labelSmoothing: c.labelSmoothing ?? 0)
        case "cross_entropy_probs": out = crossEntropy(x, c.target!.tensor, reduction: reduction)
        case "log_softmax": out = x.logSoftmax(axis: -1)
        case "softmax": out = x.softmax(axis: -1)
        case "sigmoid": out = x.sigmoid()
        case "binary_cross_entropy_with_logits":
            out = binaryCrossEntropyWithLogits(x, c.target!.tensor, reduction: reduction)
        case "binary_cross_entropy": out = binaryCrossEntropy(x, c.target!.tensor, reduction: reduction)
        case "nll_loss": out = nllLoss(x, c.targetIndices!, reduction: reduction)
        case "kl_div": out = klDiv(x, c.target!.tensor, reduction: .none)
        default:
            Issue.record("unknown op \(c.op)")
            return
        }
        #expect(out.scalars.allSatisfy { $0.isFinite }, "\(c.name): output \(out.scalars)")
        expectClose(out, c.output.tensor, rtol: 1e-4, "\(c.name) output")
        (out * c.probe.tensor).sum().backward()
        let grad = try #require(x.grad)
        #expect(grad.scalars.allSatisfy { $0.isFinite }, "\(c.name): gradient \(grad.scalars)")
        expectClose(grad, c.inputGrad.tensor, rtol: 1e-4, "\(c.name) input gradient")
    }
}
