import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// `Fixtures/gan.json`, written by `Tests/Fixtures/generate_gan.py` (PyTorch's DCGAN step with logits).
private struct GANFixture: Decodable {
    struct Tensor_: Decodable {
        let shape: [Int]
        let data: [Float]
        var tensor: Tensor { Tensor(data, shape: shape) }
    }
    struct State: Decodable {
        let keys: [String]
        let tensors: [String: Tensor_]
        var stateDict: [(String, Tensor)] { keys.map { ($0, tensors[$0]!.tensor) } }
    }
    struct Sizes: Decodable {
        let latent, classes, features, channels, side, batch: Int
        let batchNorm: Bool
    }
    struct Case: Decodable {
        let sizes: Sizes
        let generator, discriminator: State
        let real, noise, fake, realLogits, fakeLogits, generatorLogits: Tensor_
        let labels, fakeLabels: [Int]
        let lossDReal, lossDFake, lossD, lossG, dReal, dFake, dFakeAfter: Double
        let gradsD, gradsG, discriminatorAfter, generatorAfter: [String: Tensor_]
    }
    let cases: [String: Case]

    static func load() throws -> GANFixture {
        try JSONDecoder().decode(GANFixture.self, from: Data(contentsOf: ConfigFiles.fixture("gan.json")))
    }
}

/// The largest `|a − b| / max(|b|, floor)`.
private func relativeError(_ a: Tensor, _ b: Tensor, floor: Float) -> Float {
    #expect(a.shape == b.shape)
    return zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) / Swift.max(Swift.abs($1), floor) }.max() ?? 0
}

/// The pair built with the fixture's sizes and weights.
private func makePair(_ c: GANFixture.Case) throws -> (DCGANGenerator, DCGANDiscriminator) {
    let s = c.sizes
    let g = DCGANGenerator(
        latent: s.latent, classes: s.classes, features: s.features, channels: s.channels, side: s.side)
    let d = DCGANDiscriminator(
        classes: s.classes, features: s.features, channels: s.channels, side: s.side, batchNorm: s.batchNorm)
    let rg = try g.load(stateDict: c.generator.stateDict)
    let rd = try d.load(stateDict: c.discriminator.stateDict)
    #expect(rg.missingKeys.isEmpty && rg.unexpectedKeys.isEmpty && rd.missingKeys.isEmpty && rd.unexpectedKeys.isEmpty)
    return (g, d)
}

@Suite struct GANStepTests {
    @Test(arguments: ["conditional", "unconditional_no_bn"])
    func forwardPassesMatchPyTorch(_ name: String) throws {
        let c = try #require(try GANFixture.load().cases[name])
        let (g, d) = try makePair(c)
        let fake = g(noise: c.noise.tensor, labels: c.fakeLabels)
        #expect(relativeError(fake, c.fake.tensor, floor: 1e-3) < 1e-4)
        #expect(relativeError(d(c.real.tensor, labels: c.labels), c.realLogits.tensor, floor: 1e-3) < 1e-4)
        #expect(relativeError(d(fake, labels: c.fakeLabels), c.fakeLogits.tensor, floor: 1e-3) < 1e-4)
    }

    @Test(arguments: ["conditional", "unconditional_no_bn"])
    func oneTrainingStepMatchesPyTorch(_ name: String) throws {
        let c = try #require(try GANFixture.load().cases[name])
        let (g, d) = try makePair(c)
        let before = (
            g: Dictionary(uniqueKeysWithValues: g.stateDict()), d: Dictionary(uniqueKeysWithValues: d.stateDict())
        )
        let step = GANStep(
            generator: g, discriminator: d, generatorOptimizer: Adam(g.parameters(), lr: 2e-4, betas: (0.5, 0.999)),
            discriminatorOptimizer: Adam(d.parameters(), lr: 2e-4, betas: (0.5, 0.999)),
            noise: RandomGenerator(seed: 0))
        var grads: [ObjectIdentifier: [(String, Tensor)]] = [:]
        let outcome = try #require(
            try step.update(real: c.real.tensor, labels: c.labels, noise: c.noise.tensor, fakeLabels: c.fakeLabels) {
                model, _ in
                grads[ObjectIdentifier(model)] = model.namedParameters().map { ($0.0, $0.1.grad!.clone()) }
                return true
            })
        // The losses and D's outputs, in float32 against PyTorch's float64.
        #expect(Swift.abs(outcome.lossDReal - c.lossDReal) <= 1e-5 * c.lossDReal)
        #expect(Swift.abs(outcome.lossDFake - c.lossDFake) <= 1e-5 * c.lossDFake)
        #expect(Swift.abs(outcome.lossD - c.lossD) <= 1e-5 * c.lossD)
        #expect(Swift.abs(outcome.lossG - c.lossG) <= 1e-5 * c.lossG)
        #expect(Swift.abs(outcome.dReal - c.dReal) <= 1e-6)
        #expect(Swift.abs(outcome.dFake - c.dFake) <= 1e-6)
        #expect(Swift.abs(outcome.dFakeAfter - c.dFakeAfter) <= 1e-6)
        // Gradients of L_D (D's parameters) and of L_G (G's parameters), relative to each tensor's largest value.
        for (model, expected) in [(d as Module, c.gradsD), (g as Module, c.gradsG)] {
            let got = try #require(grads[ObjectIdentifier(model)])
            #expect(got.map(\.0).sorted() == expected.keys.sorted())
            for (key, grad) in got {
                let e = expected[key]!.tensor
                let scale = e.scalars.map { Swift.abs($0) }.max()!
                #expect(relativeError(grad, e, floor: scale * 1e-2) < 2e-4, "\(name) grad \(key)")
            }
        }
        // The states after both Adam steps: parameters through their change (lr·m̂/(√v̂ + ε), about 2e-4 each),
        // within 1e-3 of the learning rate plus 8 float32 ulps of the parameter (the change is taken from a
        // float32 value); running statistics directly.
        for (model, old, expected) in [
            (d as Module, before.d, c.discriminatorAfter), (g as Module, before.g, c.generatorAfter),
        ] {
            let parameters = Set(model.namedParameters().map(\.0))
            for (key, value) in model.stateDict() {
                let e = expected[key]!.tensor
                if parameters.contains(key) {
                    let delta = (value - old[key]!).scalars, expectedDelta = (e - old[key]!).scalars
                    let worst = zip(delta, expectedDelta).map { Swift.abs($0 - $1) }.max()!
                    let largest = old[key]!.scalars.map { Swift.abs($0) }.max()!
                    #expect(worst <= 2e-4 * 1e-3 + 8 * largest.ulp, "\(name) \(key): the Adam step differs by \(worst)")
                    #expect(expectedDelta.contains { Swift.abs($0) > 1e-4 }, "\(name) \(key): the step moved nothing")
                } else {
                    #expect(relativeError(value, e, floor: 1e-3) < 1e-4, "\(name) buffer \(key)")
                }
            }
        }
    }
}
