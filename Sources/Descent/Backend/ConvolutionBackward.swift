import CDescentKernels

/// The backward pass of a convolution in one pass over the images: for each image, its output gradient (read from a
/// dense buffer or computed right there by a fused epilogue's backward, e.g. max pooling and ReLU), the bias
/// gradient's per-plane sums, the weight gradient's GEMM and the input gradient's GEMM and col2im, while the image's
/// output gradient is in cache. The values are bitwise those of ``ConvPlan/weightGradient(outGrad:input:into:biasGradient:)``,
/// ``ConvPlan/inputGradient(outGrad:weight:bias:into:)`` and ``ConvPlan/channelSums(_:batch:channels:spatial:)``
/// run one after the other on the dense output gradient (the same products, in the same order).
extension ConvPlan {
    /// Where ``backward(outGrad:input:weight:inputGradient:weightGradient:biasGradient:)`` reads each image's output
    /// gradient `∂y[n]` (`[outChannels, outHeight·outWidth]`).
    enum OutputGradient {
        /// A dense `[batch, outChannels, outHeight, outWidth]` buffer.
        case dense(UnsafePointer<Float>)
        /// Written by the closure for image `n` into a per-thread buffer of `outChannels · outHeight · outWidth`
        /// floats, once per image, on the pool's threads.
        case perImage((_ image: Int, _ into: UnsafeMutablePointer<Float>) -> Void)
    }

    /// Whether ``backward(outGrad:input:weight:inputGradient:weightGradient:biasGradient:)`` applies: both gradient
    /// passes of this plan run as im2col + GEMM (not as oneDNN primitives).
    var backwardIsFused: Bool {
        choice.implementation(for: .backwardData, plan: self) == .gemm
            && choice.implementation(for: .backwardWeights, plan: self) == .gemm
    }

    /// The gradients of `y = conv(x, W) + b` from `∂y` (`outGrad`), each written where its buffer is given:
    ///
    ///     ∂x[n] = col2im(Wᵀ · ∂y[n])           ∂W = Σₙ ∂y[n] · im2col(x[n])ᵀ           ∂b[k] = Σₙ Σₚ ∂y[n, k, p]
    ///
    /// `input` is `x` (needed for `∂W` only). Runs only where ``backwardIsFused``.
    func backward(
        outGrad: OutputGradient, input: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>?,
        biasGradient: UnsafeMutablePointer<Float>?
    ) {
        precondition(backwardIsFused, "ConvPlan.backward: a pass of this plan runs as a oneDNN primitive")
        precondition(weightGradient == nil || input != nil, "ConvPlan.backward: the weight gradient needs the input")
        let chunks = chunkCount, pointwise = isPointwise, rows = weightGradientUsesRows
        let outImage = outChannels * colCols, colSize = colRows * colCols, size = outChannels * colRows
        let hwcSize = (height + 2 * padH) * (width + 2 * padW) * inPerGroup
        let inputWork = inputGradient != nil && !pointwise ? colSize + paddedSize : 0
        let weightWork =
            weightGradient == nil ? 0 : rows ? hwcSize + colCols * colRows : pointwise ? 0 : colSize + paddedSize
        let gradientBuffer: Int
        if case .dense = outGrad { gradientBuffer = 0 } else { gradientBuffer = outImage }
        // Weight-gradient accumulators: with rows, one per chunk (channels-last order, reordered at the end); else
        // chunk 0 accumulates into the result and the others into their own slices.
        let partialCount = weightGradient == nil ? 0 : rows ? chunks * size : (chunks - 1) * size
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(partialCount, 1))
        defer { partials.deallocate() }
        let planeSums = UnsafeMutablePointer<Float>.allocate(
            capacity: biasGradient == nil ? 1 : Swift.max(batch * outChannels, 1))
        defer { planeSums.deallocate() }
        var geo = geometry
        forEachImageChunk(chunks, scratch: gradientBuffer + Swift.max(inputWork, weightWork)) {
            images, scratch, chunk in
            let work = scratch + gradientBuffer
            let acc: UnsafeMutablePointer<Float>? = weightGradient.map {
                rows ? partials + chunk * size : chunk == 0 ? $0 : partials + (chunk - 1) * size
            }
            if images.isEmpty, let acc { acc.update(repeating: 0, count: size) }
            for n in images {
                let dy: UnsafePointer<Float>
                switch outGrad {
                case .dense(let p): dy = p + n * outImage
                case .perImage(let write):
                    write(n, scratch)
                    dy = UnsafePointer(scratch)
                }
                if biasGradient != nil {
                    for k in 0..<outChannels {
                        planeSums[n * outChannels + k] = Kernels.eightLaneSum(dy + k * colCols, colCols)
                    }
                }
                if let acc, let input {
                    for g in 0..<groups {
                        let src = input + (n * inChannels + g * inPerGroup) * imageSize
                        let b: UnsafePointer<Float>
                        if rows {
                            descent_pad_to_hwc(&geo, src, work)
                            descent_im2row(&geo, work, work + hwcSize)
                            b = UnsafePointer(work + hwcSize)
                        } else if pointwise {
                            b = src
                        } else {
                            im2col(src, work, padded: work + colSize)
                            b = UnsafePointer(work)
                        }
                        Backend.gemm(
                            transposeA: false, transposeB: rows ? false : true, m: outPerGroup, n: colRows, k: colCols,
                            alpha: 1, a: dy + g * outPerGroup * colCols, lda: colCols,
                            b: b, ldb: rows ? colRows : colCols,
                            beta: n == images.lowerBound ? 0 : 1, c: acc + g * outPerGroup * colRows, ldc: colRows,
                            precision: precision)
                    }
                }
                if let inputGradient {
                    for g in 0..<groups {
                        let dst = inputGradient + (n * inChannels + g * inPerGroup) * imageSize
                        if pointwise { dst.update(repeating: 0, count: inPerGroup * imageSize) }
                        Backend.gemm(
                            transposeA: true, transposeB: false, m: colRows, n: colCols, k: outPerGroup,
                            alpha: 1, a: weight + g * outPerGroup * colRows, lda: colRows,
                            b: dy + g * outPerGroup * colCols, ldb: colCols,
                            beta: pointwise ? 1 : 0, c: pointwise ? dst : work, ldc: colCols, precision: precision)
                        if !pointwise { col2im(work, dst, padded: work + colSize, bias: nil) }
                    }
                }
            }
        }
        if let weightGradient {
            if rows {
                reorderRowPartials(partials, chunks: chunks, into: weightGradient)
            } else if chunks > 1 {
                Parallel.forEachChunk(size, cost: chunks) { r in
                    for c in 1..<chunks {
                        let p = partials + (c - 1) * size
                        for i in r { weightGradient[i] += p[i] }
                    }
                }
            }
        }
        if let biasGradient {
            Parallel.forEachChunk(outChannels, cost: batch) { r in
                for k in r {
                    var s: Float = 0
                    for n in 0..<batch { s += planeSums[n * outChannels + k] }
                    biasGradient[k] = s
                }
            }
        }
    }
}
