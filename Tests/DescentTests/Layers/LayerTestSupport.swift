import Foundation
import Testing

@testable import Descent

/// `Tests/DescentTests/Fixtures/layers.json`, written by `Tests/Fixtures/generate_layers.py` (PyTorch).
struct LayerFixtures: Decodable {
    /// One reference computation per layer configuration.
    let cases: [String: LayerCase]
    /// PyTorch's state_dict keys of a few models, in order.
    let stateKeys: [String: [String]]

    /// The decoded fixture file (read once).
    static let shared: Result<LayerFixtures, any Error> = Result { try loadFixture("layers.json") }

    /// The case `name`, or an error when the file or the case is missing.
    static func named(_ name: String) throws -> LayerCase {
        guard let c = try shared.get().cases[name] else {
            throw DescentError(.file, "Fixtures/layers.json", "no case named \(name)")
        }
        return c
    }
}

/// A PyTorch state dict: keys in order and the tensors.
struct StateJSON: Decodable {
    let keys: [String]
    let tensors: [String: FixtureTensor]

    /// The state dict as Descent's `[(key, tensor)]`.
    var stateDict: [(String, Tensor)] { keys.map { ($0, tensors[$0]!.tensor) } }
}

/// One layer's reference computation (see the generator's docstring).
struct LayerCase: Decodable {
    let state: StateJSON
    let input: FixtureTensor
    let output: FixtureTensor
    let probe: FixtureTensor
    let inputGrad: FixtureTensor
    let grads: [String: FixtureTensor]
    let extraInputs: [FixtureTensor]?
    let after: [String: FixtureTensor]?
    let evalInput: FixtureTensor?
    let evalOutput: FixtureTensor?
    let evalInputGrad: FixtureTensor?
    let evalGrads: [String: FixtureTensor]?
}

/// Expects `actual` to match the PyTorch reference `expected` with a relative tolerance of 1e-4. Elements smaller
/// than 1% of the tensor's largest magnitude (or than 1e-3) are compared against that floor instead of their own
/// size: the references are exact (float64) answers, and float32 cancellation noise on near-zero elements — which
/// PyTorch's own float32 kernels show too, up to 1.6e-4 relative on these cases — is not a layer error. `scale`
/// replaces the tensor's largest magnitude when the noise follows other values.
func expectMatches(
    _ actual: Tensor, _ expected: Tensor, _ what: String, scale: Float? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let scale = scale ?? largestMagnitude(expected)
    expectClose(
        actual, expected, rtol: 1e-4, floor: Swift.max(1e-3, 1e-2 * scale), what, sourceLocation: sourceLocation)
}

/// The largest |value| of `t`.
func largestMagnitude(_ t: Tensor) -> Float { t.scalars.reduce(Float(0)) { Swift.max($0, Swift.abs($1)) } }

