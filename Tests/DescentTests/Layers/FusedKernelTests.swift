import Testing

@testable import Descent

/// The fused and vectorised paths of the speed work give the values of the plain compositions they replace:
/// `Conv2d/Linear/BatchNorm → ReLU` fused in `Sequential`, the residual `add + ReLU` of `BasicBlock`, the
/// channels-last weight gradient of convolutions, the oneDNN matmul of `Linear`, and the vector kernels.
@Suite struct FusedKernelTests {
    /// `x` with the parameters' gradients after `(f(x) · probe).sum().backward()`.
    func gradients(_ module: Module, _ x: Tensor, probe: Tensor, _ f: (Tensor) -> Tensor) -> (Tensor, Tensor, [Tensor])
    {
        module.zeroGrad()
        let leaf = x.clone().requiringGrad()
        let y = f(leaf)
        (y * probe).sum().backward()
        return (y, leaf.grad!, module.parameters().map { $0.grad ?? Tensor.zeros($0.shape) })
    }

    func expectSameForwardAndBackward(
        _ module: Module, input x: Tensor, fused: (Tensor) -> Tensor,
        plain: (Tensor) -> Tensor, _ what: String
    ) {
        let outShape = withNoGrad { plain(x).shape }
        let probe = RandomGenerator(seed: 99).normal(outShape)
        let (yf, gxf, gpf) = gradients(module, x, probe: probe, fused)
        let (yp, gxp, gpp) = gradients(module, x, probe: probe, plain)
        expectClose(yf, yp, rtol: 1e-5, "\(what): output")
        expectClose(gxf, gxp, rtol: 1e-5, "\(what): input gradient")
        for (i, (a, b)) in zip(gpf, gpp).enumerated() {
            expectClose(a, b, rtol: 1e-5, "\(what): parameter \(i) gradient")
        }
    }

    @Test func sequentialFusesLayerAndReLU() {
        let g = RandomGenerator(seed: 1)
        let conv = Conv2d(3, 8, kernelSize: 3, padding: 1, generator: g)
        expectSameForwardAndBackward(
            Sequential(conv, ReLU()), input: g.normal([4, 3, 9, 9]),
            fused: { Sequential(conv, ReLU())($0) }, plain: { conv($0).relu() }, "Conv2d+ReLU")
        for (cin, side, groups) in [(3, 9, 1), (4, 8, 2), (2, 3, 1)] {
            let conv = Conv2d(cin, 8, kernelSize: 3, padding: 1, groups: groups, generator: g)
            let layers = Sequential(conv, ReLU(), MaxPool2d(kernelSize: 2))
            expectSameForwardAndBackward(
                layers, input: g.normal([5, cin, side, side]), fused: { layers($0) },
                plain: { conv($0).relu().maxPool2d(kernelSize: 2) },
                "Conv2d+ReLU+MaxPool2d \(side)×\(side), groups \(groups)")
            // Inference (no autodiff) takes the same path without recording.
            let x = g.normal([2, cin, side, side])
            expectClose(withNoGrad { layers(x) }, conv(x).relu().maxPool2d(kernelSize: 2), rtol: 1e-6, "inference")
        }
        let linear = Linear(70, 300, generator: g)
        expectSameForwardAndBackward(
            Sequential(linear, ReLU()), input: g.normal([33, 70]),
            fused: { Sequential(linear, ReLU())($0) }, plain: { linear($0).relu() }, "Linear+ReLU")
        let small = Linear(5, 3, generator: g)
        expectSameForwardAndBackward(
            Sequential(small, ReLU()), input: g.normal([2, 5]),
            fused: { Sequential(small, ReLU())($0) }, plain: { small($0).relu() }, "small Linear+ReLU")
        for training in [true, false] {
            let bn2 = BatchNorm2d(6)
            bn2.weight!.assignInPlace(g.normal([6]))
            bn2.bias!.assignInPlace(g.normal([6]))
            if !training {
                bn2.runningMean!.assignInPlace(g.normal([6]))
                bn2.runningVar!.assignInPlace(g.uniform([6]) + 0.5)
                _ = bn2.eval()
            }
            // Fused first, then plain: each call updates the running statistics, so compare on copies of the state.
            let state = bn2.stateDict()
            let x = g.normal([3, 6, 5, 7])
            let probe = RandomGenerator(seed: 7).normal(x.shape)
            let (yf, gxf, gpf) = gradients(bn2, x, probe: probe) { Sequential(bn2, ReLU())($0) }
            let afterFused = bn2.runningMean!.clone()
            _ = try? bn2.load(stateDict: state)
            let (yp, gxp, gpp) = gradients(bn2, x, probe: probe) { bn2($0).relu() }
            expectClose(yf, yp, rtol: 1e-6, "BatchNorm2d+ReLU training \(training): output")
            expectClose(gxf, gxp, rtol: 1e-5, "BatchNorm2d+ReLU training \(training): input gradient")
            for (a, b) in zip(gpf, gpp) {
                expectClose(a, b, rtol: 1e-5, "BatchNorm2d+ReLU training \(training): parameter gradient")
            }
            expectClose(afterFused, bn2.runningMean!, rtol: 1e-6, "running mean")
        }
        let bn1 = BatchNorm1d(5)
        bn1.bias!.assignInPlace(g.normal([5]))
        expectSameForwardAndBackward(
            bn1, input: g.normal([9, 5]), fused: { Sequential(bn1, ReLU())($0) },
            plain: { bn1($0).relu() }, "BatchNorm1d+ReLU")
    }

