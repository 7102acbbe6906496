import Foundation
import Testing

@testable import Descent

/// The PyTorch reference values of the core ops, `Fixtures/core.json`, written by `Tests/Fixtures/generate_core.py`.
///
/// Each case holds inputs, the forward outputs, fixed random weights per output, and the gradients of
/// `L = Σᵢ sum(outputᵢ ⊙ weightᵢ)` with respect to each input (`nil` weight: a non-differentiable output such
/// as a mask or an index; `nil` gradient: a non-differentiable input).
struct CoreFixture: Decodable {
    struct Case: Decodable {
        let group: String
        let inputs: [FixtureTensor]
        let outputs: [FixtureTensor]
        let weights: [FixtureTensor?]
        let grads: [FixtureTensor?]
    }

    let cases: [String: Case]

    /// Runs every case of `group` through `op` and checks outputs and input gradients against PyTorch.
    ///
    /// `op(name, inputs)` returns the case's outputs, or `nil` when the name is unknown (recorded as a
    /// failure, so that a case added to the generator cannot be skipped silently). Tolerance: relative
    /// error `|actual − expected| / max(|expected|, floor)` at most `rtol` (default 1e-4, floor 1e-3).
    /// Returns the names of the cases checked.
    @discardableResult
    static func check(
        group: String, rtol: Float = 1e-4, floor: Float = 1e-3,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ op: (String, [Tensor]) -> [Tensor]?
    ) throws -> [String] {
        let fixture: CoreFixture = try loadFixture("core.json")
        let names = fixture.cases.filter { $0.value.group == group }.keys.sorted()
        #expect(!names.isEmpty, "core.json has no cases of group \(group)", sourceLocation: sourceLocation)
        for name in names {
            let c = fixture.cases[name]!
            let inputs = zip(c.inputs, c.grads + Array(repeating: nil, count: max(0, c.inputs.count - c.grads.count)))
                .map { x, g in g == nil ? x.tensor : x.tensor.requiringGrad() }
            guard let outs = op(name, inputs) else {
                Issue.record("no Swift counterpart for core.json case '\(name)'", sourceLocation: sourceLocation)
                continue
            }
            #expect(
                outs.count == c.outputs.count, "\(name): \(outs.count) outputs, expected \(c.outputs.count)",
                sourceLocation: sourceLocation)
            guard outs.count == c.outputs.count else { continue }
            for (i, (o, e)) in zip(outs, c.outputs).enumerated() {
                expectClose(
                    o, e.tensor, rtol: rtol, floor: floor, "\(name) output \(i)", sourceLocation: sourceLocation)
            }
            guard c.grads.contains(where: { $0 != nil }) else { continue }
            var loss: Tensor?
            for (o, w) in zip(outs, c.weights) {
                guard let w else { continue }
                let term = (o * w.tensor).sum()
                loss = loss.map { $0 + term } ?? term
            }
            guard let loss, loss.requiresGrad else {
                Issue.record("\(name): the outputs recorded no gradient", sourceLocation: sourceLocation)
                continue
            }
            loss.backward()
            for (i, (x, g)) in zip(inputs, c.grads).enumerated() {
                guard let g else { continue }
                expectClose(
                    x.grad ?? Tensor.zeros(x.shape), g.tensor, rtol: rtol, floor: floor,
                    "\(name) gradient of input \(i)", sourceLocation: sourceLocation)
            }
        }
        return names
    }
}

/// Deterministic test inputs drawn from Descent's own counter-based generator.
enum TestData {
    /// Normal samples (mean 0, standard deviation `scale`).
    static func normal(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        RandomGenerator(seed: seed).normal(shape, std: scale)
    }

    /// Positive samples `|n| + minimum` (for log, sqrt, division, powers).
    static func positive(_ shape: [Int], seed: UInt64, minimum: Float = 0.5) -> Tensor {
        Tensor(normal(shape, seed: seed).scalars.map { Swift.abs($0) + minimum }, shape: shape)
    }

    /// Samples kept at least `margin` away from each of `points` (the kinks of abs, relu, clamp), so that a
    /// finite difference with a smaller step never crosses one.
    static func away(from points: [Float], _ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
        let values = normal(shape, seed: seed).scalars.map { v -> Float in
            var v = v
            for p in points where Swift.abs(v - p) < margin { v = v >= p ? p + 2 * margin : p - 2 * margin }
            return v
        }
        return Tensor(values, shape: shape)
    }

    /// A scalar loss `sum(t ⊙ w)` with fixed random weights `w`, so that every element of `t` matters
    /// (a plain sum would hide errors in, say, softmax, whose rows always sum to 1).
    static func weightedSum(_ t: Tensor, seed: UInt64 = 99) -> Tensor {
        (t * RandomGenerator(seed: seed, stream: 7).normal(t.shape)).sum()
    }
}

/// Reference broadcasting in plain loops: index arithmetic per element, no merging of axes.
func naiveBroadcast(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
    let shape = Shape.broadcast(a.shape, b.shape)!
    let av = a.scalars, bv = b.scalars
    func offset(_ index: [Int], _ s: [Int]) -> Int {
        let lead = index.count - s.count
        var flat = 0
        for (i, d) in s.enumerated() { flat = flat * d + (d == 1 ? 0 : index[i + lead]) }
        return flat
    }
    var out = [Float](repeating: 0, count: Shape.count(shape))
    var index = [Int](repeating: 0, count: shape.count)
    for flat in 0..<out.count {
        var r = flat
        for i in stride(from: shape.count - 1, through: 0, by: -1) { index[i] = r % shape[i]; r /= shape[i] }
        out[flat] = f(av[offset(index, a.shape)], bv[offset(index, b.shape)])
    }
    return Tensor(out, shape: shape)
}
