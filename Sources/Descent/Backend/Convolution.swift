import CDescentKernels

/// The kernels of 2-D convolution: im2col / col2im and the three GEMM passes (output, input gradient, weight
/// gradient), batched and parallel over the images of the batch.
///
/// A plan describes a convolution from an "image" `[batch, inChannels, height, width]` to an "output"
/// `[batch, outChannels, outHeight, outWidth]` with weight `[outChannels, inChannels / groups, kH, kW]`.
/// For group `g` of image `n`, with `cols = im2col(x[n, g])` of shape `[inChannels/groups · kH · kW, oH · oW]`:
///
///     y[n, g]  = W[g] · cols                       (forward)
///     ∂x[n, g] = col2im(W[g]ᵀ · ∂y[n, g])          (input gradient)
///     ∂W[g]   += ∂y[n, g] · colsᵀ                  (weight gradient)
///
/// The GEMMs run in the plan's ``precision`` (``Backend/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:precision:)``):
/// under ``Precision/bf16`` the weights and the column matrix (or the output gradient) are rounded to bfloat16 and
/// the products accumulated in float32.
///
/// A transposed convolution is the same plan read backwards: its forward pass is the input gradient of the
/// convolution from its output to its input, and so on (see `ConvTranspose2d.swift`).
///
/// Each pass runs as one oneDNN convolution primitive over the whole batch where ``choice`` says so and oneDNN
/// serves the geometry (see `ConvolutionPrimitives.swift`), and as im2col + GEMM otherwise.
struct ConvPlan {
    let batch: Int
    let inChannels: Int
    let height: Int
    let width: Int
    let outChannels: Int
    let outHeight: Int
    let outWidth: Int
    let groups: Int
    let kernelH: Int, kernelW: Int
    let strideH: Int, strideW: Int
    let padH: Int, padW: Int
    let dilationH: Int, dilationW: Int
    /// Which implementation each pass uses (by default the process's `DESCENT_CONVOLUTION`).
    var choice = ConvolutionChoice.configured
    /// The precision of the three GEMMs (by default ``Backend/precision`` when the plan is made, so that a layer's
    /// backward pass runs in the precision of its forward pass).
    var precision: Precision = Backend.precision

