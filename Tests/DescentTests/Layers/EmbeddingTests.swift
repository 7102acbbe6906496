import Foundation
import Testing

@testable import Descent

@Suite("Embedding against PyTorch (forward rtol 1e-4, gradients rtol 1e-3)")
struct EmbeddingTests {
    @Test(arguments: ["plain", "padding", "padding_negative", "max_norm", "padding_max_norm"])
    func matchesPyTorch(_ name: String) throws {
        let c = try #require(try RecurrentFixtures.shared.get().embeddings[name])
        let layer = Embedding(c.numEmbeddings, c.embeddingDim, paddingIndex: c.paddingIndex, maxNorm: c.maxNorm)
        #expect(layer.stateEntries().map(\.key) == c.state.keys)
        try layer.load(stateDict: c.state.stateDict)
        let out = layer(Tensor(c.indices.map(Float.init), shape: c.shape))
        RecurrentTolerance.expect(out, c.output.tensor, rtol: RecurrentTolerance.forward, "\(name): output")
        RecurrentTolerance.expect(
            layer.weight, c.weightAfter.tensor, rtol: RecurrentTolerance.forward, "\(name): weight after max_norm")
        (out * c.probe.tensor).sum().backward()
        RecurrentTolerance.expect(
            layer.weight.grad!, c.grad.tensor, rtol: RecurrentTolerance.gradient, "\(name): weight gradient")
        if let p = layer.paddingIndex {
            let row = layer.weight.grad!.slice(axis: 0, p..<(p + 1))
            #expect(row.scalars.allSatisfy { $0 == 0 }, "\(name): the padding row gets no gradient")
        }
    }

    @Test func paddingRowStartsAtZeroAndWeightsAreStandardNormal() throws {
        let layer = Embedding(500, 40, paddingIndex: -2, generator: RandomGenerator(seed: 5))
        #expect(layer.paddingIndex == 498)
        #expect(layer.weight.slice(axis: 0, 498..<499).scalars.allSatisfy { $0 == 0 })
        let values = layer.weight.scalars
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)
        #expect(Swift.abs(mean) < 0.02 && Swift.abs(variance - 1) < 0.03)
        #expect(try layer.outputShape(for: [3, 4]) == [3, 4, 40])
        #expect(layer.description == "Embedding(500, 40, padding_idx=498)")
    }

    @Test func embeddingGradientMatchesFiniteDifferences() {
        let probe = RandomGenerator(seed: 4).normal([2, 3, 2])
        expectGradientsMatchFiniteDifferences([RandomGenerator(seed: 3).normal([5, 2])], "embedding") { t in
            (Tensor.embedding([4, 1, 4, 0, 3, 1], shape: [2, 3], weight: t[0]) * probe).sum()
        }
    }

    @Test func gradientSumsEachRowsPositionsInOrder() {
        let rows = 7, dim = 256, count = 400
        let gen = RandomGenerator(seed: 12)
        let indices = (0..<count).map { _ in gen.integer(in: 0..<rows) }
        let probe = gen.normal([count, dim])
        let weight = gen.normal([rows, dim]).requiringGrad()
        (Tensor.embedding(indices, shape: [count], weight: weight, paddingIndex: 3) * probe).sum().backward()
        var expected = [Float](repeating: 0, count: rows * dim)
        let g = probe.scalars
        for (p, k) in indices.enumerated() where k != 3 {
            for j in 0..<dim { expected[k * dim + j] += g[p * dim + j] }
        }
        let grad = weight.grad?.scalars ?? []
        #expect(grad.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func indexListAndTensorFormsAgree() {
        let layer = Embedding(6, 3, generator: RandomGenerator(seed: 9))
        let a = layer.forward(indices: [5, 0, 5, 2], shape: [2, 2])
        let b = layer(Tensor([5, 0, 5, 2], shape: [2, 2]))
        #expect(a == b && a.shape == [2, 2, 3])
        #expect(a.slice(axis: 0, 0..<1).slice(axis: 1, 0..<1).scalars == layer.weight.slice(axis: 0, 5..<6).scalars)
    }
}