/// Loads the PyTorch weights of case `name` into `module` (checking that its state-dict keys are PyTorch's, in
/// order), runs it on the case's input and compares output, input gradient and parameter gradients of
/// `sum(output · probe)` with PyTorch's, with a relative tolerance of 1e-4 (see ``expectMatches``). BatchNorm
/// cases also check the running statistics after three training steps and the eval-mode output and gradients.
func expectMatchesPyTorch(_ name: String, _ module: Module, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let c = try LayerFixtures.named(name)
    #expect(
        module.stateEntries().map(\.key) == c.state.keys, "\(name): state-dict keys", sourceLocation: sourceLocation)
    try module.load(stateDict: c.state.stateDict)
    module.zeroGrad()
    let x = c.input.tensor.requiringGrad()
    let out = module(x)
    expectMatches(out, c.output.tensor, "\(name): output", sourceLocation: sourceLocation)
    (out * c.probe.tensor).sum().backward()
    expectMatches(
        x.grad ?? Tensor.zeros(x.shape), c.inputGrad.tensor, "\(name): input gradient", sourceLocation: sourceLocation)
    let params = module.namedParameters()
    #expect(
        Set(params.map(\.0)) == Set(c.grads.keys), "\(name): parameters with gradients", sourceLocation: sourceLocation)
    // A gradient that is zero in exact arithmetic (a bias before a training-mode batch norm) holds rounding noise,
    // whose size follows the module's other gradients: each gradient's floor uses the largest of them all.
    let gradientScale = c.grads.values.map { largestMagnitude($0.tensor) }.max() ?? 0
    for (key, p) in params {
        guard let expected = c.grads[key] else { continue }
        expectMatches(
            p.grad ?? Tensor.zeros(p.shape), expected.tensor, "\(name): gradient of \(key)",
            scale: Swift.max(largestMagnitude(expected.tensor), gradientScale), sourceLocation: sourceLocation)
    }
    guard let after = c.after, let extras = c.extraInputs else { return }
    withNoGrad { for e in extras { _ = module(e.tensor) } }
    let buffers = Dictionary(uniqueKeysWithValues: module.namedBuffers())
    for (key, expected) in after where buffers[key] != nil {
        expectMatches(buffers[key]!, expected.tensor, "\(name): \(key) after training", sourceLocation: sourceLocation)
    }
    module.eval()
    module.zeroGrad()
    let xe = c.evalInput!.tensor.requiringGrad()
    let oe = module(xe)
    expectMatches(oe, c.evalOutput!.tensor, "\(name): eval output", sourceLocation: sourceLocation)
    (oe * c.probe.tensor).sum().backward()
    expectMatches(
        xe.grad ?? Tensor.zeros(xe.shape), c.evalInputGrad!.tensor, "\(name): eval input gradient",
        sourceLocation: sourceLocation)
    for (key, p) in module.namedParameters() {
        guard let expected = c.evalGrads?[key] else { continue }
        expectMatches(
            p.grad ?? Tensor.zeros(p.shape), expected.tensor, "\(name): eval gradient of \(key)",
            sourceLocation: sourceLocation)
    }
}

/// Checks the gradients of `sum(module(input) · probe)` (random probe) with respect to the input and to every
/// parameter of `module` against central finite differences, perturbing the parameters in place. At most
/// `maxPerTensor` evenly spread elements of each tensor are checked.
func expectModuleGradientsMatchFiniteDifferences(
    _ module: Module, input: Tensor, eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, maxPerTensor: Int = 24,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    let probe = withNoGrad { RandomGenerator(seed: 99).normal(module(input).shape) }
    module.zeroGrad()
    let x = input.clone().requiringGrad()
    (module(x) * probe).sum().backward()
    func loss(_ xin: Tensor) -> Double { withNoGrad { Double((module(xin) * probe).sum().item) } }
    func check(_ name: String, _ analytic: Tensor, count: Int, perturb: (Int, Float) -> Void, input xin: () -> Tensor) {
        let step = Swift.max(1, count / maxPerTensor)
        for i in stride(from: 0, to: count, by: step) {
            perturb(i, eps)
            let fp = loss(xin())
            perturb(i, -2 * eps)
            let fm = loss(xin())
            perturb(i, eps)
            let numeric = Float((fp - fm) / (2 * Double(eps)))
            let a = analytic.scalars[i]
            #expect(
                Swift.abs(a - numeric) <= atol + rtol * Swift.abs(numeric),
                "\(what): \(name)[\(i)]: autodiff \(a) vs finite difference \(numeric)", sourceLocation: sourceLocation)
        }
    }
    var xs = input.clone()
    check(
        "input", x.grad!, count: input.count, perturb: { i, d in xs.withUnsafeMutableBufferPointer { $0[i] += d } },
        input: { xs })
    for (key, p) in module.namedParameters() {
        check(
            key, p.grad ?? Tensor.zeros(p.shape), count: p.count,
            perturb: { i, d in p.withSharedStorage { $0[i] += d } }, input: { input })
    }
}

/// `sum(y · probe)` for a fixed probe from `seed`: a scalar whose gradient is `probe` propagated back.
func probeLoss(_ y: Tensor, seed: UInt64 = 7) -> Tensor {
    (y * withNoGrad { RandomGenerator(seed: seed).normal(y.shape) }).sum()
}
