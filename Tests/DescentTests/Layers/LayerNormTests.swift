import Testing

@testable import Descent

/// LayerNorm against PyTorch (relative tolerance 1e-4) and finite differences.
@Suite struct LayerNormTests {
    @Test func matchesPyTorch() throws {
        try expectMatchesPyTorch("layernorm", LayerNorm([4, 5]))
        try expectMatchesPyTorch("layernorm_noaffine", LayerNorm(6, eps: 1e-3, elementwiseAffine: false))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 10)
        let x = g.normal([3, 2, 4]), w = g.normal([2, 4], mean: 1, std: 0.3), b = g.normal([2, 4])
        expectGradientsMatchFiniteDifferences([x, w, b], eps: 3e-3, "layerNorm") { t in
            probeLoss(t[0].layerNorm(normalizedShape: [2, 4], weight: t[1], bias: t[2]))
        }
        expectGradientsMatchFiniteDifferences([g.normal([2, 5])], eps: 3e-3, "layerNorm without affine") { t in
            probeLoss(t[0].layerNorm(normalizedShape: [5]))
        }
    }

    @Test func stateAndShapes() throws {
        let ln = LayerNorm([4, 5])
        #expect(ln.stateEntries().map(\.key) == ["weight", "bias"])
        #expect(LayerNorm(3, elementwiseAffine: false).stateEntries().isEmpty)
        #expect(try ln.outputShape(for: [2, 4, 5]) == [2, 4, 5])
        #expect(throws: DescentError.self) { try ln.outputShape(for: [2, 5, 4]) }
    }
}
