import Testing

@testable import Descent

/// oneDNN's convolution primitives (plain and blocked layouts) agree with im2col + GEMM on every pass, for channel
/// groups, stride, padding, dilation and 1×1 kernels, within `|a − b| ≤ 1e-4 · (1 + |b|)` per element (the sums run in
/// another order); and a geometry oneDNN cannot serve falls back to GEMM.
@Suite struct ConvolutionPrimitivesTests {
    /// Per-element tolerance of the comparisons: `|a − b| ≤ tolerance · (1 + |b|)`.
    static let tolerance: Float = 1e-4

    /// A geometry: batch, in channels, height, width, out channels, kernel, stride, padding, dilation, groups.
    typealias Geometry = (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)

    /// The plan of geometry `c` with `choice`.
    func plan(_ c: Geometry, _ choice: ConvolutionChoice) -> ConvPlan {
        let oH = ConvPlan.outputSize(c.2, kernel: c.5, stride: c.6, padding: c.7, dilation: c.8)
        let oW = ConvPlan.outputSize(c.3, kernel: c.5, stride: c.6, padding: c.7, dilation: c.8)
        return ConvPlan(
            batch: c.0, inChannels: c.1, height: c.2, width: c.3, outChannels: c.4, outHeight: oH, outWidth: oW,
            groups: c.9, kernelH: c.5, kernelW: c.5, strideH: c.6, strideW: c.6, padH: c.7, padW: c.7,
            dilationH: c.8, dilationW: c.8, choice: choice)
    }

