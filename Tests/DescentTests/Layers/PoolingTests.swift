import Testing

@testable import Descent

/// MaxPool2d, AvgPool2d and AdaptiveAvgPool2d against PyTorch (relative tolerance 1e-4) and finite differences.
@Suite struct PoolingTests {
    @Test func maxPoolMatchesPyTorch() throws {
        try expectMatchesPyTorch("maxpool_basic", MaxPool2d(kernelSize: 2))
        try expectMatchesPyTorch("maxpool_pad_stride", MaxPool2d(kernelSize: 3, stride: 2, padding: 1))
        try expectMatchesPyTorch(
            "maxpool_dilation_ceil", MaxPool2d(kernelSize: 2, stride: 2, dilation: 2, ceilMode: true))
        try expectMatchesPyTorch("maxpool_rect", MaxPool2d(kernelSize: [3, 2], stride: [1, 2], padding: [1, 0]))
    }

    @Test func avgPoolMatchesPyTorch() throws {
        try expectMatchesPyTorch("avgpool_basic", AvgPool2d(kernelSize: 2))
        try expectMatchesPyTorch("avgpool_pad", AvgPool2d(kernelSize: 3, stride: 2, padding: 1))
        try expectMatchesPyTorch(
            "avgpool_pad_exclude", AvgPool2d(kernelSize: 3, stride: 2, padding: 1, countIncludePad: false))
        try expectMatchesPyTorch("avgpool_ceil", AvgPool2d(kernelSize: 3, stride: 2, padding: 1, ceilMode: true))
    }

    @Test func adaptiveAvgPoolMatchesPyTorch() throws {
        try expectMatchesPyTorch("adaptive_global", AdaptiveAvgPool2d(outputSize: 1))
        try expectMatchesPyTorch("adaptive_3x2", AdaptiveAvgPool2d(outputSize: [3, 2]))
    }

    @Test func gradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 8)
        let x = g.normal([2, 2, 5, 6])
        expectGradientsMatchFiniteDifferences([x], eps: 1e-3, "maxPool2d") { t in
            probeLoss(t[0].maxPool2d(kernelSize: 3, stride: 2, padding: 1))
        }
        expectGradientsMatchFiniteDifferences([x], eps: 1e-3, "maxPool2d dilation ceil") { t in
            probeLoss(t[0].maxPool2d(kernelSize: 2, stride: 2, dilation: 2, ceilMode: true))
        }
        expectGradientsMatchFiniteDifferences([x], "avgPool2d") { t in
            probeLoss(t[0].avgPool2d(kernelSize: 3, stride: 2, padding: 1, ceilMode: true))
        }
        expectGradientsMatchFiniteDifferences([x], "avgPool2d exclude pad") { t in
            probeLoss(t[0].avgPool2d(kernelSize: [2, 3], stride: 1, padding: [1, 1], countIncludePad: false))
        }
        expectGradientsMatchFiniteDifferences([x], "avgPool2d divisor override") { t in
            probeLoss(t[0].avgPool2d(kernelSize: 2, divisorOverride: 3))
        }
        expectGradientsMatchFiniteDifferences([x], "adaptiveAvgPool2d") { t in
            probeLoss(t[0].adaptiveAvgPool2d(outputSize: [4, 4]))
        }
    }

    @Test func maxPoolRoutesGradientToFirstMaximum() {
        let x = Tensor([1, 3, 3, 2], shape: [1, 1, 2, 2]).requiringGrad()
        let y = x.maxPool2d(kernelSize: 2)
        #expect(y.scalars == [3])
        y.sum().backward()
        #expect(x.grad!.scalars == [0, 1, 0, 0])
    }

    @Test func avgPoolCountsPaddingByDefault() {
        let x = Tensor.ones([1, 1, 2, 2])
        #expect(x.avgPool2d(kernelSize: 2, stride: 2, padding: 1).scalars == [0.25, 0.25, 0.25, 0.25])
        #expect(x.avgPool2d(kernelSize: 2, stride: 2, padding: 1, countIncludePad: false).scalars == [1, 1, 1, 1])
    }

    @Test func outputShapes() throws {
        #expect(try MaxPool2d(kernelSize: 2).outputShape(for: [8, 32, 28, 28]) == [8, 32, 14, 14])
        #expect(
            try AvgPool2d(kernelSize: 3, stride: 2, padding: 1, ceilMode: true).outputShape(for: [1, 1, 6, 6]) == [
                1, 1, 4, 4,
            ])
        #expect(try AdaptiveAvgPool2d(outputSize: 1).outputShape(for: [8, 64, 7, 7]) == [8, 64, 1, 1])
        #expect(throws: DescentError.self) { try MaxPool2d(kernelSize: 2, padding: 2).outputShape(for: [1, 1, 8, 8]) }
        #expect(throws: DescentError.self) { try MaxPool2d(kernelSize: 4).outputShape(for: [1, 1, 3, 3]) }
        #expect(throws: DescentError.self) { try AvgPool2d(kernelSize: 2).outputShape(for: [4, 4]) }
    }
}
