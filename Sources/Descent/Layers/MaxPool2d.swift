extension Tensor {
    /// 2-D max pooling (PyTorch's `F.max_pool2d`) over the last two dimensions of `[N, C, H, W]` or `[C, H, W]`:
    ///
    ///     y[…, i, j] = max_{p < kH, q < kW} x[…, i·s_h − p_h + p·d_h, j·s_w − p_w + q·d_w]
    ///
    /// over the positions inside the input (padding never wins). `stride` defaults to the kernel size. Output size
    /// `⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1` (rounded up with `ceilMode`). The gradient goes to the first maximum of
    /// each window (a NaN counts as the maximum), as in PyTorch.
    public func maxPool2d(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1,
        ceilMode: Bool = false
    ) -> Tensor {
        let geo: PoolGeometry
        do {
            geo = try PoolGeometry(
                op: "maxPool2d", shape: shape, kernel: kernelSize, stride: stride ?? kernelSize,
                padding: padding, dilation: dilation, ceilMode: ceilMode)
        } catch {
            preconditionFailure("\(error)")
        }
        let out = Tensor(uninitializedShape: geo.outputShape(shape))
        let outPlane = geo.outHeight * geo.outWidth, inPlane = geo.height * geo.width
        let src = storage.pointer, dst = out.storage.pointer
        // 2×2 windows with stride 2 (the common case) go through a vector kernel.
        let twoByTwo =
            geo.kernelH == 2 && geo.kernelW == 2 && geo.strideH == 2 && geo.strideW == 2 && geo.padH == 0
            && geo.padW == 0 && geo.dilationH == 1 && geo.dilationW == 1 && 2 * geo.outHeight <= geo.height
            && 2 * geo.outWidth <= geo.width
        // The argmax positions are only kept for the backward pass.
        let keepIndices = GradMode.isEnabled && node != nil
        if twoByTwo && !keepIndices {
            Parallel.forEachChunk(geo.planes, cost: outPlane * 4) { range in
                for p in range {
                    Pooling.maxPool2x2(
                        src + p * inPlane, width: geo.width, dst + p * outPlane, indices: nil,
                        outHeight: geo.outHeight, outWidth: geo.outWidth)
                }
            }
            return out
        }
        var indices = [Int32](repeating: 0, count: geo.planes * outPlane)
        indices.withUnsafeMutableBufferPointer { ib in
            let idx = ib.baseAddress!
            Parallel.forEachChunk(geo.planes, cost: outPlane * geo.kernelH * geo.kernelW) { range in
                if twoByTwo {
                    for p in range {
                        Pooling.maxPool2x2(
                            src + p * inPlane, width: geo.width, dst + p * outPlane,
                            indices: idx + p * outPlane, outHeight: geo.outHeight, outWidth: geo.outWidth)
                    }
                } else {
                    for p in range {
                        Pooling.maxPool(src + p * inPlane, dst + p * outPlane, indices: idx + p * outPlane, geo)
                    }
                }
            }
        }
        let inShape = shape, argmax = indices
        return Tensor.record("max_pool2d", out, self) { g in
            if twoByTwo {
                // Non-overlapping windows: the gradient plane is written in one pass, zeros included.
                let gx = Tensor(uninitializedShape: inShape)
                let gp = g.storage.pointer, xp = gx.storage.pointer
                argmax.withUnsafeBufferPointer { ib in
                    let idx = ib.baseAddress!
                    Parallel.forEachChunk(geo.planes, cost: inPlane) { range in
                        for p in range {
                            Pooling.maxPool2x2Backward(
                                gp + p * outPlane, output: nil, indices: idx + p * outPlane,
                                xp + p * inPlane, height: geo.height, width: geo.width,
                                outHeight: geo.outHeight, outWidth: geo.outWidth)
                        }
                    }
                }
                return gx
            }
            let gx = Tensor.zeros(inShape)
            let gp = g.storage.pointer, xp = gx.storage.pointer
            argmax.withUnsafeBufferPointer { ib in
                let idx = ib.baseAddress!
                Parallel.forEachChunk(geo.planes, cost: outPlane) { range in
                    for p in range {
                        Pooling.maxPoolBackward(
                            gp + p * outPlane, indices: idx + p * outPlane, xp + p * inPlane,
                            outPlane: outPlane)
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

    /// `torch.nn.MaxPool2d`'s default `padding`, 0.
    public static let defaultPadding: Size2D = 0
    /// `torch.nn.MaxPool2d`'s default `dilation`, 1.
    public static let defaultDilation: Size2D = 1
    /// `torch.nn.MaxPool2d`'s default `ceil_mode`, false.
    public static let defaultCeilMode = false

    /// Max pooling with windows of `kernelSize`, moved by `stride` (default: `kernelSize`).
    public init(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = defaultPadding,
        dilation: Size2D = defaultDilation, ceilMode: Bool = defaultCeilMode
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
        super.init()
    }

    /// Whether this is the plain 2×2 pooling with stride 2 (no padding or dilation, floor mode) that a
    /// ``FusionPlan`` fuses into a preceding `Conv2d, ReLU`.
    var isPlain2x2: Bool {
        kernelSize == 2 && stride == 2 && padding == 0 && dilation == 1 && !ceilMode
    }

    /// The window maxima of `x` (`[N, C, H, W]` or `[C, H, W]`).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.maxPool2d(
            kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The input's leading dimensions, then the pooled height and width.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        do {
            return try PoolGeometry(
                op: typeName, shape: inputShape, kernel: kernelSize, stride: stride, padding: padding,
                dilation: dilation, ceilMode: ceilMode
            ).outputShape(inputShape)
        } catch let e as DescentError {
            throw shapeError(e.reason)
        }
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(ceilMode ? "True" : "False")"
    }
}

extension MaxPool2d: EpilogueStep {
    /// `.reluMaxPool2x2` after `.relu`, when this is the plain 2×2 pooling with stride 2.
    public func epilogue(after epilogue: Epilogue) -> Epilogue? {
        epilogue == .relu && isPlain2x2 ? .reluMaxPool2x2 : nil
    }
}
