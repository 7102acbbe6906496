import Testing

@testable import Descent

/// Linear against PyTorch (relative tolerance 1e-4) and finite differences.
@Suite struct LinearTests {
    @Test func matchesPyTorch() throws {
        try expectMatchesPyTorch("linear", Linear(5, 3))
        try expectMatchesPyTorch("linear_nobias_3d", Linear(5, 3, bias: false))
        try expectMatchesPyTorch("linear_1d", Linear(4, 2))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 1)
        let x = g.normal([3, 4]), w = g.normal([2, 4]), b = g.normal([2])
        expectGradientsMatchFiniteDifferences([x, w, b], "linear") { t in
            probeLoss(t[0].linear(weight: t[1], bias: t[2]))
        }
        let x3 = g.normal([2, 2, 3])
        expectGradientsMatchFiniteDifferences([x3, g.normal([3, 3])], "linear 3-D, no bias") { t in
            probeLoss(t[0].linear(weight: t[1]))
        }
        expectModuleGradientsMatchFiniteDifferences(
            Linear(3, 2, generator: g), input: g.normal([4, 3]), "Linear module")
    }

    @Test func defaultInitialisationIsPyTorchs() {
        let layer = Linear(100, 30, generator: RandomGenerator(seed: 3))
        let bound: Float = 0.1  // 1/√100 for both weight and bias
        #expect(layer.weight.shape == [30, 100] && layer.bias?.shape == [30])
        #expect(layer.weight.scalars.allSatisfy { Swift.abs($0) <= bound })
        #expect(layer.bias!.scalars.allSatisfy { Swift.abs($0) <= bound })
        let std = layer.weight.standardDeviation().item
        #expect(Swift.abs(std - bound / Float(3).squareRoot()) < 0.005)
        #expect(layer.weight.requiresGrad && layer.weight.isLeaf && layer.bias!.requiresGrad)
        #expect(Linear(2, 2, bias: false).bias == nil)
    }

    @Test func rejectsWrongInputShape() throws {
        let layer = Linear(128, 10)
        #expect(throws: DescentError(.shape, "Linear", "expects input [*, 128] (in_features = 128), got [32, 64]")) {
            try layer.outputShape(for: [32, 64])
        }
        #expect(try layer.outputShape(for: [5, 7, 128]) == [5, 7, 10])
    }
}
