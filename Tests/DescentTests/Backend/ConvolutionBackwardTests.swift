import Testing

@testable import Descent

/// ``ConvPlan/backward(outGrad:input:weight:inputGradient:weightGradient:biasGradient:)`` (one pass over the images)
/// gives bit for bit the gradients of the separate passes (input gradient, weight gradient, bias sums), from a dense
/// output gradient and from one computed per image, over geometries that take each of its paths: 3×3 with padding,
/// strided with groups, pointwise, strided 1×1, the column-matrix weight gradient, and several chunks of images.
@Suite struct ConvolutionBackwardTests {
    /// (batch, in channels, out channels, height, width, kernel, stride, padding, groups).
    typealias Geometry = (Int, Int, Int, Int, Int, Int, Int, Int, Int)

    func plan(_ c: Geometry) -> ConvPlan {
        let oH = ConvPlan.outputSize(c.3, kernel: c.5, stride: c.6, padding: c.7, dilation: 1)
        let oW = ConvPlan.outputSize(c.4, kernel: c.5, stride: c.6, padding: c.7, dilation: 1)
        return ConvPlan(
            batch: c.0, inChannels: c.1, height: c.3, width: c.4, outChannels: c.2, outHeight: oH, outWidth: oW,
            groups: c.8, kernelH: c.5, kernelW: c.5, strideH: c.6, strideW: c.6, padH: c.7, padW: c.7,
            dilationH: 1, dilationW: 1, choice: .fixed(.gemm), precision: .float32)
    }

    @Test(
        arguments: [
            (2, 3, 4, 9, 9, 3, 1, 1, 1), (3, 4, 6, 8, 11, 3, 2, 1, 2), (2, 5, 8, 6, 6, 1, 1, 0, 1),
            (3, 2, 4, 7, 7, 1, 2, 0, 1), (2, 16, 8, 5, 5, 3, 1, 1, 1), (4, 16, 32, 16, 16, 3, 1, 1, 1),
        ] as [Geometry])
    func onePassEqualsTheSeparatePasses(_ c: Geometry) {
        let p = plan(c)
        #expect(p.backwardIsFused)
        let g = RandomGenerator(seed: 5)
        let x = g.normal([p.batch, p.inChannels, p.height, p.width])
        let w = g.normal([p.outChannels, p.inPerGroup, p.kernelH, p.kernelW])
        let dy = g.normal([p.batch, p.outChannels, p.outHeight, p.outWidth])
        let xp = x.storage.pointer, wp = w.storage.pointer, dp = dy.storage.pointer

        let expectedX = Tensor(uninitializedShape: x.shape), expectedW = Tensor(uninitializedShape: w.shape)
        p.inputGradient(outGrad: dp, weight: wp, bias: nil, into: expectedX.storage.pointer)
        p.weightGradient(outGrad: dp, input: xp, into: expectedW.storage.pointer)
        let expectedB = ConvPlan.channelSums(dy, batch: p.batch, channels: p.outChannels, spatial: p.colCols)

        let outImage = p.outChannels * p.colCols
        for perImage in [false, true] {
            let gx = Tensor(uninitializedShape: x.shape), gw = Tensor(uninitializedShape: w.shape)
            let gb = Tensor(uninitializedShape: [p.outChannels])
            let outGrad: ConvPlan.OutputGradient =
                perImage ? .perImage { n, dst in dst.update(from: dp + n * outImage, count: outImage) } : .dense(dp)
            p.backward(
                outGrad: outGrad, input: xp, weight: wp, inputGradient: gx.storage.pointer,
                weightGradient: gw.storage.pointer, biasGradient: gb.storage.pointer)
            #expect(gx.scalars == expectedX.scalars, "input gradient \(c) per image: \(perImage)")
            #expect(gw.scalars == expectedW.scalars, "weight gradient \(c) per image: \(perImage)")
            #expect(gb.scalars == expectedB.scalars, "bias gradient \(c) per image: \(perImage)")
        }
        // Only the gradients asked for are written.
        let onlyW = Tensor(uninitializedShape: w.shape)
        p.backward(
            outGrad: .dense(dp), input: xp, weight: wp, inputGradient: nil, weightGradient: onlyW.storage.pointer,
            biasGradient: nil)
        #expect(onlyW.scalars == expectedW.scalars)
        let onlyX = Tensor(uninitializedShape: x.shape)
        p.backward(
            outGrad: .dense(dp), input: nil, weight: wp, inputGradient: onlyX.storage.pointer, weightGradient: nil,
            biasGradient: nil)
        #expect(onlyX.scalars == expectedX.scalars)
    }

    @Test func severalChunksOfImagesRunInParallel() {
        let p = plan((4, 16, 32, 16, 16, 3, 1, 1, 1))
        #expect(Backend.threads < 2 || p.chunkCount >= 2)
    }
}
