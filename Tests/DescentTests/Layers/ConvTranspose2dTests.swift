import Testing

@testable import Descent

/// ConvTranspose2d against PyTorch (relative tolerance 1e-4) and finite differences.
@Suite struct ConvTranspose2dTests {
    @Test func matchesPyTorch() throws {
        try expectMatchesPyTorch("convt_basic", ConvTranspose2d(3, 2, kernelSize: 3))
        try expectMatchesPyTorch(
            "convt_stride", ConvTranspose2d(3, 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1))
        try expectMatchesPyTorch(
            "convt_groups_dilation",
            ConvTranspose2d(
                4, 6, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, dilation: 2,
                groups: 2, bias: false))
        try expectMatchesPyTorch(
            "convt_rect", ConvTranspose2d(2, 3, kernelSize: [2, 3], stride: [2, 1], padding: [0, 1]))
        try expectMatchesPyTorch(
            "convt_outpad_dilation", ConvTranspose2d(2, 2, kernelSize: 2, outputPadding: 1, dilation: 3))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 3)
        let configs: [(Int, Int, Size2D, Size2D, Size2D, Size2D, Size2D, Int)] = [
            // cin, cout, kernel, stride, padding, outputPadding, dilation, groups
            (2, 3, 3, 1, 0, 0, 1, 1),
            (2, 2, 3, 2, 1, 1, 1, 1),
            (4, 2, [2, 3], [2, 1], [0, 1], 0, [1, 2], 2),
        ]
        for (cin, cout, k, s, p, op, d, groups) in configs {
            let x = g.normal([2, cin, 3, 3]), w = g.normal([cin, cout / groups, k.height, k.width]),
                b = g.normal([cout])
            expectGradientsMatchFiniteDifferences(
                [x, w, b], "convTranspose2d k\(k) s\(s) p\(p) op\(op) d\(d) g\(groups)"
            ) { t in
                probeLoss(
                    t[0].convTranspose2d(
                        weight: t[1], bias: t[2], stride: s, padding: p, outputPadding: op,
                        dilation: d, groups: groups))
            }
        }
    }

    @Test func isTheAdjointOfConv2d() {
        // ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ for the same weight.
        let g = RandomGenerator(seed: 4)
        let w = g.normal([4, 3, 3, 3])
        let x = g.normal([2, 3, 7, 7])
        let cx = x.conv2d(weight: w, stride: 2, padding: 1)
        let y = g.normal(cx.shape)
        let ty = y.convTranspose2d(weight: w, stride: 2, padding: 1)
        #expect(ty.shape == x.shape)
        let lhs = (cx * y).sum().item, rhs = (x * ty).sum().item
        #expect(Swift.abs(lhs - rhs) <= 1e-4 * Swift.abs(lhs) + 1e-3)
    }

    @Test func outputShape() throws {
        let up = ConvTranspose2d(8, 4, kernelSize: 4, stride: 2, padding: 1)
        #expect(try up.outputShape(for: [2, 8, 7, 7]) == [2, 4, 14, 14])
        #expect(up.weight.shape == [8, 4, 4, 4])
        #expect(throws: DescentError.self) { try up.outputShape(for: [2, 4, 7, 7]) }
        #expect(throws: DescentError.self) {
            try ConvTranspose2d(1, 1, kernelSize: 3, stride: 2, outputPadding: 2).outputShape(for: [1, 1, 3, 3])
        }
    }
}