    /// Whether every element of `a` is within the tolerance of `b`.
    func close(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= Self.tolerance * (1 + abs($1)) }
    }

    /// The forward pass (bias and ReLU), the pooled forward pass, the input gradient (with a bias, as a transposed
    /// convolution runs it) and the weight and bias gradients of `p`.
    func passes(_ p: ConvPlan, seed: UInt64) -> [String: [Float]] {
        let g = RandomGenerator(seed: seed)
        let x = g.normal([p.batch * p.inChannels * p.imageSize]).scalars
        let w = g.normal([p.outChannels * p.colRows]).scalars
        let b = g.normal([p.outChannels]).scalars
        let bIn = g.normal([p.inChannels]).scalars
        let dy = g.normal([p.batch * p.outChannels * p.colCols]).scalars
        var y = [Float](repeating: .nan, count: dy.count)
        var dx = [Float](repeating: .nan, count: x.count)
        var dw = [Float](repeating: .nan, count: w.count)
        var db = [Float](repeating: .nan, count: b.count)
        var pooled = [Float](repeating: .nan, count: p.batch * p.outChannels * (p.outHeight / 2) * (p.outWidth / 2))
        var indices = [Int32](repeating: -1, count: pooled.count)
        p.forward(input: x, weight: w, bias: b, output: &y, relu: true)
        if p.canPool2x2 { p.forwardPooled(input: x, weight: w, bias: b, pooled: &pooled, indices: &indices) }
        p.inputGradient(outGrad: dy, weight: w, bias: bIn, into: &dx)
        if !p.weightGradient(outGrad: dy, input: x, into: &dw, biasGradient: &db) {
            db =
                ConvPlan.channelSums(
                    Tensor(dy, shape: [p.batch, p.outChannels, p.colCols]), batch: p.batch,
                    channels: p.outChannels, spatial: p.colCols
                ).scalars
        }
        return [
            "forward": y, "pooled": pooled, "indices": indices.map(Float.init), "input": dx, "weight": dw, "bias": db,
        ]
    }

    @Test(
        arguments: [
            (2, 3, 9, 9, 8, 3, 1, 1, 1, 1), (3, 4, 10, 11, 6, 3, 2, 1, 1, 2), (2, 6, 12, 12, 6, 3, 1, 2, 2, 3),
            (2, 8, 7, 7, 16, 1, 1, 0, 1, 1), (4, 16, 8, 8, 32, 1, 2, 0, 1, 1), (2, 1, 28, 28, 32, 3, 1, 1, 1, 1),
            (2, 32, 14, 14, 64, 3, 1, 1, 1, 1), (1, 8, 9, 9, 8, 3, 1, 1, 1, 8), (2, 5, 13, 10, 7, 5, 2, 2, 1, 1),
        ] as [Geometry])
    func primitivesAgreeWithGEMM(_ c: Geometry) {
        let reference = passes(plan(c, .fixed(.gemm)), seed: 5)
        for implementation in [ConvolutionImplementation.onednn, .onednnBlocked] {
            let p = plan(c, .fixed(implementation))
            #expect(p.hasPrimitive(.forward, bias: true, relu: true) == ConvolutionChoice.primitivesAvailable)
            #expect(p.hasPrimitive(.backwardData) == ConvolutionChoice.primitivesAvailable)
            #expect(p.hasPrimitive(.backwardWeights, bias: true) == ConvolutionChoice.primitivesAvailable)
            let result = passes(p, seed: 5)
            for (name, expected) in reference where name != "indices" {
                #expect(close(result[name]!, expected), "\(name) of \(c) with \(implementation)")
            }
        }
    }

    /// In blocked layouts, operands of more than ``BufferPool/minimumBytes`` are reordered through buffers of the
    /// pool: the passes agree with GEMM, and run again (through the buffers the first run left) give the same values.
    @Test func blockedLayoutsWithPooledReorderBuffersAgreeWithGEMM() {
        let c: Geometry = (2, 256, 24, 24, 128, 1, 1, 0, 1, 1)
        let p = plan(c, .fixed(.onednnBlocked))
        #expect(p.batch * p.inChannels * p.imageSize * 4 > BufferPool.minimumBytes)
        let reference = passes(plan(c, .fixed(.gemm)), seed: 9)
        let first = passes(p, seed: 9), second = passes(p, seed: 9)
        for (name, expected) in reference where name != "indices" {
            #expect(close(first[name]!, expected), "\(name) of \(c) in blocked layouts")
            #expect(second[name]! == first[name]!, "\(name) of \(c) run again")
        }
    }

    /// The default runs deep layers (≥ 128 channels per group in and out) in oneDNN's blocked layouts where oneDNN is
    /// built in, and everything else (a 1-channel first layer, 64-channel layers, grouped layers) as im2col + GEMM.
    @Test func defaultChoosesByChannels() {
        let deep: ConvolutionImplementation = ConvolutionChoice.primitivesAvailable ? .onednnBlocked : .gemm
        let cases: [(Geometry, ConvolutionImplementation)] = [
            ((64, 1, 28, 28, 32, 3, 1, 1, 1, 1), .gemm), ((32, 64, 8, 8, 64, 3, 1, 1, 1, 1), .gemm),
            ((128, 128, 16, 16, 128, 3, 1, 1, 1, 1), deep), ((128, 256, 8, 8, 512, 3, 2, 1, 1, 1), deep),
            ((8, 256, 8, 8, 256, 3, 1, 1, 1, 4), .gemm), ((128, 64, 32, 32, 128, 1, 2, 0, 1, 1), .gemm),
        ]
        for (c, expected) in cases {
            let p = plan(c, .automatic)
            for pass in [ConvolutionPass.forward, .backwardData, .backwardWeights] {
                #expect(ConvolutionChoice.automatic.implementation(for: pass, plan: p) == expected, "\(c)")
            }
        }
    }

    /// A geometry oneDNN rejects (an output far larger than the padded input allows) has no primitive in either
    /// layout: every pass reports `false` without touching the buffers, which sends the caller to im2col + GEMM.
    @Test func noPrimitiveFallsBackToGEMM() {
        for implementation in [ConvolutionImplementation.onednn, .onednnBlocked] {
            let p = ConvPlan(
                batch: 2, inChannels: 3, height: 8, width: 8, outChannels: 4, outHeight: 1 << 33, outWidth: 8,
                groups: 1, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1,
                dilationW: 1, choice: .fixed(implementation))
            var buffer = [Float](repeating: 7, count: 16)
            let ran = buffer.withUnsafeMutableBufferPointer { b in
                let q = b.baseAddress!
                return [
                    p.runPrimitive(.forward, src: q, weights: q, bias: q, dst: q, relu: true),
                    p.runPrimitive(.backwardData, src: q, weights: q, bias: nil, dst: q),
                    p.runPrimitive(.backwardWeights, src: q, weights: q, bias: q, dst: q),
                ]
            }
            #expect(ran == [false, false, false], "\(implementation)")
            #expect(buffer.allSatisfy { $0 == 7 })
        }
    }

    /// A transposed convolution whose output padding exceeds its padding (a plan whose last image row no window
    /// reaches: negative padding after it) agrees with GEMM in both layouts.
    @Test func croppedGeometryAgreesWithGEMM() {
        func make(_ choice: ConvolutionChoice) -> ConvPlan {
            ConvPlan(
                batch: 2, inChannels: 3, height: 12, width: 12, outChannels: 4, outHeight: 5, outWidth: 5, groups: 1,
                kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
                choice: choice)
        }
        let reference = passes(make(.fixed(.gemm)), seed: 9)
        for implementation in [ConvolutionImplementation.onednn, .onednnBlocked] {
            let result = passes(make(.fixed(implementation)), seed: 9)
            for (name, expected) in reference where name != "indices" {
                #expect(close(result[name]!, expected), "\(name) with \(implementation)")
            }
        }
    }

    /// `Tensor.convTranspose2d` (stride 2, output padding 1) under the process's choice gives the values of the GEMM
    /// plan's input gradient with the bias.
    @Test func convTranspose2dMatchesGEMM() {
        let g = RandomGenerator(seed: 3)
        let x = g.normal([2, 4, 6, 6])
        let w = g.normal([4, 3, 3, 3])
        let b = g.normal([3])
        let y = x.convTranspose2d(weight: w, bias: b, stride: 2, padding: 1, outputPadding: 1)
        // The same transposed convolution as the input gradient of the GEMM plan from its output to its input.
        let p = ConvPlan(
            batch: 2, inChannels: 3, height: 12, width: 12, outChannels: 4, outHeight: 6, outWidth: 6, groups: 1,
            kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1,
            choice: .fixed(.gemm))
        var expected = [Float](repeating: .nan, count: y.count)
        p.inputGradient(outGrad: x.scalars, weight: w.scalars, bias: b.scalars, into: &expected)
        #expect(close(y.scalars, expected))
    }
}
