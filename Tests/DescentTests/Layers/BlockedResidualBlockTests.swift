import Testing

@testable import Descent

/// ``BasicBlock/blockedForward(_:)`` (the block in oneDNN's nChw16c layout, one operation) gives the outputs,
/// gradients and running statistics of the layers called in turn over two training steps, within 1e-4 of each
/// tensor's scale (oneDNN's convolutions and batch norms sum in another order); and does not apply where it should
/// not.
@Suite struct BlockedResidualBlockTests {
    /// (in channels, out channels, side, stride, batch).
    typealias Case = (Int, Int, Int, Int, Int)

    /// The block's output, the input gradient, the parameters' gradients and the buffers after the call.
    func run(_ block: BasicBlock, _ x: Tensor, probe: Tensor, _ f: (Tensor) -> Tensor)
        -> (Tensor, Tensor, [Tensor], [Tensor])
    {
        block.zeroGrad()
        let leaf = x.clone().requiringGrad()
        let y = f(leaf)
        (y * probe).sum().backward()
        let grads = block.parameters().map { $0.grad ?? Tensor.zeros($0.shape) }
        return (y, leaf.grad!, grads, block.namedBuffers().map { $0.1.clone() })
    }

    /// The layers of `block` called in turn, without the blocked path.
    func layers(_ b: BasicBlock, _ x: Tensor) -> Tensor {
        let h = b.bn1(b.conv1(x)).relu()
        return (b.bn2(b.conv2(h)) + b.shortcut(x)).relu()
    }

    @Test(arguments: [(16, 16, 8, 1, 3), (16, 32, 9, 2, 2), (32, 32, 6, 1, 4), (32, 64, 8, 2, 2)] as [Case])
    func blockedEqualsTheLayersInTurn(_ c: Case) throws {
        let x0 = RandomGenerator(seed: 5).normal([c.4, c.0, c.2, c.2])
        let probeBlock = BasicBlock(c.0, c.1, stride: c.3, generator: RandomGenerator(seed: 6))
        try #require(
            probeBlock.blockedForward(x0.requiringGrad()) != nil || !ConvolutionChoice.primitivesAvailable,
            "the blocked path applies on this machine")
        func make() -> BasicBlock {
            let gen = RandomGenerator(seed: 4)
            let block = BasicBlock(c.0, c.1, stride: c.3, generator: gen)
            for case let bn as BatchNorm2d in block.namedModules().map(\.1) {
                bn.weight!.assignInPlace(gen.uniform([c.1], low: 0.5, high: 1.5))
                bn.bias!.assignInPlace(gen.normal([c.1]))
            }
            return block
        }
        let blocked = make(), plain = make()
        let g = RandomGenerator(seed: 3)
        for step in 0..<2 {
            let x = g.normal([c.4, c.0, c.2, c.2])
            let shape = try plain.outputShape(for: x.shape)
            let probe = g.normal(shape)
            let (yb, gxb, gpb, sb) = run(blocked, x, probe: probe) { blocked($0) }
            let (yp, gxp, gpp, sp) = run(plain, x, probe: probe) { layers(plain, $0) }
            let what = "\(c) step \(step)"
            expectNear(yb, yp, "\(what): output")
            expectNear(gxb, gxp, "\(what): input gradient")
            #expect(gpb.count == gpp.count && sb.count == sp.count)
            for (i, (a, b)) in zip(gpb, gpp).enumerated() { expectNear(a, b, "\(what): parameter \(i)") }
            for (i, (a, b)) in zip(sb, sp).enumerated() { expectNear(a, b, "\(what): buffer \(i)") }
        }
        // Eval mode without gradients: the running statistics.
        _ = blocked.eval()
        _ = plain.eval()
        let x = g.normal([c.4, c.0, c.2, c.2])
        withNoGrad {
            #expect(blocked.blockedForward(x) != nil || !ConvolutionChoice.primitivesAvailable)
            expectNear(blocked(x), layers(plain, x), "\(c) eval output")
        }
    }

    @Test func appliesInTrainingWithGradientsAndInEvalWithout() {
        guard ConvolutionChoice.primitivesAvailable else { return }
        let on = ConvolutionChoice.configured == .automatic || ConvolutionChoice.configured == .fixed(.onednnBlocked)
        let x = RandomGenerator(seed: 1).normal([2, 16, 8, 8]).requiringGrad()
        let block = BasicBlock(16, 16)
        #expect((block.blockedForward(x) != nil) == on)
        withNoGrad { #expect(block.blockedForward(x) == nil) }  // training without gradients: the layers
        _ = block.eval()
        #expect(block.blockedForward(x) == nil)  // eval with gradients: the layers
        withNoGrad { #expect((block.blockedForward(x) != nil) == on) }
        let odd = BasicBlock(8, 8)
        #expect(odd.blockedForward(RandomGenerator(seed: 1).normal([2, 8, 8, 8]).requiringGrad()) == nil)
    }

    /// `max |a − b| ≤ 1e-4 · max(1, max |b|)`.
    func expectNear(_ a: Tensor, _ b: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.shape == b.shape, "\(what): shape", sourceLocation: sourceLocation)
        let scale = max(1, b.scalars.map(abs).max() ?? 0)
        let diff = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(
            diff <= 1e-4 * scale, "\(what): max difference \(diff) at scale \(scale)", sourceLocation: sourceLocation)
    }
}

