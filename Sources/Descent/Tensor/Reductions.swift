import Foundation

/// Reductions along axes (with or without kept dimensions) and their gradients.
extension Tensor {
    /// The `[outer, n, inner]` view of reducing along `axis`.
    @usableFromInline
    func reductionGeometry(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    /// Sum along one axis, keeping it as size 1 (no autodiff).
    func rawSum(axis: Int) -> Tensor {
        let (outer, n, inner) = reductionGeometry(axis)
        var outShape = shape
        outShape[axis] = 1
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer, dst = out.storage.pointer
        if inner == 1 {
            Parallel.forEachChunk(outer, cost: n) { range in
                for o in range {
                    dst[o] = Kernels.eightLaneSum(src + o * n, n)
                }
            }
        } else {
            Parallel.forEachChunk(outer, cost: n * inner) { range in
                for o in range {
                    let d = dst + o * inner
                    d.initialize(repeating: 0, count: inner)
                    for j in 0..<n {
                        let s = src + (o * n + j) * inner
                        for k in 0..<inner { d[k] += s[k] }
                    }
                }
            }
        }
        return out
    }

    /// Sum over `axes`; the reduced axes stay as size 1 when `keepingDims` is true.
    public func sum(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
        let axes = Set(axes.map { Shape.axis($0, rank: rank, op: "sum") }).sorted()
        var r = self.detach()
        for a in axes where shape[a] != 1 { r = r.rawSum(axis: a) }
        var kept = shape
        for a in axes { kept[a] = 1 }
        if r.shape != kept { r = Tensor(shape: kept, storage: r.storage) }
        let inShape = shape
        var result = Tensor.record("sum", r, self) { g in g.reshaped(kept).expanded(to: inShape) }
        if !keepingDims {
            result = result.reshaped(inShape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
        }
        return result
    }

    /// Sum along one axis.
    public func sum(axis: Int, keepingDims: Bool = false) -> Tensor { sum(alongAxes: [axis], keepingDims: keepingDims) }

    /// Sum of all elements (a scalar).
    public func sum() -> Tensor {
        let flat = reshaped([count])
        return flat.sum(alongAxes: [0]).reshaped([])
    }

    /// Mean over `axes`: sum / number of reduced elements.
    public func mean(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
        let n = Set(axes.map { Shape.axis($0, rank: rank, op: "mean") }).reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDims: keepingDims) / Float(n)
    }

    /// Mean along one axis.
    public func mean(axis: Int, keepingDims: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDims: keepingDims)
    }

    /// Mean of all elements (a scalar).
    public func mean() -> Tensor { sum() / Float(count) }

    /// Variance over `axes`: Σ(x − mean)² / (N − correction); `correction` 1 is Bessel's (PyTorch's default).
    public func variance(alongAxes axes: [Int], correction: Int = 1, keepingDims: Bool = false) -> Tensor {
        let n = Set(axes.map { Shape.axis($0, rank: rank, op: "var") }).reduce(1) { $0 * shape[$1] }
        let centered = self - mean(alongAxes: axes, keepingDims: true)
        return (centered * centered).sum(alongAxes: axes, keepingDims: keepingDims)
            / Float(Swift.max(n - correction, 0))
    }

    /// Variance along one axis (see ``variance(alongAxes:correction:keepingDims:)``).
    public func variance(axis: Int, correction: Int = 1, keepingDims: Bool = false) -> Tensor {
        variance(alongAxes: [axis], correction: correction, keepingDims: keepingDims)
    }

    /// Variance of all elements.
    public func variance(correction: Int = 1) -> Tensor {
        reshaped([count]).variance(alongAxes: [0], correction: correction).reshaped([])
    }

    /// Standard deviation over `axes`: √variance.
    public func standardDeviation(alongAxes axes: [Int], correction: Int = 1, keepingDims: Bool = false) -> Tensor {
        variance(alongAxes: axes, correction: correction, keepingDims: keepingDims).sqrt()
    }

    /// Standard deviation along one axis.
    public func standardDeviation(axis: Int, correction: Int = 1, keepingDims: Bool = false) -> Tensor {
        standardDeviation(alongAxes: [axis], correction: correction, keepingDims: keepingDims)
    }

    /// Standard deviation of all elements.
    public func standardDeviation(correction: Int = 1) -> Tensor { variance(correction: correction).sqrt() }

    /// Extreme values and their indices along `axis` (first index on ties).
    func rawExtreme(axis: Int, largest: Bool) -> (values: Tensor, indices: [Int]) {
        let (outer, n, inner) = reductionGeometry(axis)
        precondition(n > 0, "\(largest ? "max" : "min"): cannot reduce an empty dimension")
        var outShape = shape
        outShape[axis] = 1
        let out = Tensor(uninitializedShape: outShape)
        var idx = [Int](repeating: 0, count: outer * inner)
        let src = storage.pointer, dst = out.storage.pointer
        idx.withUnsafeMutableBufferPointer { ip in
            let ipb = ip.baseAddress!
            Parallel.forEachChunk(outer, cost: n * inner) { range in
                for o in range {
                    for k in 0..<inner {
                        var best = src[o * n * inner + k]
                        var bi = 0
                        for j in 1..<n {
                            let v = src[(o * n + j) * inner + k]
                            if largest ? (v > best || (v.isNaN && !best.isNaN)) : (v < best || (v.isNaN && !best.isNaN))
                            {
                                best = v
                                bi = j
                            }
                        }
                        dst[o * inner + k] = best
                        ipb[o * inner + k] = bi
                    }
                }
            }
        }
        return (out, idx)
    }