    @Test func basicBlockMatchesItsComposition() {
        let g = RandomGenerator(seed: 3)
        for (cin, cout, stride) in [(8, 8, 1), (8, 16, 2)] {
            let block = BasicBlock(cin, cout, stride: stride, generator: g)
            let plain: (Tensor) -> Tensor = { x in
                let y = block.bn2(block.conv2(block.bn1(block.conv1(x)).relu()))
                return (y + block.shortcut(x)).relu()
            }
            let x = g.normal([4, cin, 10, 10])
            let state = block.stateDict()
            let probe = RandomGenerator(seed: 8).normal(withNoGrad { block(x) }.shape)
            _ = try? block.load(stateDict: state)
            let (yf, gxf, gpf) = gradients(block, x, probe: probe) { block($0) }
            _ = try? block.load(stateDict: state)
            let (yp, gxp, gpp) = gradients(block, x, probe: probe, plain)
            expectClose(yf, yp, rtol: 1e-5, "BasicBlock(\(cin), \(cout), stride \(stride)): output")
            expectClose(gxf, gxp, rtol: 1e-4, "BasicBlock(\(cin), \(cout), stride \(stride)): input gradient")
            for (a, b) in zip(gpf, gpp) {
                expectClose(a, b, rtol: 1e-4, "BasicBlock(\(cin), \(cout), stride \(stride)): parameter gradient")
            }
        }
    }

    /// A container of the user's own that runs its layers through the public ``FusionPlan``.
    final class PlannedStack: Module {
        let layers: [Module]
        let plan: FusionPlan
        init(_ layers: [Module]) {
            self.layers = layers
            plan = FusionPlan(layers)
            super.init()
        }
        override func callAsFunction(_ x: Tensor) -> Tensor { plan(x) }
    }

