extension Tensor {
    /// Adaptive 2-D average pooling (PyTorch's `F.adaptive_avg_pool2d`): averages `[N, C, H, W]` (or `[C, H, W]`)
    /// into a fixed `outputSize`, output cell `(i, j)` covering rows `⌊i·H/oH⌋ ..< ⌈(i + 1)·H/oH⌉` and the columns
    /// likewise. `outputSize` 1 is global average pooling. The gradient spreads `∂y / window size` over each window.
    public func adaptiveAvgPool2d(outputSize: Size2D) -> Tensor {
        do {
            _ = try Tensor.adaptivePoolOutputShape(shape, outputSize: outputSize)
        } catch {
            preconditionFailure("\(error)")
        }
        let h = shape[rank - 2], w = shape[rank - 1], oh = outputSize.height, ow = outputSize.width
        let planes = count / Swift.max(h * w, 1)
        let out = Tensor(uninitializedShape: Array(shape.dropLast(2)) + [oh, ow])
        let rows = (0..<oh).map { i in (i * h / oh, ((i + 1) * h + oh - 1) / oh) }
        let cols = (0..<ow).map { j in (j * w / ow, ((j + 1) * w + ow - 1) / ow) }
        let src = storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(planes, cost: h * w) { range in
            for p in range {
                let s = src + p * h * w, d = dst + p * oh * ow
                for i in 0..<oh {
                    let (h0, h1) = rows[i]
                    for j in 0..<ow {
                        let (w0, w1) = cols[j]
                        var sum: Float = 0
                        for ih in h0..<h1 { for iw in w0..<w1 { sum += s[ih * w + iw] } }
                        d[i * ow + j] = sum / Float((h1 - h0) * (w1 - w0))
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.record("adaptive_avg_pool2d", out, self) { g in
            let gx = Tensor.zeros(inShape)
            let gp = g.storage.pointer, xp = gx.storage.pointer
            Parallel.forEachChunk(planes, cost: h * w) { range in
                for p in range {
                    let d = xp + p * h * w, s = gp + p * oh * ow
                    for i in 0..<oh {
                        let (h0, h1) = rows[i]
                        for j in 0..<ow {
                            let (w0, w1) = cols[j]
                            let v = s[i * ow + j] / Float((h1 - h0) * (w1 - w0))
                            for ih in h0..<h1 { for iw in w0..<w1 { d[ih * w + iw] += v } }
                        }
                    }
                }
            }
            return gx
        }
    }

    /// `[…, oH, oW]` for an input `[N, C, H, W]` or `[C, H, W]`, or a `.shape` error.
    static func adaptivePoolOutputShape(_ shape: [Int], outputSize: Size2D) throws -> [Int] {
        guard shape.count == 3 || shape.count == 4, shape[shape.count - 2] > 0, shape[shape.count - 1] > 0 else {
            throw DescentError(
                .shape, "adaptiveAvgPool2d", "expects input [N, C, H, W] or [C, H, W] with H, W > 0, got \(shape)")
        }
        guard outputSize.height >= 1, outputSize.width >= 1 else {
            throw DescentError(.shape, "adaptiveAvgPool2d", "output size \(outputSize) must be positive")
        }
        return Array(shape.dropLast(2)) + [outputSize.height, outputSize.width]
    }
}

/// Adaptive 2-D average pooling (PyTorch's `nn.AdaptiveAvgPool2d`) to a fixed output size; `outputSize: 1` is
/// global average pooling. See ``Tensor/adaptiveAvgPool2d(outputSize:)``.
public final class AdaptiveAvgPool2d: Module {
    /// The output height and width.
    public let outputSize: Size2D

    /// Pools any input to `outputSize` (`1` for global average pooling).
    public init(outputSize: Size2D) {
        self.outputSize = outputSize
        super.init()
    }

    /// The window averages of `x` (`[N, C, H, W]` or `[C, H, W]`).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.adaptiveAvgPool2d(outputSize: outputSize)
    }

    /// The input's leading dimensions, then `outputSize`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        do {
            return try Tensor.adaptivePoolOutputShape(inputShape, outputSize: outputSize)
        } catch let e as DescentError {
            throw shapeError(e.reason)
        }
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "output_size=\(outputSize)" }
}
