/// Window arithmetic shared by the pooling layers (PyTorch's `pooling_output_shape` and `pool2d_shape_check`).
struct PoolGeometry {
    let planes: Int
    let height: Int, width: Int
    let outHeight: Int, outWidth: Int
    let kernelH: Int, kernelW: Int
    let strideH: Int, strideW: Int
    let padH: Int, padW: Int
    let dilationH: Int, dilationW: Int

    /// `⌊(in + 2p − d(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1`, less one when ceil mode would start the last
    /// window inside the right padding (PyTorch's rule).
    static func outputSize(_ input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool) -> Int {
        let num = input + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)
        if num < 0 { return 0 }
        var out = num / stride + 1
        if ceilMode && (out - 1) * stride >= input + padding { out -= 1 }
        return out
    }

    /// The geometry for an input of `shape` (`[N, C, H, W]` or `[C, H, W]`), or a `.shape` error naming `op` and
    /// both shapes.
    init(
        op: String, shape: [Int], kernel: Size2D, stride: Size2D, padding: Size2D, dilation: Size2D,
        ceilMode: Bool
    ) throws {
        guard shape.count == 3 || shape.count == 4 else {
            throw DescentError(.shape, op, "expects input [N, C, H, W] or [C, H, W], got \(shape)")
        }
        guard kernel.height >= 1, kernel.width >= 1, stride.height >= 1, stride.width >= 1,
            dilation.height >= 1, dilation.width >= 1, padding.height >= 0, padding.width >= 0
        else {
            throw DescentError(
                .shape, op,
                "kernel \(kernel), stride \(stride) and dilation \(dilation) must be positive, padding \(padding) non-negative"
            )
        }
        guard padding.height <= kernel.height / 2, padding.width <= kernel.width / 2 else {
            throw DescentError(.shape, op, "padding \(padding) must be at most half of the kernel size \(kernel)")
        }
        let h = shape[shape.count - 2], w = shape[shape.count - 1]
        let oh = PoolGeometry.outputSize(
            h, kernel: kernel.height, stride: stride.height, padding: padding.height,
            dilation: dilation.height, ceilMode: ceilMode)
        let ow = PoolGeometry.outputSize(
            w, kernel: kernel.width, stride: stride.width, padding: padding.width,
            dilation: dilation.width, ceilMode: ceilMode)
        guard oh > 0, ow > 0 else {
            throw DescentError(
                .shape, op,
                "kernel \(kernel) with dilation \(dilation) and padding \(padding) does not fit input \(h)×\(w) of \(shape)"
            )
        }
        planes = shape.dropLast(2).reduce(1, *)
        height = h
        width = w
        outHeight = oh
        outWidth = ow
        kernelH = kernel.height
        kernelW = kernel.width
        strideH = stride.height
        strideW = stride.width
        padH = padding.height
        padW = padding.width
        dilationH = dilation.height
        dilationW = dilation.width
    }

    /// The output shape: the input's leading dimensions, then `[outHeight, outWidth]`.
    func outputShape(_ input: [Int]) -> [Int] { Array(input.dropLast(2)) + [outHeight, outWidth] }
}