    var inPerGroup: Int { inChannels / groups }
    var outPerGroup: Int { outChannels / groups }
    /// Rows of the column matrix: one per (input channel of the group, kernel row, kernel column).
    var colRows: Int { inPerGroup * kernelH * kernelW }
    /// Columns of the column matrix: one per output position.
    var colCols: Int { outHeight * outWidth }
    var imageSize: Int { height * width }
    /// A 1×1 convolution with stride 1 and no padding: the image itself is the column matrix.
    var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
            && outHeight == height && outWidth == width
    }

    /// `⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1`, or 0 when the kernel does not fit.
    static func outputSize(_ input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        let span = input + 2 * padding - dilation * (kernel - 1) - 1
        return span < 0 ? 0 : span / stride + 1
    }

    /// The output positions `lo..<hi` (within `0..<count`) whose input index `o · stride + offset` lies in
    /// `0..<size`.
    @inline(__always)
    static func validRange(offset: Int, size: Int, stride: Int, count: Int) -> (Int, Int) {
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = size - 1 - offset
        let hi = last < 0 ? 0 : last / stride + 1
        let l = Swift.min(lo, count)
        return (l, Swift.max(l, Swift.min(hi, count)))
    }

    /// The geometry of one group of one image, for the C kernels.
    var geometry: descent_conv_geometry {
        descent_conv_geometry(
            channels: inPerGroup, height: height, width: width, kernelH: kernelH, kernelW: kernelW,
            strideH: strideH, strideW: strideW, padH: padH, padW: padW, dilationH: dilationH,
            dilationW: dilationW, outH: outHeight, outW: outWidth)
    }

    /// Floats of one group's zero-padded planes (`inPerGroup · (H + 2p_h) · (W + 2p_w)`), the scratch that
    /// ``im2col(_:_:padded:)`` and ``col2im(_:_:padded:bias:)`` need (0 without padding).
    var paddedSize: Int {
        padH == 0 && padW == 0 ? 0 : inPerGroup * (height + 2 * padH) * (width + 2 * padW)
    }

    /// Writes the column matrix `[colRows, colCols]` of one group of one image (`src` at its first channel):
    /// `cols[(c·kH + i)·kW + j, oh·oW + ow] = src[c, oh·s_h − p_h + i·d_h, ow·s_w − p_w + j·d_w]`, 0 outside the image.
    /// `padded` is scratch of ``paddedSize`` floats: the image is first copied with its zero border, so that every
    /// row of `cols` is a plain copy.
    func im2col(_ src: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>) {
        var geo = geometry
        if paddedSize > 0 {
            descent_pad_planes(&geo, src, padded)
            descent_im2col_padded(&geo, padded, cols)
        } else {
            descent_im2col_padded(&geo, src, cols)
        }
    }

    /// Overwrites one group of one image (`dst` at its first channel) with the adjoint of ``im2col(_:_:padded:)``
    /// applied to `cols`, plus `bias[c]` per channel when given. `padded` is scratch of ``paddedSize`` floats.
    func col2im(
        _ cols: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>,
        bias: UnsafePointer<Float>?
    ) {
        var geo = geometry
        if paddedSize > 0 {
            descent_col2im_padded(&geo, cols, padded)
            descent_unpad_planes(&geo, padded, bias, dst)
        } else {
            descent_col2im_padded(&geo, cols, dst)
            if let bias {
                for c in 0..<inPerGroup {
                    let plane = dst + c * imageSize, b = bias[c]
                    for t in 0..<imageSize { plane[t] += b }
                }
            }
        }
    }

    /// ``im2col(_:_:padded:)`` in Swift (the C kernels' reference).
    func swiftIm2col(_ src: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
        let oH = outHeight, oW = outWidth, hw = colCols, W = width
        for c in 0..<inPerGroup {
            let plane = src + c * imageSize
            for i in 0..<kernelH {
                let offH = i * dilationH - padH
                let (hLo, hHi) = ConvPlan.validRange(offset: offH, size: height, stride: strideH, count: oH)
                for j in 0..<kernelW {
                    let offW = j * dilationW - padW
                    let (wLo, wHi) = ConvPlan.validRange(offset: offW, size: W, stride: strideW, count: oW)
                    let row = cols + ((c * kernelH + i) * kernelW + j) * hw
                    if hLo > 0 { row.update(repeating: 0, count: hLo * oW) }
                    if hHi < oH { (row + hHi * oW).update(repeating: 0, count: (oH - hHi) * oW) }
                    for oh in hLo..<hHi {
                        let s = plane + (oh * strideH + offH) * W
                        let d = row + oh * oW
                        if wLo > 0 { d.update(repeating: 0, count: wLo) }
                        if strideW == 1 {
                            (d + wLo).update(from: s + (wLo + offW), count: wHi - wLo)
                        } else {
                            for ow in wLo..<wHi { d[ow] = s[ow * strideW + offW] }
                        }
                        if wHi < oW { (d + wHi).update(repeating: 0, count: oW - wHi) }
                    }
                }
            }
        }
    }

    /// ``col2im(_:_:padded:bias:)`` in Swift (the C kernels' reference): adds into `dst`.
    func swiftCol2im(_ cols: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        let oH = outHeight, oW = outWidth, hw = colCols, W = width
        for c in 0..<inPerGroup {
            let plane = dst + c * imageSize
            for i in 0..<kernelH {
                let offH = i * dilationH - padH
                let (hLo, hHi) = ConvPlan.validRange(offset: offH, size: height, stride: strideH, count: oH)
                for j in 0..<kernelW {
                    let offW = j * dilationW - padW
                    let (wLo, wHi) = ConvPlan.validRange(offset: offW, size: W, stride: strideW, count: oW)
                    let row = cols + ((c * kernelH + i) * kernelW + j) * hw
                    for oh in hLo..<hHi {
                        let d = plane + (oh * strideH + offH) * W
                        let s = row + oh * oW
                        if strideW == 1 {
                            let dd = d + (wLo + offW), ss = s + wLo
                            for k in 0..<(wHi - wLo) { dd[k] += ss[k] }
                        } else {
                            for ow in wLo..<wHi { d[ow * strideW + offW] += s[ow] }
                        }
                    }
                }
            }
        }
    }

    /// How many chunks of images to run in parallel: one per thread, but only when there is enough work.
    var chunkCount: Int {
        let flopsPerImage = outChannels * colRows * colCols
        let byWork = Swift.max(1, batch * flopsPerImage / (1 << 17))
        return Swift.max(1, Swift.min(Backend.threads, batch, byWork))
    }

    /// Calls `body(images, scratch, chunk)` for `chunks` contiguous ranges of images in parallel, each with its
    /// own scratch buffer of `scratch` floats (allocated once per chunk and reused for all its images).
    func forEachImageChunk(
        _ chunks: Int, scratch: Int,
        _ body: (Range<Int>, UnsafeMutablePointer<Float>, Int) -> Void
    ) {
        Parallel.forEachChunk(chunks, cost: Parallel.grainSize) { range in
            for c in range {
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratch, 1))
                defer { buffer.deallocate() }
                body((batch * c / chunks)..<(batch * (c + 1) / chunks), buffer, c)
            }
        }
    }

    /// `output = conv(input, weight) + bias`, then `max(output, 0)` when `relu`; output overwritten; `bias` is per
    /// output channel. The bias and ReLU are applied to each image right after its GEMM, while it is in cache.
    func forward(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, relu: Bool = false
    ) {
        if runPrimitive(.forward, src: input, weights: weight, bias: bias, dst: output, relu: relu) { return }
        let pointwise = isPointwise
        let colSize = colRows * colCols
        forEachImageChunk(chunkCount, scratch: pointwise ? 0 : colSize + paddedSize) { images, cols, _ in
            for n in images {
                for g in 0..<groups {
                    let src = input + (n * inChannels + g * inPerGroup) * imageSize
                    let dst = output + (n * outChannels + g * outPerGroup) * colCols
                    if !pointwise { im2col(src, cols, padded: cols + colSize) }
                    Backend.gemm(
                        transposeA: false, transposeB: false, m: outPerGroup, n: colCols, k: colRows,
                        alpha: 1, a: weight + g * outPerGroup * colRows, lda: colRows,
                        b: pointwise ? src : UnsafePointer(cols), ldb: colCols,
                        beta: 0, c: dst, ldc: colCols, precision: precision)
                    if bias != nil || relu {
                        Kernels.biasReLU(
                            dst, bias.map { $0 + g * outPerGroup }, channels: outPerGroup, spatial: colCols,
                            relu: relu)
                    }
                }
            }
        }
    }

    /// Whether ``forwardPooled(input:weight:bias:pooled:indices:)`` applies: the output has at least 2×2 positions.
    var canPool2x2: Bool { outHeight >= 2 && outWidth >= 2 }

    /// `pooled = maxPool2×2(max(conv(input, weight) + bias, 0))` with stride 2, and the flat position of each
    /// window's maximum in its output plane (`indices`, as ``Tensor/maxPool2d(kernelSize:stride:padding:dilation:ceilMode:)``
    /// records them). Each image's convolution output stays in a per-thread scratch buffer (in cache) and is pooled
    /// right away; the full output is never written. `indices` may be `nil` (inference).
    func forwardPooled(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        pooled: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>?
    ) {
        if forwardPooledByPrimitive(input: input, weight: weight, bias: bias, pooled: pooled, indices: indices) {
            return
        }
        let pointwise = isPointwise
        let colSize = colRows * colCols, outSize = outChannels * colCols
        let pH = outHeight / 2, pW = outWidth / 2, pooledPlane = pH * pW
        forEachImageChunk(chunkCount, scratch: outSize + (pointwise ? 0 : colSize + paddedSize)) { images, scratch, _ in
            let y = scratch, cols = scratch + outSize
            for n in images {
                for g in 0..<groups {
                    let src = input + (n * inChannels + g * inPerGroup) * imageSize
                    let dst = y + g * outPerGroup * colCols
                    if !pointwise { im2col(src, cols, padded: cols + colSize) }
                    Backend.gemm(
                        transposeA: false, transposeB: false, m: outPerGroup, n: colCols, k: colRows,
                        alpha: 1, a: weight + g * outPerGroup * colRows, lda: colRows,
                        b: pointwise ? src : UnsafePointer(cols), ldb: colCols,
                        beta: 0, c: dst, ldc: colCols, precision: precision)
                    Kernels.biasReLU(
                        dst, bias.map { $0 + g * outPerGroup }, channels: outPerGroup, spatial: colCols,
                        relu: true)
                }
                for k in 0..<outChannels {
                    let o = (n * outChannels + k) * pooledPlane
                    Pooling.maxPool2x2(
                        y + k * colCols, width: outWidth, pooled + o, indices: indices.map { $0 + o },
                        outHeight: pH, outWidth: pW)
                }
            }
        }
    }

    /// ``forwardPooled(input:weight:bias:pooled:indices:)`` through the oneDNN primitive (bias and ReLU fused) into a
    /// full-size output, then pooled plane by plane in parallel; `false` (nothing written) when the forward pass is
    /// not a primitive for this plan.
    private func forwardPooledByPrimitive(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        pooled: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>?
    ) -> Bool {
        guard choice.implementation(for: .forward, plan: self) != .gemm else { return false }
        let planes = batch * outChannels
        let y = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(planes * colCols, 1))
        defer { y.deallocate() }
        guard runPrimitive(.forward, src: input, weights: weight, bias: bias, dst: y, relu: true) else { return false }
        let pH = outHeight / 2, pW = outWidth / 2, pooledPlane = pH * pW
        Parallel.forEachChunk(planes, cost: colCols) { range in
            for p in range {
                Pooling.maxPool2x2(
                    y + p * colCols, width: outWidth, pooled + p * pooledPlane,
                    indices: indices.map { $0 + p * pooledPlane }, outHeight: pH, outWidth: pW)
            }
        }
        return true
    }

    /// `inputGradient = convᵀ(outGrad, weight) + bias`, overwritten; `bias` is per *input* channel (the bias of a
    /// transposed convolution, whose forward pass this is).
    func inputGradient(
        outGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into result: UnsafeMutablePointer<Float>
    ) {
        if runPrimitive(.backwardData, src: result, weights: weight, bias: nil, dst: outGrad) {
            if let bias {
                let image = inChannels * imageSize
                Parallel.forEachChunk(batch, cost: image) { r in
                    for n in r {
                        Kernels.biasReLU(
                            result + n * image, bias, channels: inChannels, spatial: imageSize, relu: false)
                    }
                }
            }
            return
        }
        let pointwise = isPointwise
        let colSize = colRows * colCols
        forEachImageChunk(chunkCount, scratch: pointwise ? 0 : colSize + paddedSize) { images, cols, _ in
            for n in images {
                for g in 0..<groups {
                    let src = outGrad + (n * outChannels + g * outPerGroup) * colCols
                    let dst = result + (n * inChannels + g * inPerGroup) * imageSize
                    if pointwise {
                        for c in 0..<inPerGroup {
                            (dst + c * imageSize).update(repeating: bias?[g * inPerGroup + c] ?? 0, count: imageSize)
                        }
                    }
                    Backend.gemm(
                        transposeA: true, transposeB: false, m: colRows, n: colCols, k: outPerGroup,
                        alpha: 1, a: weight + g * outPerGroup * colRows, lda: colRows,
                        b: src, ldb: colCols,
                        beta: pointwise ? 1 : 0, c: pointwise ? dst : cols, ldc: colCols, precision: precision)
                    if !pointwise {
                        col2im(cols, dst, padded: cols + colSize, bias: bias.map { $0 + g * inPerGroup })
                    }
                }
            }
        }
    }

    /// Whether ``weightGradient(outGrad:input:into:)`` builds the column matrix transposed (one row per output
    /// position, from a channels-last copy of the image), so that its GEMM reads both operands untransposed: much
    /// faster when there are many output positions and few output channels, where `∂y · colsᵀ` is slow.
    var weightGradientUsesRows: Bool { colCols * 2 >= colRows }

    /// `weightGradient = Σₙ outGrad[n] · im2col(input[n])ᵀ`, shape `[outChannels, colRows]`, overwritten; and, when
    /// `biasGradient` is given and the pass runs as a oneDNN primitive, `biasGradient[k] = Σₙ Σₚ outGrad[n, k, p]` in
    /// the same pass. Returns whether `biasGradient` was written (otherwise the caller sums it).
    @discardableResult
    func weightGradient(
        outGrad: UnsafePointer<Float>, input: UnsafePointer<Float>,
        into result: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>? = nil
    ) -> Bool {
        if runPrimitive(.backwardWeights, src: input, weights: result, bias: biasGradient, dst: outGrad) {
            return biasGradient != nil
        }
        if weightGradientUsesRows {
            weightGradientFromRows(outGrad: outGrad, input: input, into: result)
            return false
        }
        let pointwise = isPointwise
        let chunks = chunkCount
        let size = outChannels * colRows
        // Chunk 0 accumulates into `result`, the others into their own slices of `partials`.
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max((chunks - 1) * size, 1))
        defer { partials.deallocate() }
        let colSize = colRows * colCols
        forEachImageChunk(chunks, scratch: pointwise ? 0 : colSize + paddedSize) { images, cols, chunk in
            let acc = chunk == 0 ? result : partials + (chunk - 1) * size
            if images.isEmpty { acc.update(repeating: 0, count: size) }
            for n in images {
                for g in 0..<groups {
                    let src = input + (n * inChannels + g * inPerGroup) * imageSize
                    if !pointwise { im2col(src, cols, padded: cols + colSize) }
                    Backend.gemm(
                        transposeA: false, transposeB: true, m: outPerGroup, n: colRows, k: colCols,
                        alpha: 1, a: outGrad + (n * outChannels + g * outPerGroup) * colCols, lda: colCols,
                        b: pointwise ? src : UnsafePointer(cols), ldb: colCols,
                        beta: n == images.lowerBound ? 0 : 1, c: acc + g * outPerGroup * colRows, ldc: colRows,
                        precision: precision)
                }
            }
        }
        if chunks > 1 {
            Parallel.forEachChunk(size, cost: chunks) { r in
                for c in 1..<chunks {
                    let p = partials + (c - 1) * size
                    for i in r { result[i] += p[i] }
                }
            }
        }
        return false
    }

    /// ``weightGradient(outGrad:input:into:)`` through transposed column matrices:
    ///
    ///     rows[p, (i·kW + j)·C + c] = x[c, p_h·s_h − p_h + i·d_h, p_w·s_w − p_w + j·d_w]     (im2row, channels last)
    ///     ∂W'[g] = Σₙ ∂y[n, g] · rows(x[n, g])                                               (GEMM, both untransposed)
    ///     ∂W[k, c, i, j] = ∂W'[k, (i·kW + j)·C + c]
    ///
    /// parallel over chunks of images, each with its own accumulator, summed at the end.
    func weightGradientFromRows(
        outGrad: UnsafePointer<Float>, input: UnsafePointer<Float>,
        into result: UnsafeMutablePointer<Float>
    ) {
        let chunks = chunkCount
        let size = outChannels * colRows
        let paddedSize = (height + 2 * padH) * (width + 2 * padW) * inPerGroup
        // Each chunk accumulates ∂W' (channels-last order) in its own slice of `partials`.
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(chunks * size, 1))
        defer { partials.deallocate() }
        var geo = geometry
        forEachImageChunk(chunks, scratch: paddedSize + colCols * colRows) { images, scratch, chunk in
            let acc = partials + chunk * size
            let hwc = scratch, rows = scratch + paddedSize
            if images.isEmpty { acc.update(repeating: 0, count: size) }
            for n in images {
                for g in 0..<groups {
                    let src = input + (n * inChannels + g * inPerGroup) * imageSize
                    descent_pad_to_hwc(&geo, src, hwc)
                    descent_im2row(&geo, hwc, rows)
                    Backend.gemm(
                        transposeA: false, transposeB: false, m: outPerGroup, n: colRows, k: colCols,
                        alpha: 1, a: outGrad + (n * outChannels + g * outPerGroup) * colCols, lda: colCols,
                        b: rows, ldb: colRows,
                        beta: n == images.lowerBound ? 0 : 1, c: acc + g * outPerGroup * colRows, ldc: colRows,
                        precision: precision)
                }
            }
        }
        reorderRowPartials(partials, chunks: chunks, into: result)
    }

    /// `result[k, (c·kH + i)·kW + j] = Σ_chunks partials[chunk, k, (i·kW + j)·C + c]`: the weight gradient from the
    /// per-chunk channels-last accumulators of ``weightGradientFromRows(outGrad:input:into:)``, summed in chunk order.
    func reorderRowPartials(
        _ partials: UnsafePointer<Float>, chunks: Int, into result: UnsafeMutablePointer<Float>
    ) {
        let size = outChannels * colRows
        let C = inPerGroup, taps = kernelH * kernelW, rowLen = colRows
        Parallel.forEachChunk(outChannels, cost: rowLen * chunks) { ks in
            for k in ks {
                let dst = result + k * rowLen
                for c in 0..<C {
                    for t in 0..<taps {
                        var v: Float = 0
                        for chunk in 0..<chunks { v += partials[chunk * size + k * rowLen + t * C + c] }
                        dst[c * taps + t] = v
                    }
                }
            }
        }
    }

    /// Per-channel sums of `grad` of shape `[batch, channels, spatial]`: the gradient of a bias.
    static func channelSums(_ grad: Tensor, batch: Int, channels: Int, spatial: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [channels])
        let src = grad.storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(channels, cost: batch * spatial) { r in
            for c in r {
                var s: Float = 0
                for n in 0..<batch { s += Kernels.eightLaneSum(src + (n * channels + c) * spatial, spatial) }
                dst[c] = s
            }
        }
        return out
    }

}
