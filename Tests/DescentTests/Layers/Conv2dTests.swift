import Testing

@testable import Descent

/// Conv2d against PyTorch (relative tolerance 1e-4) for stride/padding/dilation/groups combinations, and
/// finite-difference gradient checks.
@Suite struct Conv2dTests {
    @Test func matchesPyTorch() throws {
        try expectMatchesPyTorch("conv_basic", Conv2d(3, 4, kernelSize: 3))
        try expectMatchesPyTorch("conv_stride_pad", Conv2d(3, 4, kernelSize: 3, stride: 2, padding: 1))
        try expectMatchesPyTorch("conv_dilation", Conv2d(2, 3, kernelSize: 3, padding: 2, dilation: 2))
        try expectMatchesPyTorch("conv_groups", Conv2d(4, 6, kernelSize: 3, padding: 1, groups: 2))
        try expectMatchesPyTorch(
            "conv_depthwise", Conv2d(3, 3, kernelSize: 3, stride: 2, padding: 1, groups: 3, bias: false))
        try expectMatchesPyTorch(
            "conv_rect", Conv2d(2, 3, kernelSize: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2]))
        try expectMatchesPyTorch("conv_pointwise", Conv2d(4, 5, kernelSize: 1))
        try expectMatchesPyTorch("conv_pointwise_stride", Conv2d(4, 5, kernelSize: 1, stride: 2))
        try expectMatchesPyTorch("conv_unbatched", Conv2d(2, 3, kernelSize: 3, padding: 1))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 2)
        let configs: [(Int, Int, Size2D, Size2D, Size2D, Size2D, Int)] = [
            // cin, cout, kernel, stride, padding, dilation, groups
            (2, 3, 3, 1, 1, 1, 1),
            (2, 2, [2, 3], [2, 1], [1, 0], 1, 1),
            (4, 2, 3, 2, 2, 2, 2),
            (2, 4, 1, 1, 0, 1, 2),
        ]
        for (cin, cout, k, s, p, d, groups) in configs {
            let x = g.normal([2, cin, 5, 5]), w = g.normal([cout, cin / groups, k.height, k.width]),
                b = g.normal([cout])
            expectGradientsMatchFiniteDifferences([x, w, b], "conv2d k\(k) s\(s) p\(p) d\(d) g\(groups)") { t in
                probeLoss(t[0].conv2d(weight: t[1], bias: t[2], stride: s, padding: p, dilation: d, groups: groups))
            }
        }
    }

    @Test func parallelBatchEqualsPerImage() {
        // A batch large enough to be split across threads gives the same result as one image at a time.
        let g = RandomGenerator(seed: 5)
        let conv = Conv2d(3, 8, kernelSize: 3, padding: 1, generator: g)
        let x = g.normal([6, 3, 16, 16])
        let whole = conv(x)
        for n in 0..<6 { expectClose(whole[n], conv(x[n]), rtol: 1e-5, "image \(n)") }
        // The backward pass too: the weight gradient sums per-chunk partial results.
        let probe = RandomGenerator(seed: 6).normal(whole.shape)
        (conv(x) * probe).sum().backward()
        let batched = conv.weight.grad!
        conv.zeroGrad()
        for n in 0..<6 { (conv(x[n]) * probe[n]).sum().backward() }
        expectClose(batched, conv.weight.grad!, rtol: 1e-4, "weight gradient")
    }

    @Test func outputShapeAndErrors() throws {
        let conv = Conv2d(3, 16, kernelSize: 3, stride: 2, padding: 1)
        #expect(try conv.outputShape(for: [8, 3, 32, 32]) == [8, 16, 16, 16])
        #expect(try conv.outputShape(for: [3, 7, 7]) == [16, 4, 4])
        #expect(
            throws: DescentError(.shape, "Conv2d", "expects input [N, 3, H, W] (in_channels = 3), got [8, 1, 28, 28]")
        ) {
            try conv.outputShape(for: [8, 1, 28, 28])
        }
        #expect(throws: DescentError.self) { try Conv2d(1, 1, kernelSize: 5).outputShape(for: [1, 1, 3, 3]) }
        #expect(conv.weight.shape == [16, 3, 3, 3] && conv.bias?.shape == [16])
        #expect(Conv2d(4, 6, kernelSize: [3, 1], groups: 2).weight.shape == [6, 2, 3, 1])
    }
}
