extension Tensor {
    /// 2-D average pooling (PyTorch's `F.avg_pool2d`) over the last two dimensions of `[N, C, H, W]` or
    /// `[C, H, W]`:
    ///
    ///     y[…, i, j] = (1 / D) · Σ_{window ∩ input} x
    ///
    /// where the window starts at `(i·s_h − p_h, j·s_w − p_w)`, and the divisor `D` is `divisorOverride`, else the
    /// window's size clipped to the padded input (`countIncludePad`, PyTorch's default), else the number of input
    /// elements in it. `stride` defaults to the kernel size. The gradient spreads `∂y / D` over the window.
    public func avgPool2d(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, ceilMode: Bool = false,
        countIncludePad: Bool = true, divisorOverride: Int? = nil
    ) -> Tensor {
        let geo: PoolGeometry
        do {
            geo = try PoolGeometry(
                op: "avgPool2d", shape: shape, kernel: kernelSize, stride: stride ?? kernelSize,
                padding: padding, dilation: 1, ceilMode: ceilMode)
        } catch {
            preconditionFailure("\(error)")
        }
        if let divisorOverride { precondition(divisorOverride != 0, "avgPool2d: divisorOverride must not be 0") }
        let out = Tensor(uninitializedShape: geo.outputShape(shape))
        let outPlane = geo.outHeight * geo.outWidth, inPlane = geo.height * geo.width
        // The clipped window and its divisor for one output position.
        @inline(__always) func window(_ oh: Int, _ ow: Int) -> (Int, Int, Int, Int, Float) {
            var h0 = oh * geo.strideH - geo.padH, w0 = ow * geo.strideW - geo.padW
            var h1 = Swift.min(h0 + geo.kernelH, geo.height + geo.padH)
            var w1 = Swift.min(w0 + geo.kernelW, geo.width + geo.padW)
            let poolSize = (h1 - h0) * (w1 - w0)
            h0 = Swift.max(h0, 0)
            w0 = Swift.max(w0, 0)
            h1 = Swift.min(h1, geo.height)
            w1 = Swift.min(w1, geo.width)
            let divisor = divisorOverride ?? (countIncludePad ? poolSize : (h1 - h0) * (w1 - w0))
            return (h0, h1, w0, w1, Float(divisor))
        }
        let src = storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(geo.planes, cost: outPlane * geo.kernelH * geo.kernelW) { range in
            for p in range {
                let s = src + p * inPlane, d = dst + p * outPlane
                for oh in 0..<geo.outHeight {
                    for ow in 0..<geo.outWidth {
                        let (h0, h1, w0, w1, divisor) = window(oh, ow)
                        var sum: Float = 0
                        if h0 < h1 && w0 < w1 {
                            for ih in h0..<h1 { for iw in w0..<w1 { sum += s[ih * geo.width + iw] } }
                        }
                        d[oh * geo.outWidth + ow] = h0 < h1 && w0 < w1 ? sum / divisor : 0
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.record("avg_pool2d", out, self) { g in
            let gx = Tensor.zeros(inShape)
            let gp = g.storage.pointer, xp = gx.storage.pointer
            Parallel.forEachChunk(geo.planes, cost: outPlane * geo.kernelH * geo.kernelW) { range in
                for p in range {
                    let d = xp + p * inPlane, s = gp + p * outPlane
                    for oh in 0..<geo.outHeight {
                        for ow in 0..<geo.outWidth {
                            let (h0, h1, w0, w1, divisor) = window(oh, ow)
                            guard h0 < h1 && w0 < w1 else { continue }
                            let v = s[oh * geo.outWidth + ow] / divisor
                            for ih in h0..<h1 { for iw in w0..<w1 { d[ih * geo.width + iw] += v } }
                        }
                    }
                }
            }
            return gx
        }
    }
}

/// 2-D average pooling (PyTorch's `nn.AvgPool2d`); see
/// ``Tensor/avgPool2d(kernelSize:stride:padding:ceilMode:countIncludePad:divisorOverride:)``.
public final class AvgPool2d: Module {
    /// Window height and width.
    public let kernelSize: Size2D
    /// Step between windows (defaults to the kernel size).
    public let stride: Size2D
    /// Implicit zero padding on each side (at most half the kernel).
    public let padding: Size2D
    /// Whether the output size rounds up, so that a last partial window is kept.
    public let ceilMode: Bool
    /// Whether padded zeros count in the divisor (PyTorch's default `true`).
    public let countIncludePad: Bool
    /// A fixed divisor replacing the window size, if set.
    public let divisorOverride: Int?

    /// `torch.nn.AvgPool2d`'s default `padding`, 0.
    public static let defaultPadding: Size2D = 0
    /// `torch.nn.AvgPool2d`'s default `ceil_mode`, false.
    public static let defaultCeilMode = false
    /// `torch.nn.AvgPool2d`'s default `count_include_pad`, true.
    public static let defaultCountIncludePad = true

    /// Average pooling with windows of `kernelSize`, moved by `stride` (default: `kernelSize`).
    public init(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = defaultPadding,
        ceilMode: Bool = defaultCeilMode, countIncludePad: Bool = defaultCountIncludePad,
        divisorOverride: Int? = nil
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
        super.init()
    }

    /// The window averages of `x` (`[N, C, H, W]` or `[C, H, W]`).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.avgPool2d(
            kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
            countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    /// The input's leading dimensions, then the pooled height and width.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        do {
            return try PoolGeometry(
                op: typeName, shape: inputShape, kernel: kernelSize, stride: stride, padding: padding,
                dilation: 1, ceilMode: ceilMode
            ).outputShape(inputShape)
        } catch let e as DescentError {
            throw shapeError(e.reason)
        }
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)"
    }
}
