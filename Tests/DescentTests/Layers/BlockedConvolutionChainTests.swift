import Testing

@testable import Descent

/// Consecutive convolution units in a ``Sequential`` (``ConvChainUnit``: `Conv2d[, BatchNorm2d][, ReLU[,
/// MaxPool2d]]`) run in oneDNN's nChw16c layout with the outputs, gradients and running statistics of the layers
/// called in turn, within 1e-4 of each tensor's scale, over two training steps and in eval mode; bit for bit the same
/// from run to run.
@Suite struct BlockedConvolutionChainTests {
    /// The stacks: a W2-like one (bias, ReLU, pooling), a W3-like one (batch norms; kind 3 also, with odd sizes and
    /// negative batch-norm scales), and one mixing units without pooling, a unit without ReLU and a bias-free
    /// convolution.
    static func stack(_ kind: Int) -> [Module] {
        let g = RandomGenerator(seed: 11)
        switch kind {
        case 0:
            return [
                Conv2d(1, 16, kernelSize: 3, padding: 1, generator: g), ReLU(), MaxPool2d(kernelSize: 2),
                Conv2d(16, 32, kernelSize: 3, padding: 1, generator: g), ReLU(), MaxPool2d(kernelSize: 2),
            ]
        case 1, 3:
            return [
                Conv2d(1, 16, kernelSize: 3, padding: 1, generator: g), BatchNorm2d(16), ReLU(),
                MaxPool2d(kernelSize: 2),
                Conv2d(16, 32, kernelSize: 3, padding: 1, generator: g), BatchNorm2d(32), ReLU(),
                MaxPool2d(kernelSize: 2),
            ]
        default:
            return [
                Conv2d(3, 16, kernelSize: 3, padding: 1, bias: false, generator: g), BatchNorm2d(16), ReLU(),
                Conv2d(16, 16, kernelSize: 3, stride: 2, padding: 1, generator: g), ReLU(),
                Conv2d(16, 32, kernelSize: 1, generator: g), BatchNorm2d(32),
            ]
        }
    }

    /// The stack as a Sequential, its batch norms' affine parameters away from their defaults (the scales of
    /// kind 3 of both signs).
    static func model(_ kind: Int) -> Sequential {
        let model = Sequential(stack(kind))
        let gen = RandomGenerator(seed: 12)
        for case let bn as BatchNorm2d in model.layers {
            bn.weight!.assignInPlace(gen.uniform([bn.numFeatures], low: kind == 3 ? -1.5 : 0.5, high: 1.5))
            bn.bias!.assignInPlace(gen.normal([bn.numFeatures]))
        }
        return model
    }

    @Test(arguments: [0, 1, 2, 3])
    func chainEqualsTheLayersInTurn(_ kind: Int) throws {
        let chained = Self.model(kind), plain = Self.model(kind)
        #expect(chained.fusionPlan.steps.count == 1)
        let channels = kind == 2 ? 3 : 1, size = kind == 3 ? 15 : 12
        let g = RandomGenerator(seed: 3)
        let near = BlockedResidualBlockTests()
        for step in 0..<2 {
            let x = g.normal([3, channels, size, size])
            let probe = g.normal(try plain.outputShape(for: x.shape))
            chained.zeroGrad()
            plain.zeroGrad()
            // Step 0 asks for the input's gradient (the first unit then runs on the layer path, the next ones reorder
            // its NCHW output into nChw16c); step 1 does not, as with a network's input (every unit blocked).
            let a = step == 0 ? x.clone().requiringGrad() : x, b = step == 0 ? x.clone().requiringGrad() : x
            let ya = chained(a), yb = plain.layers.reduce(b) { y, layer in layer(y) }
            (ya * probe).sum().backward()
            (yb * probe).sum().backward()
            let what = "stack \(kind) step \(step)"
            near.expectNear(ya, yb, "\(what): output")
            if step == 0 { near.expectNear(a.grad!, b.grad!, "\(what): input gradient") }
            for (i, (u, v)) in zip(chained.parameters(), plain.parameters()).enumerated() {
                near.expectNear(u.grad!, v.grad!, "\(what): parameter \(i)")
            }
            for (i, (u, v)) in zip(chained.namedBuffers(), plain.namedBuffers()).enumerated() {
                near.expectNear(u.1, v.1, "\(what): buffer \(i)")
            }
        }
        // Eval mode without gradients takes the chain too (running statistics); with gradients, the layers.
        _ = chained.eval()
        _ = plain.eval()
        let x = g.normal([2, channels, size, size])
        let reference = withNoGrad { plain.layers.reduce(x) { y, layer in layer(y) } }
        near.expectNear(withNoGrad { chained(x) }, reference, "stack \(kind): eval output")
        near.expectNear(chained(x), reference, "stack \(kind): eval output with gradients")
    }

    @Test func chainIsDeterministicAndAppliesWhereItShould() {
        let a = Self.model(1), b = Self.model(1)
        let x = RandomGenerator(seed: 4).normal([2, 1, 12, 12])
        let ya = a(x), yb = b(x)
        #expect(ya.scalars == yb.scalars)
        let blocked = ConvolutionChoice.primitivesAvailable && ConvolutionChoice.configured != .fixed(.gemm)
        let unit = ConvChainUnit(conv: a.layers[0] as! Conv2d, batchNorm: a.layers[1] as? BatchNorm2d, epilogue: .relu)
        let parts = BlockedConvParts(unit: unit, input: x)
        #expect((parts != nil) == blocked)
        #expect(parts?.reordersInput != true)
        // An NCHW input whose gradient is needed, with channels a multiple of 16: reordered into nChw16c.
        let second = ConvChainUnit(
            conv: a.layers[4] as! Conv2d, batchNorm: a.layers[5] as? BatchNorm2d, epilogue: .reluMaxPool2x2)
        let reordered = BlockedConvParts(
            unit: second, input: RandomGenerator(seed: 5).normal([2, 16, 6, 6]).requiringGrad())
        #expect((reordered != nil) == blocked)
        #expect(reordered?.reordersInput ?? blocked == blocked)
        // Output channels that are not a multiple of 16: the layer path.
        let odd = ConvChainUnit(conv: Conv2d(1, 8, kernelSize: 3, padding: 1), batchNorm: nil, epilogue: .relu)
        #expect(BlockedConvParts(unit: odd, input: x) == nil)
    }
}