    func extreme(axis: Int, keepingDims: Bool, largest: Bool) -> (values: Tensor, indices: [Int]) {
        let a = Shape.axis(axis, rank: rank, op: largest ? "max" : "min")
        let (v, idx) = rawExtreme(axis: a, largest: largest)
        let (outer, n, inner) = reductionGeometry(a)
        let inShape = shape
        var result = Tensor.record(largest ? "max" : "min", v, self) { g in
            let out = Tensor.zeros(inShape)
            let gp = g.storage.pointer, op = out.storage.pointer
            for o in 0..<outer {
                for k in 0..<inner { op[(o * n + idx[o * inner + k]) * inner + k] = gp[o * inner + k] }
            }
            return out
        }
        if !keepingDims { result = result.squeezed(a) }
        return (result, idx)
    }

    /// Maximum along `axis` with the index of each maximum (PyTorch's `max(dim=)`).
    public func max(axis: Int, keepingDims: Bool = false) -> (values: Tensor, indices: [Int]) {
        extreme(axis: axis, keepingDims: keepingDims, largest: true)
    }

    /// Minimum along `axis` with the index of each minimum (PyTorch's `min(dim=)`).
    public func min(axis: Int, keepingDims: Bool = false) -> (values: Tensor, indices: [Int]) {
        extreme(axis: axis, keepingDims: keepingDims, largest: false)
    }

    /// Largest element (a scalar); the gradient goes to its first occurrence.
    public func max() -> Tensor { reshaped([count]).max(axis: 0).values }
    /// Smallest element (a scalar); the gradient goes to its first occurrence.
    public func min() -> Tensor { reshaped([count]).min(axis: 0).values }

    /// Indices of the maxima along `axis`, in row-major order of the remaining dimensions.
    public func argmax(axis: Int) -> [Int] {
        rawExtreme(axis: Shape.axis(axis, rank: rank, op: "argmax"), largest: true).indices
    }
    /// Indices of the minima along `axis`, in row-major order of the remaining dimensions.
    public func argmin(axis: Int) -> [Int] {
        rawExtreme(axis: Shape.axis(axis, rank: rank, op: "argmin"), largest: false).indices
    }
    /// Flat index of the largest element.
    public func argmax() -> Int { reshaped([count]).argmax(axis: 0)[0] }
    /// Flat index of the smallest element.
    public func argmin() -> Int { reshaped([count]).argmin(axis: 0)[0] }

    /// `log Σ exp(x)` along `axis`, computed stably as `m + log Σ exp(x − m)` with `m` the maximum.
    public func logSumExp(axis: Int, keepingDims: Bool = false) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "logsumexp")
        let m = rawExtreme(axis: a, largest: true).values.map { $0.isFinite ? $0 : 0 }
        let r = (self - m).exp().sum(axis: a, keepingDims: true).log() + m
        return keepingDims ? r : r.squeezed(a)
    }

    /// The p-norm over all elements, `(Σ|x|ᵖ)^(1/p)` (default p = 2, the Euclidean norm).
    public func norm(p: Float = 2) -> Tensor {
        norm(p: p, alongAxes: Array(0..<rank)).reshaped([])
    }

    /// The p-norm along `axis`.
    public func norm(p: Float = 2, axis: Int, keepingDims: Bool = false) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "norm")
        let r = norm(p: p, alongAxes: [a])
        return keepingDims ? r : r.squeezed(a)
    }

    /// The p-norm over `axes` (kept as size 1), with PyTorch's gradient g · sign(x)·|x|ᵖ⁻¹ / ‖x‖ᵖ⁻¹, which is
    /// 0 (not 0/0) where the norm is 0.
    func norm(p: Float, alongAxes axes: [Int]) -> Tensor {
        let x = detach()
        let r = withNoGrad { () -> Tensor in
            if p == 2 { return (x * x).sum(alongAxes: axes, keepingDims: true).sqrt() }
            if p == 1 { return x.abs().sum(alongAxes: axes, keepingDims: true) }
            return x.abs().pow(p).sum(alongAxes: axes, keepingDims: true).pow(1 / p)
        }
        return Tensor.record("norm", r, self) { g in
            let scale = g.zipMap(r) { gi, ri in ri == 0 ? 0 : (p == 2 ? gi / ri : gi / Foundation.pow(ri, p - 1)) }
            if p == 2 { return x * scale }
            if p == 1 { return x.sign() * scale }
            return x.map { ($0 < 0 ? -1 : 1) * Foundation.pow(Swift.abs($0), p - 1) } * scale
        }
    }
}
