import Testing

@testable import Descent

/// The C im2col / col2im of ``ConvPlan`` give the values of their Swift references (`swiftIm2col`, `swiftCol2im`)
/// bit for bit, with and without padding, stride, dilation and channel groups.
@Suite struct ConvolutionTests {
    /// A plan over one image of `channels × height × width` (one group), with square kernel, stride, padding and
    /// dilation.
    func plan(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> ConvPlan
    {
        let oH = ConvPlan.outputSize(height, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        let oW = ConvPlan.outputSize(width, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        return ConvPlan(
            batch: 1, inChannels: channels, height: height, width: width, outChannels: 4, outHeight: oH,
            outWidth: oW, groups: 1, kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride,
            padH: padding, padW: padding, dilationH: dilation, dilationW: dilation)
    }

    @Test(arguments: [
        (3, 9, 9, 3, 1, 1, 1), (2, 8, 11, 3, 2, 1, 1), (4, 10, 7, 3, 1, 2, 2), (1, 5, 5, 1, 1, 0, 1),
        (5, 12, 12, 5, 3, 2, 1), (8, 4, 4, 3, 1, 1, 1),
    ])
    func im2colAndCol2imMatchTheSwiftLoops(_ c: (Int, Int, Int, Int, Int, Int, Int)) {
        let p = plan(channels: c.0, height: c.1, width: c.2, kernel: c.3, stride: c.4, padding: c.5, dilation: c.6)
        let g = RandomGenerator(seed: 21)
        let image = g.normal([p.inPerGroup * p.imageSize]).scalars
        let colsIn = g.normal([p.colRows * p.colCols]).scalars
        var cols = [Float](repeating: .nan, count: p.colRows * p.colCols)
        var expectedCols = cols
        var padded = [Float](repeating: .nan, count: Swift.max(p.paddedSize, 1))
        var dst = [Float](repeating: .nan, count: image.count)
        var expectedDst = [Float](repeating: 0, count: image.count)
        image.withUnsafeBufferPointer { src in
            p.im2col(src.baseAddress!, &cols, padded: &padded)
            p.swiftIm2col(src.baseAddress!, &expectedCols)
        }
        colsIn.withUnsafeBufferPointer { cb in
            p.col2im(cb.baseAddress!, &dst, padded: &padded, bias: nil)
            p.swiftCol2im(cb.baseAddress!, &expectedDst)
        }
        #expect(cols == expectedCols, "im2col \(c)")
        #expect(dst == expectedDst, "col2im \(c)")
    }
}
