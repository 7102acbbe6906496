import Testing

@testable import Descent

/// PyTorch's `torch.nn.init` rules: bounds and standard deviations, fans and gains, determinism.
@Suite struct InitializerTests {
    @Test func fansAndGains() {
        #expect(Initializer.fans([30, 20]) == (20, 30))
        #expect(Initializer.fans([16, 3, 5, 5]) == (75, 400))
        #expect(Nonlinearity.relu.gain() == Float(2).squareRoot())
        #expect(Nonlinearity.tanh.gain() == 5.0 / 3)
        #expect(Nonlinearity.linear.gain() == 1 && Nonlinearity.sigmoid.gain() == 1 && Nonlinearity.selu.gain() == 0.75)
        #expect(Swift.abs(Nonlinearity.leakyRelu.gain(param: Float(5).squareRoot()) - (1.0 / 3).squareRoot()) < 1e-7)
        #expect(Swift.abs(Nonlinearity.leakyRelu.gain() - (2 / 1.0001 as Float).squareRoot()) < 1e-7)
    }

    @Test func boundsAndSpreads() {
        let g = RandomGenerator(seed: 21)
        let shape = [200, 300]  // fan_in 300, fan_out 200
        func std(_ t: Tensor) -> Float { t.standardDeviation().item }
        let ku = Initializer.kaimingUniform().tensor(shape, generator: g)  // bound √6/√300
        let kuBound = (6 / Float(300)).squareRoot()
        #expect(ku.scalars.allSatisfy { Swift.abs($0) <= kuBound })
        #expect(Swift.abs(std(ku) - (2 / Float(300)).squareRoot()) < 2e-3)
        let kn = Initializer.kaimingNormal(mode: .fanOut, nonlinearity: .relu).tensor(shape, generator: g)
        #expect(Swift.abs(std(kn) - (2 / Float(200)).squareRoot()) < 2e-3)
        let xu = Initializer.xavierUniform(gain: 2).tensor(shape, generator: g)
        let xuBound = 2 * (6 / Float(500)).squareRoot()
        #expect(xu.scalars.allSatisfy { Swift.abs($0) <= xuBound })
        let xn = Initializer.xavierNormal().tensor(shape, generator: g)
        #expect(Swift.abs(std(xn) - (2 / Float(500)).squareRoot()) < 2e-3)
        let pd = Initializer.pytorchDefaultWeight.tensor(shape, generator: g)
        #expect(pd.scalars.allSatisfy { Swift.abs($0) <= 1 / Float(300).squareRoot() })
        #expect(Initializer.constant(0.5).tensor([3]).scalars == [0.5, 0.5, 0.5])
        #expect(Initializer.zeros.tensor([2]).scalars == [0, 0] && Initializer.ones.tensor([2]).scalars == [1, 1])
        let n = Initializer.normal(mean: 3, std: 0.5).tensor([20_000], generator: g)
        #expect(Swift.abs(n.mean().item - 3) < 0.02 && Swift.abs(std(n) - 0.5) < 0.02)
        #expect(Initializer.pytorchDefaultBias(fanIn: 0).tensor([2], generator: g).scalars == [0, 0])
    }

    @Test func seededAndInPlace() {
        let a = Initializer.kaimingUniform().tensor([4, 4], generator: RandomGenerator(seed: 7))
        let b = Initializer.kaimingUniform().tensor([4, 4], generator: RandomGenerator(seed: 7))
        #expect(a.isBitwiseEqual(b))
        let layer = Linear(4, 4)
        let held = layer.parameters()[0]
        Initializer.xavierUniform().fill(layer.weight, generator: RandomGenerator(seed: 8))
        #expect(held.isBitwiseEqual(Initializer.xavierUniform().tensor([4, 4], generator: RandomGenerator(seed: 8))))
        #expect(held.requiresGrad)
        let l1 = Linear(8, 8, generator: RandomGenerator(seed: 9)),
            l2 = Linear(8, 8, generator: RandomGenerator(seed: 9))
        #expect(l1.weight.isBitwiseEqual(l2.weight) && l1.bias!.isBitwiseEqual(l2.bias!))
    }
}