    @Test func userContainerFusesThroughThePublicPlan() {
        let g = RandomGenerator(seed: 5)
        let stack = PlannedStack(
            [
                Conv2d(3, 8, kernelSize: 3, padding: 1, generator: g), ReLU(), MaxPool2d(kernelSize: 2),
                BatchNorm2d(8), ReLU(),
                Linear(6, 6, generator: g), ReLU(), MaxPool2d(kernelSize: 2),  // Linear fuses the ReLU, not the pooling
                // Not a plain 2×2 pool:
                Conv2d(8, 4, kernelSize: 2, generator: g), ReLU(), MaxPool2d(kernelSize: 2, stride: 1),
                Flatten(), Linear(4, 3, generator: g),
            ] as [Module])
        #expect(stack.plan.steps.map(\.layers) == [0..<3, 3..<5, 5..<7, 7..<8, 8..<10, 10..<11, 11..<12, 12..<13])
        #expect(stack.plan.steps.map(\.epilogue) == [.reluMaxPool2x2, .relu, .relu, .none, .relu, .none, .none, .none])
        #expect(stack.parameters().count == 10)
        let x = g.normal([2, 3, 12, 12])
        let plain: (Tensor) -> Tensor = { x in stack.layers.reduce(x) { y, layer in layer(y) } }
        let probe = RandomGenerator(seed: 6).normal(withNoGrad { plain(x) }.shape)
        let (yf, gxf, gpf) = gradients(stack, x, probe: probe) { stack($0) }
        let (yp, gxp, gpp) = gradients(stack, x, probe: probe, plain)
        #expect(yf.scalars == yp.scalars, "output")
        #expect(gxf.scalars == gxp.scalars, "input gradient")
        for (i, (a, b)) in zip(gpf, gpp).enumerated() { #expect(a.scalars == b.scalars, "parameter \(i) gradient") }
    }

    /// ∂W[k, c, i, j] = Σ_{n, oh, ow} ∂y[n, g·K/G + k', oh, ow] · x[n, g·C/G + c, oh·s − p + i·d, ow·s − p + j·d], in Double.
    func referenceWeightGradient(
        _ x: Tensor, _ gy: Tensor, wShape: [Int], stride: Size2D, padding: Size2D,
        dilation: Size2D, groups: Int
    ) -> Tensor {
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, oh, ow) = (gy.shape[1], gy.shape[2], gy.shape[3])
        let cg = cin / groups, kg = cout / groups
        let xs = x.scalars, gs = gy.scalars
        var out = [Float](repeating: 0, count: wShape.reduce(1, *))
        for k in 0..<cout {
            let group = k / kg
            for c in 0..<cg {
                for i in 0..<wShape[2] {
                    for j in 0..<wShape[3] {
                        var s = 0.0
                        for b in 0..<n {
                            for p in 0..<oh {
                                let hi = p * stride.height - padding.height + i * dilation.height
                                if hi < 0 || hi >= h { continue }
                                for q in 0..<ow {
                                    let wi = q * stride.width - padding.width + j * dilation.width
                                    if wi < 0 || wi >= w { continue }
                                    s +=
                                        Double(gs[((b * cout + k) * oh + p) * ow + q])
                                        * Double(xs[((b * cin + group * cg + c) * h + hi) * w + wi])
                                }
                            }
                        }
                        out[((k * cg + c) * wShape[2] + i) * wShape[3] + j] = Float(s)
                    }
                }
            }
        }
        return Tensor(out, shape: wShape)
    }

    @Test func convolutionWeightGradientPaths() {
        let g = RandomGenerator(seed: 4)
        // cin, cout, kernel, stride, padding, dilation, groups, height, width
        let configs: [(Int, Int, Size2D, Size2D, Size2D, Size2D, Int, Int, Int)] = [
            (16, 8, 3, 1, 1, 1, 1, 12, 16),  // channels a multiple of 8: transposed 8×8 blocks
            (3, 16, 3, 1, 1, 1, 1, 11, 13),  // the stem of W7, odd sizes
            (9, 4, 3, 2, 1, 1, 1, 14, 10),  // stride 2
            (16, 16, 3, 1, 2, 2, 1, 10, 19),  // dilation 2, width not a multiple of 8
            (8, 6, [3, 2], [2, 1], [1, 0], [1, 2], 2, 9, 12),
            (16, 32, 1, 2, 0, 1, 1, 8, 8),  // 1×1 strided shortcut
            (16, 8, 1, 1, 0, 1, 1, 6, 6),  // pointwise
            (64, 64, 3, 1, 1, 1, 1, 4, 4),  // few positions, many rows: the im2col path
        ]
        for (cin, cout, k, s, p, d, groups, h, w) in configs {
            let x = g.normal([3, cin, h, w])
            let weight = g.normal([cout, cin / groups, k.height, k.width]).requiringGrad()
            let y = x.conv2d(weight: weight, stride: s, padding: p, dilation: d, groups: groups)
            let gy = RandomGenerator(seed: 5).normal(y.shape)
            y.backward(gy)
            let expected = referenceWeightGradient(
                x, gy, wShape: weight.shape, stride: s, padding: p, dilation: d,
                groups: groups)
            let terms = Float(3 * y.shape[2] * y.shape[3])
            expectClose(
                weight.grad!, expected, rtol: 1e-5, floor: terms.squareRoot(),
                "weight gradient cin \(cin) cout \(cout) k \(k) s \(s) p \(p) d \(d) g \(groups)")
        }
    }

