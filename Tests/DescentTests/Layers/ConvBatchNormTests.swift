import Testing

@testable import Descent

/// ``Conv2d/forward(_:batchNorm:epilogue:)`` (the convolution, batch norm and epilogue as one operation) gives bit for
/// bit the outputs, gradients and running statistics of the layers called in turn over two training steps (with
/// pooling, the gradients within 5e-5 of their scale: the batch norm's sums run over the pooled windows); falls back to them where
/// it does not fuse; and ``FusionPlan`` runs `Conv2d, BatchNorm2d[, ReLU[, MaxPool2d]]` through it.
@Suite struct ConvBatchNormTests {
    /// (in channels, out channels, side, stride, groups, conv bias, affine, momentum, epilogue).
    typealias Case = (Int, Int, Int, Int, Int, Bool, Bool, Float?, Epilogue)

    /// The output, the input gradient, the parameters' gradients, and the running statistics after the call.
    func run(_ conv: Conv2d, _ bn: BatchNorm2d, _ x: Tensor, probe: Tensor?, _ f: (Tensor) -> Tensor)
        -> (Tensor, Tensor, [Tensor], [Tensor])
    {
        conv.zeroGrad()
        bn.zeroGrad()
        let leaf = x.clone().requiringGrad()
        let y = f(leaf)
        (y * (probe ?? Tensor.ones(y.shape))).sum().backward()
        let grads = (conv.parameters() + bn.parameters()).map { $0.grad ?? Tensor.zeros($0.shape) }
        let stats = [bn.runningMean, bn.runningVar, bn.numBatchesTracked].compactMap { $0?.clone() }
        return (y, leaf.grad!, grads, stats)
    }

