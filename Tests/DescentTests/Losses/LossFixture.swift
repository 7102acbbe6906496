import Foundation
import Testing

@testable import Descent

/// The PyTorch reference values of the losses, `Fixtures/losses.json`, written by `Tests/Fixtures/generate_losses.py`.
///
/// Each case holds the inputs and options of one loss call, PyTorch's output, a fixed random `probe` of the
/// output's shape, and the gradients of `sum(output ⊙ probe)` with respect to the input (and the target, where
/// PyTorch treats it as differentiable).
struct LossFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let loss: String
        let reduction: String
        let input: FixtureTensor
        let target: FixtureTensor?
        let targetIndices: [Int]?
        let weight: FixtureTensor?
        let posWeight: FixtureTensor?
        let ignoreIndex: Int?
        let labelSmoothing: Float?
        let beta: Float?
        let delta: Float?
        let logTarget: Bool?
        let output: FixtureTensor
        let probe: FixtureTensor
        let inputGrad: FixtureTensor
        let targetGrad: FixtureTensor?

        /// The reduction as Descent's enum (every case but KL divergence's `batchmean`).
        var reductionValue: Reduction { Reduction(rawValue: reduction)! }
    }

    let cases: [Case]

    /// Runs every case of PyTorch loss `loss` through `compute(case, input, target)` and checks the output and
    /// the input (and target) gradients against PyTorch: relative error `|actual − expected| / max(|expected|,
    /// 10⁻³)` at most 1e-4. `target` is the case's target tensor (requiring a gradient where the case has one),
    /// or `nil` for class-index targets. Returns the number of cases checked.
    @discardableResult
    static func check(
        loss: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ compute: (Case, Tensor, Tensor?) -> Tensor
    ) throws -> Int {
        let fixture: LossFixture = try loadFixture("losses.json")
        let cases = fixture.cases.filter { $0.loss == loss }
        #expect(!cases.isEmpty, "losses.json has no cases of \(loss)", sourceLocation: sourceLocation)
        for c in cases {
            let input = c.input.tensor.requiringGrad()
            let target = c.target.map { c.targetGrad == nil ? $0.tensor : $0.tensor.requiringGrad() }
            let out = compute(c, input, target)
            // Relative tolerance 1e-4 (floor 1e-3): the fixture holds float64 results for the float32 inputs.
            expectClose(out, c.output.tensor, rtol: 1e-4, "\(c.name) output", sourceLocation: sourceLocation)
            (out * c.probe.tensor).sum().backward()
            expectClose(
                input.grad ?? Tensor.zeros(input.shape), c.inputGrad.tensor, rtol: 1e-4,
                "\(c.name) input gradient", sourceLocation: sourceLocation)
            if let expected = c.targetGrad, let target {
                expectClose(
                    target.grad ?? Tensor.zeros(target.shape), expected.tensor, rtol: 1e-4,
                    "\(c.name) target gradient", sourceLocation: sourceLocation)
            }
        }
        return cases.count
    }
}
