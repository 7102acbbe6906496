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
/// A transposed convolution is the same plan read backwards: its forward pass is the input gradient of the
/// convolution from its output to its input, and so on (see `ConvTranspose2d.swift`).
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

    /// Writes the column matrix `[colRows, colCols]` of one group of one image (`src` at its first channel).
    func im2col(_ src: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
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

    /// Adds the column matrix `cols` back into one group of one image (`dst` at its first channel): the
    /// adjoint of ``im2col(_:_:)``.
    func col2im(_ cols: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
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
    func forEachImageChunk(_ chunks: Int, scratch: Int,
                           _ body: (Range<Int>, UnsafeMutablePointer<Float>, Int) -> Void) {
        Parallel.forEachChunk(chunks, cost: Parallel.grainSize) { range in
            for c in range {
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratch, 1))
                defer { buffer.deallocate() }
                body((batch * c / chunks)..<(batch * (c + 1) / chunks), buffer, c)
            }
        }
    }

    /// `output = conv(input, weight) + bias`, output overwritten; `bias` is per output channel.
    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 output: UnsafeMutablePointer<Float>) {
        let pointwise = isPointwise
        forEachImageChunk(chunkCount, scratch: pointwise ? 0 : colRows * colCols) { images, cols, _ in
            for n in images {
                for g in 0..<groups {
                    let src = input + (n * inChannels + g * inPerGroup) * imageSize
                    let dst = output + (n * outChannels + g * outPerGroup) * colCols
                    if !pointwise { im2col(src, cols) }
                    if let bias {
                        for k in 0..<outPerGroup {
                            (dst + k * colCols).update(repeating: bias[g * outPerGroup + k], count: colCols)
                        }
                    }
                    Backend.sgemm(transposeA: false, transposeB: false, m: outPerGroup, n: colCols, k: colRows,
                                  alpha: 1, a: weight + g * outPerGroup * colRows, lda: colRows,
                                  b: pointwise ? src : UnsafePointer(cols), ldb: colCols,
                                  beta: bias == nil ? 0 : 1, c: dst, ldc: colCols)
                }
            }
        }
    }

    /// `inputGradient = convᵀ(outGrad, weight) + bias`, overwritten; `bias` is per *input* channel (the bias of a
    /// transposed convolution, whose forward pass this is).
    func inputGradient(outGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                       into result: UnsafeMutablePointer<Float>) {
        let pointwise = isPointwise
        forEachImageChunk(chunkCount, scratch: pointwise ? 0 : colRows * colCols) { images, cols, _ in
            for n in images {
                for g in 0..<groups {
                    let src = outGrad + (n * outChannels + g * outPerGroup) * colCols
                    let dst = result + (n * inChannels + g * inPerGroup) * imageSize
                    for c in 0..<inPerGroup {
                        (dst + c * imageSize).update(repeating: bias?[g * inPerGroup + c] ?? 0, count: imageSize)
                    }
                    Backend.sgemm(transposeA: true, transposeB: false, m: colRows, n: colCols, k: outPerGroup,
                                  alpha: 1, a: weight + g * outPerGroup * colRows, lda: colRows,
                                  b: src, ldb: colCols,
                                  beta: pointwise ? 1 : 0, c: pointwise ? dst : cols, ldc: colCols)
                    if !pointwise { col2im(cols, dst) }
                }
            }
        }
    }

    /// `weightGradient = Σₙ outGrad[n] · im2col(input[n])ᵀ`, shape `[outChannels, colRows]`, overwritten.
    func weightGradient(outGrad: UnsafePointer<Float>, input: UnsafePointer<Float>,
                        into result: UnsafeMutablePointer<Float>) {
        let pointwise = isPointwise
        let chunks = chunkCount
        let size = outChannels * colRows
        // Chunk 0 accumulates into `result`, the others into their own slices of `partials`.
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max((chunks - 1) * size, 1))
        defer { partials.deallocate() }
        forEachImageChunk(chunks, scratch: pointwise ? 0 : colRows * colCols) { images, cols, chunk in
            let acc = chunk == 0 ? result : partials + (chunk - 1) * size
            if images.isEmpty { acc.update(repeating: 0, count: size) }
            for n in images {
                for g in 0..<groups {
                    let src = input + (n * inChannels + g * inPerGroup) * imageSize
                    if !pointwise { im2col(src, cols) }
                    Backend.sgemm(transposeA: false, transposeB: true, m: outPerGroup, n: colRows, k: colCols,
                                  alpha: 1, a: outGrad + (n * outChannels + g * outPerGroup) * colCols, lda: colCols,
                                  b: pointwise ? src : UnsafePointer(cols), ldb: colCols,
                                  beta: n == images.lowerBound ? 0 : 1, c: acc + g * outPerGroup * colRows, ldc: colRows)
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
    }

    /// Per-channel sums of `grad` of shape `[batch, channels, spatial]`: the gradient of a bias.
    static func channelSums(_ grad: Tensor, batch: Int, channels: Int, spatial: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [channels])
        let src = grad.storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(channels, cost: batch * spatial) { r in
            for c in r {
                var s: Float = 0
                for n in 0..<batch {
                    let p = src + (n * channels + c) * spatial
                    var acc = SIMD8<Float>()
                    var j = 0
                    while j + 8 <= spatial {
                        acc += UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self)
                        j += 8
                    }
                    var t = acc.sum()
                    while j < spatial { t += p[j]; j += 1 }
                    s += t
                }
                dst[c] = s
            }
        }
        return out
    }
}
