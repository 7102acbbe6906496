import CDescentKernels

/// Contiguous float32 kernels shared by layers: the C kernels of `CDescentKernels` (on x86-64 compiled for AVX-512,
/// AVX2 and the baseline, chosen at run time), whose definitions are written out in plain Swift in
/// `KernelVariantTests`, which compares every build with them. Each call works on one contiguous range on the calling
/// thread; callers split the work across threads.
enum Kernels {
    /// `y[i] = x[i] < 0 ? 0 : x[i]`: ReLU as PyTorch computes it (NaN stays NaN, −0 stays −0).
    @inline(__always)
    static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        descent_relu(x, y, n)
    }

    /// `o[i] = y[i] <= 0 ? 0 : g[i]`: the gradient of ReLU from its output `y`.
    @inline(__always)
    static func reluBackward(
        _ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        descent_relu_backward(g, y, o, n)
    }

    /// `y[i] = relu(a[i] + b[i])`, ReLU as in ``relu(_:_:_:)``.
    @inline(__always)
    static func addReLU(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        descent_add_relu(a, b, y, n)
    }

    /// `Σ p[i]`, summed in vector lanes, then across them.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        return descent_sum(p, n)
    }

    /// `Σᵢ p[i]` over `n` floats in Swift: eight running sums (vectorisable, and more accurate than one), added up,
    /// then the tail.
    @inline(__always)
    static func eightLaneSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= n {
            acc += UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self)
            j += 8
        }
        var t = acc.sum()
        while j < n {
            t += p[j]
            j += 1
        }
        return t
    }

    /// `Σ (p[i] − mu)²`.
    @inline(__always)
    static func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> Float {
        return descent_sum_squared_deviation(p, n, mu)
    }

    /// `y[i] = x[i]·scale + shift`, followed by `max(·, 0)` when `relu`.
    @inline(__always)
    static func scaleShift(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ scale: Float,
        _ shift: Float, relu: Bool
    ) {
        descent_scale_shift(x, y, n, scale, shift, relu ? 1 : 0)
    }

    /// Adds `Σ g'` and `Σ g'·(x − mu)` to `sums[0]`, `sums[1]`, with `g' = g`, or `g·[y > 0]` when `y` is given.
    @inline(__always)
    static func batchNormBackwardSums(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>?,
        _ n: Int, _ mu: Float, _ sums: UnsafeMutablePointer<Float>
    ) {
        descent_bn_backward_sums(g, x, y, n, mu, sums)
    }

    /// `o[i] = (g'[i] − meanG − (x[i] − mu)·k)·scale`, `g'` as in ``batchNormBackwardSums``.
    @inline(__always)
    static func batchNormBackwardApply(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>?,
        _ o: UnsafeMutablePointer<Float>, _ n: Int, mu: Float, meanG: Float, k: Float,
        scale: Float
    ) {
        descent_bn_backward_apply(g, x, y, o, n, mu, meanG, k, scale)
    }

    /// `o[i] = g'[i]·scale`, `g'` as in ``batchNormBackwardSums``.
    @inline(__always)
    static func scaledMasked(
        _ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>?, _ o: UnsafeMutablePointer<Float>,
        _ n: Int, _ scale: Float
    ) {
        descent_scaled_masked(g, y, o, n, scale)
    }

    /// For each of `channels` rows of `spatial` values: adds `bias[k]` (when given), then applies ReLU (when `relu`).
    @inline(__always)
    static func biasReLU(
        _ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, channels: Int, spatial: Int,
        relu: Bool
    ) {
        descent_bias_relu(y, bias, channels, spatial, relu ? 1 : 0)
    }

    /// For each of `rows` rows of `cols` values: adds `bias[j]` to column `j` (when given), then applies ReLU
    /// (when `relu`).
    @inline(__always)
    static func rowBiasReLU(
        _ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, rows: Int, cols: Int,
        relu: Bool
    ) {
        descent_row_bias_relu(y, bias, rows, cols, relu ? 1 : 0)
    }
}
