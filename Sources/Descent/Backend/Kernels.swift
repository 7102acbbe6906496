#if canImport(CDescentKernels)
import CDescentKernels
#endif

/// Contiguous float32 kernels shared by layers: the C kernels of `CDescentKernels` (on x86-64 compiled for AVX-512,
/// AVX2 and the baseline, chosen at run time), each next to the same loop in Swift. Each call works on one contiguous
/// range on the calling thread; callers split the work across threads.
enum Kernels {
    /// `y[i] = x[i] < 0 ? 0 : x[i]`: ReLU as PyTorch computes it (NaN stays NaN, −0 stays −0).
    @inline(__always)
    static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        #if canImport(CDescentKernels)
        descent_relu(x, y, n)
        #else
        for i in 0..<n { let v = x[i]; y[i] = v < 0 ? 0 : v }
        #endif
    }

    /// `o[i] = y[i] <= 0 ? 0 : g[i]`: the gradient of ReLU from its output `y`.
    @inline(__always)
    static func reluBackward(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int) {
        #if canImport(CDescentKernels)
        descent_relu_backward(g, y, o, n)
        #else
        for i in 0..<n { o[i] = y[i] <= 0 ? 0 : g[i] }
        #endif
    }

    /// `y[i] = relu(a[i] + b[i])`, ReLU as in ``relu(_:_:_:)``.
    @inline(__always)
    static func addReLU(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        #if canImport(CDescentKernels)
        descent_add_relu(a, b, y, n)
        #else
        for i in 0..<n { let v = a[i] + b[i]; y[i] = v < 0 ? 0 : v }
        #endif
    }

    /// `Σ p[i]` (the C kernel sums in vector lanes, then across them; the Swift loop in order).
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        #if canImport(CDescentKernels)
        return descent_sum(p, n)
        #else
        var s: Float = 0
        for i in 0..<n { s += p[i] }
        return s
        #endif
    }

    /// `Σ (p[i] − mu)²`.
    @inline(__always)
    static func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> Float {
        #if canImport(CDescentKernels)
        return descent_sum_squared_deviation(p, n, mu)
        #else
        var s: Float = 0
        for i in 0..<n { let d = p[i] - mu; s += d * d }
        return s
        #endif
    }

    /// `y[i] = x[i]·scale + shift`, followed by `max(·, 0)` when `relu`.
    @inline(__always)
    static func scaleShift(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ scale: Float,
                           _ shift: Float, relu: Bool) {
        #if canImport(CDescentKernels)
        descent_scale_shift(x, y, n, scale, shift, relu ? 1 : 0)
        #else
        if relu {
            for i in 0..<n { let v = x[i] * scale + shift; y[i] = v < 0 ? 0 : v }
        } else {
            for i in 0..<n { y[i] = x[i] * scale + shift }
        }
        #endif
    }

    /// Adds `Σ g'` and `Σ g'·(x − mu)` to `sums[0]`, `sums[1]`, with `g' = g`, or `g·[y > 0]` when `y` is given.
    @inline(__always)
    static func batchNormBackwardSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>?,
                                      _ n: Int, _ mu: Float, _ sums: UnsafeMutablePointer<Float>) {
        #if canImport(CDescentKernels)
        descent_bn_backward_sums(g, x, y, n, mu, sums)
        #else
        var sg: Float = 0, sgx: Float = 0
        for i in 0..<n {
            let gi = y.map { $0[i] <= 0 ? 0 : g[i] } ?? g[i]
            sg += gi
            sgx += gi * (x[i] - mu)
        }
        sums[0] += sg
        sums[1] += sgx
        #endif
    }

    /// `o[i] = (g'[i] − meanG − (x[i] − mu)·k)·scale`, `g'` as in ``batchNormBackwardSums``.
    @inline(__always)
    static func batchNormBackwardApply(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>?,
                                       _ o: UnsafeMutablePointer<Float>, _ n: Int, mu: Float, meanG: Float, k: Float,
                                       scale: Float) {
        #if canImport(CDescentKernels)
        descent_bn_backward_apply(g, x, y, o, n, mu, meanG, k, scale)
        #else
        for i in 0..<n {
            let gi = y.map { $0[i] <= 0 ? 0 : g[i] } ?? g[i]
            o[i] = (gi - meanG - (x[i] - mu) * k) * scale
        }
        #endif
    }

    /// `o[i] = g'[i]·scale`, `g'` as in ``batchNormBackwardSums``.
    @inline(__always)
    static func scaledMasked(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>?, _ o: UnsafeMutablePointer<Float>,
                             _ n: Int, _ scale: Float) {
        #if canImport(CDescentKernels)
        descent_scaled_masked(g, y, o, n, scale)
        #else
        for i in 0..<n { o[i] = (y.map { $0[i] <= 0 ? 0 : g[i] } ?? g[i]) * scale }
        #endif
    }

    /// For each of `channels` rows of `spatial` values: adds `bias[k]` (when given), then applies ReLU (when `relu`).
    @inline(__always)
    static func biasReLU(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, channels: Int, spatial: Int,
                         relu: Bool) {
        #if canImport(CDescentKernels)
        descent_bias_relu(y, bias, channels, spatial, relu ? 1 : 0)
        #else
        for k in 0..<channels {
            let p = y + k * spatial
            for i in 0..<spatial {
                var v = p[i]
                if let bias { v += bias[k] }
                if relu { v = v < 0 ? 0 : v }
                p[i] = v
            }
        }
        #endif
    }

    /// For each of `rows` rows of `cols` values: adds `bias[j]` to column `j` (when given), then applies ReLU
    /// (when `relu`).
    @inline(__always)
    static func rowBiasReLU(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, rows: Int, cols: Int,
                            relu: Bool) {
        #if canImport(CDescentKernels)
        descent_row_bias_relu(y, bias, rows, cols, relu ? 1 : 0)
        #else
        for r in 0..<rows {
            let p = y + r * cols
            for j in 0..<cols {
                var v = p[j]
                if let bias { v += bias[j] }
                if relu { v = v < 0 ? 0 : v }
                p[j] = v
            }
        }
        #endif
    }
}
