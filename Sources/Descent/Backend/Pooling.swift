import CDescentKernels

/// The kernels of 2-D max pooling, one plane per call on the calling thread (callers split the planes across
/// threads): the 2×2 windows with stride 2 through the vector C kernels, any other window in Swift.
enum Pooling {
    /// 2×2 max pooling with stride 2 of one plane (row stride `width`, at least `2·outWidth` columns and
    /// `2·outHeight` rows): `dst[oh, ow] = max(src[2oh, 2ow], src[2oh, 2ow + 1], src[2oh + 1, 2ow], src[2oh + 1, 2ow + 1])`
    /// scanned in row-major order, a later value winning when larger or NaN (PyTorch's rule), and, when `indices` is
    /// given, the flat position of each maximum in the plane.
    @inline(__always)
    static func maxPool2x2(
        _ src: UnsafePointer<Float>, width: Int, _ dst: UnsafeMutablePointer<Float>,
        indices: UnsafeMutablePointer<Int32>?, outHeight: Int, outWidth: Int
    ) {
        descent_max_pool_2x2(src, width, dst, indices, outHeight, outWidth)
    }

    /// The input gradient of ``maxPool2x2(_:width:_:indices:outHeight:outWidth:)`` for one plane of `height × width`,
    /// written in one pass: `dst[h, w] = g[oh, ow]` at each window's maximum, `+0` everywhere else. With `output` (the
    /// pooled output of a fused ReLU) a window's gradient passes only where not `output ≤ 0`.
    @inline(__always)
    static func maxPool2x2Backward(
        _ g: UnsafePointer<Float>, output: UnsafePointer<Float>?,
        indices: UnsafePointer<Int32>, _ dst: UnsafeMutablePointer<Float>, height: Int,
        width: Int, outHeight: Int, outWidth: Int
    ) {
        descent_max_pool_2x2_backward(g, output, indices, dst, height, width, outHeight, outWidth)
    }

    /// Max pooling of one plane with any window (`geo`): `d[i, j] = max_{p, q} s[i·s_h − p_h + p·d_h, j·s_w − p_w + q·d_w]`
    /// over the positions inside the plane, a later value winning when larger or NaN, and `ix[i, j]` its flat position.
    static func maxPool(
        _ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, indices ix: UnsafeMutablePointer<Int32>,
        _ geo: PoolGeometry
    ) {
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

    /// The input gradient of ``maxPool(_:_:indices:_:)`` for one plane: `d[ix[o]] += s[o]` for each output `o`
    /// (`d` zeroed by the caller; overlapping windows add up).
    static func maxPoolBackward(
        _ s: UnsafePointer<Float>, indices ix: UnsafePointer<Int32>,
        _ d: UnsafeMutablePointer<Float>, outPlane: Int
    ) {
        for o in 0..<outPlane { d[Int(ix[o])] += s[o] }
    }
}