    @Test func affineMatchesGEMM() {
        let g = RandomGenerator(seed: 6)
        for (m, n, k) in [(256, 512, 784), (33, 129, 70), (1, 300, 300), (128, 10, 512), (3, 4, 5)] {
            for (bias, relu) in [(false, false), (true, false), (true, true), (false, true)] {
                let a = g.normal([m, k]), w = g.normal([n, k]), b = g.normal([n])
                var expected = Tensor.gemm(a, w, transposeB: true)
                if bias { expected = expected + b }
                if relu { expected = expected.relu() }
                let out = Tensor(uninitializedShape: [m, n])
                Backend.affine(
                    m: m, n: n, k: k, a: a.storage.pointer, b: w.storage.pointer,
                    bias: bias ? UnsafePointer(b.storage.pointer) : nil, relu: relu, c: out.storage.pointer)
                // Relative to the typical magnitude √k of an output (sums of k products of unit normals).
                expectClose(
                    out, expected, rtol: 1e-5, floor: Float(k).squareRoot(),
                    "affine \(m)×\(n)×\(k) bias \(bias) relu \(relu)")
            }
        }
    }

    @Test func vectorKernelsMatchScalarLoops() {
        let g = RandomGenerator(seed: 7)
        for n in [0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1000] {
            let x = g.normal([n]), y = g.normal([n])
            let px = x.storage.pointer, py = y.storage.pointer
            let xs = x.scalars, ys = y.scalars
            let sum = Kernels.sum(px, n)
            let expectedSum = xs.reduce(0.0) { $0 + Double($1) }
            #expect(Swift.abs(Double(sum) - expectedSum) <= 1e-4 * Double(max(n, 1)), "sum of \(n)")
            let mu: Float = 0.25
            let ssd = Kernels.sumSquaredDeviation(px, n, mu)
            let expectedSSD = xs.reduce(0.0) { $0 + Double(($1 - mu) * ($1 - mu)) }
            #expect(Swift.abs(Double(ssd) - expectedSSD) <= 1e-4 * max(expectedSSD, 1), "squared deviations of \(n)")
            let out = Tensor(uninitializedShape: [n])
            Kernels.addReLU(px, py, out.storage.pointer, n)
            #expect(out.scalars == zip(xs, ys).map { max($0 + $1, 0) }, "add+relu of \(n)")
            Kernels.scaleShift(px, out.storage.pointer, n, 1.5, -0.25, relu: true)
            expectClose(
                out,
                Tensor(
                    xs.map {
                        let v = $0 * 1.5 + -0.25; return v > 0 ? v : 0
                    }, shape: [n]), rtol: 1e-6,
                floor: 1, "scale-shift-relu of \(n)")
        }
    }
}

extension FusedKernelTests {
    /// The 2×2 / stride 2 max-pooling kernel against its rule written out (first maximum in row-major order, a
    /// later NaN wins), on odd sizes, ties and NaNs: values, and the gradient routed to the chosen element.
    @Test func maxPool2x2MatchesGeneralWindows() {
        let g = RandomGenerator(seed: 8)
        for (h, w) in [(4, 4), (5, 7), (8, 8), (10, 14), (6, 34), (9, 17)] {
            var x = g.normal([2, 3, h, w])
            // Ties (rounded values) and a few NaNs.
            x.withUnsafeMutableBufferPointer { b in
                for i in b.indices { b[i] = (b[i] * 2).rounded() }
                b[3] = .nan
                b[b.count / 2] = .nan
                b[b.count / 2 + 1] = .nan
            }
            let leaf = x.requiringGrad()
            let y = leaf.maxPool2d(kernelSize: 2)
            let probe = RandomGenerator(seed: 9).normal(y.shape)
            (y * probe).sum().backward()
            // Reference: the rule written out.
            let xs = x.scalars, oh = h / 2, ow = w / 2
            var expected = [Float](), grad = [Float](repeating: 0, count: xs.count)
            let ps = probe.scalars
            for p in 0..<6 {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var best = -Float.infinity, at = p * h * w + 2 * i * w + 2 * j
                        for (di, dj) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                            let k = p * h * w + (2 * i + di) * w + 2 * j + dj
                            if xs[k] > best || xs[k].isNaN { best = xs[k]; at = k }
                        }
                        expected.append(best)
                        grad[at] += ps[(p * oh + i) * ow + j]
                    }
                }
            }
            let ys = y.scalars, inference = withNoGrad { x.maxPool2d(kernelSize: 2) }.scalars
            #expect(ys.count == expected.count && inference.count == expected.count)
            for (a, b) in zip(ys, expected) { #expect(a == b || (a.isNaN && b.isNaN), "max pool \(h)×\(w)") }
            for (a, b) in zip(inference, expected) {
                #expect(a == b || (a.isNaN && b.isNaN), "max pool \(h)×\(w), no grad")
            }
            #expect(leaf.grad!.scalars == grad, "max pool gradient \(h)×\(w)")
        }
    }
}
