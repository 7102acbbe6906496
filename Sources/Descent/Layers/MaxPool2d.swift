#if canImport(CDNNL)
import CDNNL
#endif

extension Tensor {
    /// 2-D max pooling (PyTorch's `F.max_pool2d`) over the last two dimensions of `[N, C, H, W]` or `[C, H, W]`:
    ///
    ///     y[…, i, j] = max_{p < kH, q < kW} x[…, i·s_h − p_h + p·d_h, j·s_w − p_w + q·d_w]
    ///
    /// over the positions inside the input (padding never wins). `stride` defaults to the kernel size. Output size
    /// `⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1` (rounded up with `ceilMode`). The gradient goes to the first maximum of
    /// each window (a NaN counts as the maximum), as in PyTorch.
    public func maxPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1,
                          ceilMode: Bool = false) -> Tensor {
        let geo: PoolGeometry
        do {
            geo = try PoolGeometry(op: "maxPool2d", shape: shape, kernel: kernelSize, stride: stride ?? kernelSize,
                                   padding: padding, dilation: dilation, ceilMode: ceilMode)
        } catch {
            preconditionFailure("\(error)")
        }
        let out = Tensor(uninitializedShape: geo.outputShape(shape))
        let outPlane = geo.outHeight * geo.outWidth, inPlane = geo.height * geo.width
        let src = storage.pointer, dst = out.storage.pointer
        // 2×2 windows with stride 2 (the common case) go through a vector kernel.
        #if canImport(CDNNL)
        let twoByTwo = geo.kernelH == 2 && geo.kernelW == 2 && geo.strideH == 2 && geo.strideW == 2 && geo.padH == 0
            && geo.padW == 0 && geo.dilationH == 1 && geo.dilationW == 1 && 2 * geo.outHeight <= geo.height
            && 2 * geo.outWidth <= geo.width
        #else
        let twoByTwo = false
        #endif
        // The argmax positions are only kept for the backward pass.
        let keepIndices = GradMode.isEnabled && node != nil
        #if canImport(CDNNL)
        if twoByTwo && !keepIndices {
            Parallel.forEachChunk(geo.planes, cost: outPlane * 4) { range in
                for p in range {
                    descent_max_pool_2x2(src + p * inPlane, geo.width, dst + p * outPlane, nil, geo.outHeight,
                                         geo.outWidth)
                }
            }
            return out
        }
        #endif
        var indices = [Int32](repeating: 0, count: geo.planes * outPlane)
        indices.withUnsafeMutableBufferPointer { ib in
            let idx = ib.baseAddress!
            Parallel.forEachChunk(geo.planes, cost: outPlane * geo.kernelH * geo.kernelW) { range in
                #if canImport(CDNNL)
                if twoByTwo {
                    for p in range {
                        descent_max_pool_2x2(src + p * inPlane, geo.width, dst + p * outPlane, idx + p * outPlane,
                                             geo.outHeight, geo.outWidth)
                    }
                    return
                }
                #endif
                for p in range {
                    let s = src + p * inPlane, d = dst + p * outPlane, ix = idx + p * outPlane
                    for oh in 0..<geo.outHeight {
                        var h0 = oh * geo.strideH - geo.padH
                        let h1 = Swift.min(h0 + (geo.kernelH - 1) * geo.dilationH + 1, geo.height)
                        while h0 < 0 { h0 += geo.dilationH }
                        for ow in 0..<geo.outWidth {
                            var w0 = ow * geo.strideW - geo.padW
                            let w1 = Swift.min(w0 + (geo.kernelW - 1) * geo.dilationW + 1, geo.width)
                            while w0 < 0 { w0 += geo.dilationW }
                            var best = -Float.infinity
                            var bestIndex = h0 * geo.width + w0
                            var ih = h0
                            while ih < h1 {
                                var iw = w0
                                while iw < w1 {
                                    let v = s[ih * geo.width + iw]
                                    if v > best || v.isNaN {
                                        best = v
                                        bestIndex = ih * geo.width + iw
                                    }
                                    iw += geo.dilationW
                                }
                                ih += geo.dilationH
                            }
                            d[oh * geo.outWidth + ow] = best
                            ix[oh * geo.outWidth + ow] = Int32(bestIndex)
                        }
                    }
                }
            }
        }
        let inShape = shape, argmax = indices
        return Tensor.record("max_pool2d", out, self) { g in
            #if canImport(CDNNL)
            if twoByTwo {
                // Non-overlapping windows: the gradient plane is written in one pass, zeros included.
                let gx = Tensor(uninitializedShape: inShape)
                let gp = g.storage.pointer, xp = gx.storage.pointer
                argmax.withUnsafeBufferPointer { ib in
                    let idx = ib.baseAddress!
                    Parallel.forEachChunk(geo.planes, cost: inPlane) { range in
                        for p in range {
                            descent_max_pool_2x2_backward(gp + p * outPlane, nil, idx + p * outPlane, xp + p * inPlane,
                                                          geo.height, geo.width, geo.outHeight, geo.outWidth)
                        }
                    }
                }
                return gx
            }
            #endif
            let gx = Tensor.zeros(inShape)
            let gp = g.storage.pointer, xp = gx.storage.pointer
            argmax.withUnsafeBufferPointer { ib in
                let idx = ib.baseAddress!
                Parallel.forEachChunk(geo.planes, cost: outPlane) { range in
                    for p in range {
                        let d = xp + p * inPlane, s = gp + p * outPlane, ix = idx + p * outPlane
                        for o in 0..<outPlane { d[Int(ix[o])] += s[o] }
                    }
                }
            }
            return gx
        }
    }
}

/// 2-D max pooling (PyTorch's `nn.MaxPool2d`); see ``Tensor/maxPool2d(kernelSize:stride:padding:dilation:ceilMode:)``.
public final class MaxPool2d: Module {
    /// Window height and width.
    public let kernelSize: Size2D
    /// Step between windows (defaults to the kernel size).
    public let stride: Size2D
    /// Implicit −∞ padding on each side (at most half the kernel).
    public let padding: Size2D
    /// Spacing between window taps.
    public let dilation: Size2D
    /// Whether the output size rounds up, so that a last partial window is kept.
    public let ceilMode: Bool

    /// Max pooling with windows of `kernelSize`, moved by `stride` (default: `kernelSize`).
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1, ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
        super.init()
    }

    /// Whether this is the plain 2×2 pooling with stride 2 (no padding or dilation, floor mode) that
    /// ``Sequential`` fuses into a preceding `Conv2d, ReLU`.
    var isPlain2x2: Bool {
        kernelSize == 2 && stride == 2 && padding == 0 && dilation == 1 && !ceilMode
    }

    /// The window maxima of `x` (`[N, C, H, W]` or `[C, H, W]`).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The input's leading dimensions, then the pooled height and width.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        do {
            return try PoolGeometry(op: typeName, shape: inputShape, kernel: kernelSize, stride: stride, padding: padding,
                                    dilation: dilation, ceilMode: ceilMode).outputShape(inputShape)
        } catch let e as DescentError {
            throw shapeError(e.reason)
        }
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(ceilMode ? "True" : "False")"
    }
}
