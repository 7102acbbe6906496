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

    /// In bf16 (``Backend/precision``) the chain's convolutions read bfloat16 operands (float32 accumulation): the
    /// output stays within 1% and the parameter gradients within 6% (relative root-mean-square error; the weight
    /// gradients sum products of two rounded operands over few images) of the float32 layers, and differs from them
    /// where the CPU has bf16 (the bf16 primitives ran); a chain of ``BasicBlock``s too. (The im2col path in bf16,
    /// `DESCENT_CONVOLUTION=gemm`, errs more on the same stack: up to 11% on a weight gradient; the test is the
    /// blocked path's and is skipped under that setting.)
    @Test(arguments: [1, 4])
    func bf16AgreesWithFloat32(_ kind: Int) throws {
        guard ConvolutionChoice.primitivesAvailable, ConvolutionChoice.configured != .fixed(.gemm),
            ConvolutionChoice.configured != .fixed(.onednn)
        else { return }
        let g = RandomGenerator(seed: 13)
        let make = { () -> Sequential in
            kind == 4
                ? Sequential(
                    BasicBlock(16, 32, stride: 2, generator: RandomGenerator(seed: 14)),
                    BasicBlock(32, 32, generator: RandomGenerator(seed: 15)))
                : Self.model(kind)
        }
        let low = make(), reference = make()
        let x = g.normal(kind == 4 ? [4, 16, 8, 8] : [4, 1, 12, 12])
        let probe = g.normal(try reference.outputShape(for: x.shape))
        let saved = Backend.precision
        Backend.precision = .bf16
        let y = low(x)
        (y * probe).sum().backward()
        Backend.precision = saved
        let yRef = reference.layers.reduce(x) { y, layer in layer(y) }
        (yRef * probe).sum().backward()
        var tensors = [("output", y, yRef)]
        for (i, (u, v)) in zip(low.parameters(), reference.parameters()).enumerated() {
            tensors.append(("gradient of parameter \(i)", u.grad!, v.grad!))
        }
        // Relative root-mean-square errors: a pooling window whose maximum moves under the rounding moves its
        // gradient, which a largest-difference measure would count in full. A gradient that is zero in exact
        // arithmetic (a convolution's bias before a batch norm) is measured against a tenth of the largest one.
        func norm(_ t: Tensor) -> Float { t.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let largest = tensors.dropFirst().map { norm($0.2) }.max() ?? 0
        for (i, (what, a, b)) in tensors.enumerated() {
            let scale = i == 0 ? norm(b) : Swift.max(norm(b), largest / 10)
            let error = norm(a - b) / scale
            #expect(error < (i == 0 ? 1e-2 : 6e-2), "kind \(kind): \(what)")
        }
        if Backend.supportsBF16 { #expect(y.scalars != yRef.scalars, "kind \(kind): bf16 ran") }
    }
}