/// A ``Sequential`` of ``BasicBlock``s runs them as one chain in nChw16c: the same outputs, gradients and running
/// statistics as the blocks called one after another (each reordering in and out), within 1e-4 of the scale.
@Suite struct BlockedChainTests {
    func blocks() -> [BasicBlock] {
        let gen = RandomGenerator(seed: 9)
        return [
            BasicBlock(16, 16, generator: gen), BasicBlock(16, 32, stride: 2, generator: gen),
            BasicBlock(32, 32, generator: gen), BasicBlock(32, 32, generator: gen),
        ]
    }

    /// Two identical chains trained on the same batches stay bit for bit equal (what bitwise resume relies on).
    @Test func chainIsDeterministic() {
        let a = Sequential(blocks()), b = Sequential(blocks())
        let g = RandomGenerator(seed: 4)
        for _ in 0..<2 {
            let x = g.normal([2, 16, 8, 8]), probe = g.normal([2, 32, 4, 4])
            let xa = x.clone().requiringGrad(), xb = x.clone().requiringGrad()
            let ya = a(xa), yb = b(xb)
            (ya * probe).sum().backward()
            (yb * probe).sum().backward()
            #expect(ya.scalars == yb.scalars && xa.grad!.scalars == xb.grad!.scalars)
            for (u, v) in zip(a.parameters(), b.parameters()) { #expect(u.grad!.scalars == v.grad!.scalars) }
            for (u, v) in zip(a.namedBuffers(), b.namedBuffers()) { #expect(u.1.scalars == v.1.scalars) }
        }
    }

    @Test func chainEqualsTheBlocksInTurn() throws {
        let chained = Sequential(blocks()), single = blocks()
        #expect(chained.fusionPlan.steps.map(\.layers) == [0..<4])
        let g = RandomGenerator(seed: 2)
        for step in 0..<2 {
            let x = g.normal([3, 16, 10, 10]), probe = g.normal([3, 32, 5, 5])
            chained.zeroGrad()
            for b in single { b.zeroGrad() }
            let a = x.clone().requiringGrad(), b = x.clone().requiringGrad()
            let ya = chained(a)
            let yb = single.reduce(b) { h, block in block(h) }
            (ya * probe).sum().backward()
            (yb * probe).sum().backward()
            let what = "step \(step)"
            BlockedResidualBlockTests().expectNear(ya, yb, "\(what): output")
            BlockedResidualBlockTests().expectNear(a.grad!, b.grad!, "\(what): input gradient")
            let pa = chained.parameters(), pb = single.flatMap { $0.parameters() }
            #expect(pa.count == pb.count)
            for (i, (u, v)) in zip(pa, pb).enumerated() {
                BlockedResidualBlockTests().expectNear(u.grad!, v.grad!, "\(what): parameter \(i)")
            }
            let ba = chained.namedBuffers().map(\.1), bb = single.flatMap { $0.namedBuffers().map(\.1) }
            for (i, (u, v)) in zip(ba, bb).enumerated() {
                BlockedResidualBlockTests().expectNear(u, v, "\(what): buffer \(i)")
            }
        }
        // In eval mode: with gradients the chain runs the layers, without them the blocked path; both give the
        // values of the blocks' layers in turn, with running statistics equal to theirs.
        let x = g.normal([2, 16, 8, 8])
        for b in single { _ = b.eval() }
        _ = chained.eval()
        let reference = withNoGrad { single.reduce(x) { h, block in BlockedResidualBlockTests().layers(block, h) } }
        BlockedResidualBlockTests().expectNear(chained(x), reference, "eval output")
        BlockedResidualBlockTests().expectNear(withNoGrad { chained(x) }, reference, "eval output without gradients")
    }
}
