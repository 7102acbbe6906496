import Testing

@testable import Descent

/// The three GEMMs of ``ConvPlan`` (forward, input gradient, weight gradient, and the fused ReLU + pooling forward)
/// in bf16 agree with float32 within ``bf16Tolerance`` on normalised outputs. Where the CPU has no bf16 the bf16
/// plan runs float32 and the comparisons hold trivially; where it has, the results must also differ from float32
/// (the bf16 path ran).
@Suite struct ConvolutionPrecisionTests {
    /// A plan of `batch` images `channels × size × size`, 3×3 kernel, padding 1, in `precision`.
    func plan(batch: Int, channels: Int, size: Int, outChannels: Int, precision: Precision) -> ConvPlan {
        ConvPlan(
            batch: batch, inChannels: channels, height: size, width: size, outChannels: outChannels,
            outHeight: size, outWidth: size, groups: 1, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1,
            padW: 1, dilationH: 1, dilationW: 1, precision: precision)
    }

    /// Runs `body` on the plan in both precisions and compares the results.
    func compare(
        _ what: String, batch: Int, channels: Int, size: Int, outChannels: Int,
        _ body: (ConvPlan) -> [Float], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let bf16 = body(plan(batch: batch, channels: channels, size: size, outChannels: outChannels, precision: .bf16))
        let f32 = body(
            plan(batch: batch, channels: channels, size: size, outChannels: outChannels, precision: .float32))
        #expect(normalisedError(bf16, f32) < bf16Tolerance, "\(what)", sourceLocation: sourceLocation)
        if Backend.supportsBF16 { #expect(bf16 != f32, "\(what): bf16 ran", sourceLocation: sourceLocation) }
    }

    // (batch, channels, size, outChannels): many positions (the weight gradient from im2row) and few positions with
    // many channels (the weight gradient from im2col).
    @Test(arguments: [(4, 8, 12, 16), (3, 32, 4, 32)])
    func forwardAndGradientsAgreeWithFloat32(_ s: (Int, Int, Int, Int)) {
        let (batch, channels, size, outChannels) = s
        let g = RandomGenerator(seed: 31)
        let x = g.normal([batch * channels * size * size]).scalars
        let w = g.normal([outChannels * channels * 9]).scalars
        let bias = g.normal([outChannels]).scalars
        let dy = g.normal([batch * outChannels * size * size]).scalars
        compare("forward \(s)", batch: batch, channels: channels, size: size, outChannels: outChannels) { p in
            var y = [Float](repeating: .nan, count: dy.count)
            p.forward(input: x, weight: w, bias: bias, output: &y, relu: false)
            return y
        }
        compare("input gradient \(s)", batch: batch, channels: channels, size: size, outChannels: outChannels) { p in
            var dx = [Float](repeating: .nan, count: x.count)
            p.inputGradient(outGrad: dy, weight: w, bias: nil, into: &dx)
            return dx
        }
        compare("weight gradient \(s)", batch: batch, channels: channels, size: size, outChannels: outChannels) { p in
            var dw = [Float](repeating: .nan, count: w.count)
            p.weightGradient(outGrad: dy, input: x, into: &dw)
            return dw
        }
        compare("pooled forward \(s)", batch: batch, channels: channels, size: size, outChannels: outChannels) { p in
            var pooled = [Float](repeating: .nan, count: dy.count / 4)
            p.forwardPooled(input: x, weight: w, bias: bias, pooled: &pooled, indices: nil)
            return pooled
        }
    }

    @Test func planTakesTheBackendPrecisionByDefault() {
        let p = ConvPlan(
            batch: 1, inChannels: 1, height: 4, width: 4, outChannels: 1, outHeight: 4, outWidth: 4, groups: 1,
            kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1)
        #expect(p.precision == Backend.precision)
    }
}