    @Test(
        arguments: [
            (3, 8, 9, 1, 1, true, true, 0.1, .none), (3, 8, 9, 1, 1, false, true, 0.1, .relu),
            (4, 8, 10, 2, 2, false, true, nil, .relu), (2, 6, 8, 1, 1, true, true, 0.1, .reluMaxPool2x2),
            (3, 4, 7, 1, 1, true, false, 0.3, .reluMaxPool2x2), (16, 32, 16, 1, 1, false, true, 0.1, .relu),
            (8, 16, 12, 1, 1, true, true, 0.1, .reluMaxPool2x2),
        ] as [Case])
    func fusedEqualsTheLayersInTurn(_ c: Case) {
        let g = RandomGenerator(seed: 3)
        func make() -> (Conv2d, BatchNorm2d) {
            let gen = RandomGenerator(seed: 4)
            let conv = Conv2d(
                c.0, c.1, kernelSize: 3, stride: Size2D(c.3), padding: 1, groups: c.4, bias: c.5, generator: gen)
            let bn = BatchNorm2d(c.1, momentum: c.7, affine: c.6)
            if let w = bn.weight { w.assignInPlace(gen.uniform([c.1], low: 0.5, high: 1.5)) }
            if let b = bn.bias { b.assignInPlace(gen.normal([c.1])) }
            return (conv, bn)
        }
        let (convF, bnF) = make(), (convP, bnP) = make()
        let plain: (Tensor) -> Tensor = { c.8.apply(to: bnP(convP($0))) }
        for step in 0..<2 {
            let x = g.normal([3, c.0, c.2, c.2])
            var shape = try! convP.outputShape(for: x.shape)
            if c.8 == .reluMaxPool2x2 { shape = [shape[0], shape[1], shape[2] / 2, shape[3] / 2] }
            let probe = g.normal(shape)
            let (yf, gxf, gpf, sf) = run(convF, bnF, x, probe: probe) {
                convF.forward($0, batchNorm: bnF, epilogue: c.8)
            }
            let (yp, gxp, gpp, sp) = run(convP, bnP, x, probe: probe, plain)
            let what = "\(c) step \(step)"
            #expect(yf.shape == yp.shape && yf.scalars == yp.scalars, "\(what): output")
            #expect(gpf.count == gpp.count)
            if c.8 == .reluMaxPool2x2 {
                // The batch norm's gradient sums are taken over the pooled windows, in another order.
                expectNear(gxf, gxp, "\(what): input gradient")
                for (i, (a, b)) in zip(gpf, gpp).enumerated() { expectNear(a, b, "\(what): parameter \(i)") }
            } else {
                #expect(gxf.scalars == gxp.scalars, "\(what): input gradient")
                for (i, (a, b)) in zip(gpf, gpp).enumerated() {
                    #expect(a.scalars == b.scalars, "\(what): parameter \(i)")
                }
            }
            for (i, (a, b)) in zip(sf, sp).enumerated() { #expect(a.scalars == b.scalars, "\(what): statistic \(i)") }
        }
        // Eval mode and no-gradient calls take the layers in turn.
        bnF.eval()
        bnP.eval()
        let x = g.normal([2, c.0, c.2, c.2])
        #expect(convF.forward(x, batchNorm: bnF, epilogue: c.8).scalars == plain(x).scalars)
    }

    /// `max |a − b| ≤ 5e-5 · max(1, max |b|)`: equal up to rounding, measured against the tensor's scale (a bias
    /// behind a batch norm has a gradient of rounding noise around 0, so element-wise relative errors say nothing).
    func expectNear(_ a: Tensor, _ b: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let scale = max(1, b.scalars.map(abs).max() ?? 0)
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(
            a.shape == b.shape && worst <= 5e-5 * scale, "\(what): \(worst) at scale \(scale)",
            sourceLocation: sourceLocation)
    }

    @Test(arguments: [(8, 8, 10, 1, true), (4, 8, 9, 2, false), (16, 16, 16, 1, true)])
    func residualEndOfBlockEqualsTheLayersInTurn(_ c: (Int, Int, Int, Int, Bool)) {
        let g = RandomGenerator(seed: 13)
        func make() -> (Conv2d, BatchNorm2d) {
            let gen = RandomGenerator(seed: 14)
            let conv = Conv2d(c.0, c.1, kernelSize: 3, stride: Size2D(c.3), padding: 1, bias: c.4, generator: gen)
            let bn = BatchNorm2d(c.1)
            bn.weight!.assignInPlace(gen.uniform([c.1], low: 0.5, high: 1.5))
            bn.bias!.assignInPlace(gen.normal([c.1]))
            return (conv, bn)
        }
        let (convF, bnF) = make(), (convP, bnP) = make()
        for step in 0..<2 {
            let x = g.normal([3, c.0, c.2, c.2])
            let shape = try! convP.outputShape(for: x.shape)
            let r = g.normal(shape), probe = g.normal(shape)
            let rf = r.clone().requiringGrad(), rp = r.clone().requiringGrad()
            let (yf, gxf, gpf, sf) = run(convF, bnF, x, probe: probe) {
                convF.forward($0, batchNorm: bnF, residual: rf)
            }
            let (yp, gxp, gpp, sp) = run(convP, bnP, x, probe: probe) { Tensor.addReLU(bnP(convP($0)), rp) }
            let what = "\(c) step \(step)"
            #expect(yf.scalars == yp.scalars, "\(what): output")
            #expect(gxf.scalars == gxp.scalars, "\(what): input gradient")
            #expect(rf.grad!.scalars == rp.grad!.scalars, "\(what): residual gradient")
            for (i, (a, b)) in zip(gpf, gpp).enumerated() { #expect(a.scalars == b.scalars, "\(what): parameter \(i)") }
            for (i, (a, b)) in zip(sf, sp).enumerated() { #expect(a.scalars == b.scalars, "\(what): statistic \(i)") }
        }
    }

    @Test func sequentialRunsConvolutionBatchNormAndEpilogueAsOneCall() {
        func make() -> Sequential {
            let g = RandomGenerator(seed: 5)
            return Sequential(
                Conv2d(1, 8, kernelSize: 3, padding: 1, generator: g), BatchNorm2d(8), ReLU(), MaxPool2d(kernelSize: 2),
                Flatten(), Linear(8 * 16, 4, generator: g))
        }
        let model = make(), plain = make()
        #expect(model.fusionPlan.steps.map(\.layers) == [0..<4, 4..<5, 5..<6])
        #expect(model.fusionPlan.steps.map(\.epilogue) == [.reluMaxPool2x2, .none, .none])
        let x = RandomGenerator(seed: 9).normal([4, 1, 8, 8])
        #expect(model(x).scalars == plain.layers.reduce(x) { y, layer in layer(y) }.scalars)
    }

    /// Consecutive convolution units (here the W3 CNN's two) run as one chain (``ConvChainUnit``), with the layers'
    /// values up to the order of the sums.
    @Test func sequentialChainsConsecutiveConvolutionUnits() {
        RandomGenerator.manualSeed(0)
        let model = Models.cnn(batchNorm: true, dropout: true)
        #expect(model.fusionPlan.steps.map(\.layers) == [0..<8, 8..<9, 9..<11, 11..<12, 12..<13])
        #expect(model.fusionPlan.steps.map(\.epilogue) == [.none, .none, .relu, .none, .none])
        RandomGenerator.manualSeed(0)
        let plain = Models.cnn(batchNorm: true, dropout: true)
        let x = RandomGenerator(seed: 9).normal([4, 1, 28, 28])
        RandomGenerator.manualSeed(1)
        let yf = model(x)
        RandomGenerator.manualSeed(1)
        let yp = plain.layers.reduce(x) { y, layer in layer(y) }
        expectNear(yf, yp, "output")
    }
}
