import Foundation

/// Elementwise unary math, each with its derivative.
extension Tensor {
    /// Applies `f` to every element (no autodiff; the building block of the unary ops).
    @inline(__always) @usableFromInline
    func map(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let p = storage.pointer, q = out.storage.pointer
        Parallel.forEachChunk(count) { r in for i in r { q[i] = f(p[i]) } }
        return out
    }

    /// Applies `f(x, y)` to this tensor and `other` of the same shape (no autodiff).
    @inline(__always) @usableFromInline
    func zipMap(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "zipMap: shapes \(shape) and \(other.shape) differ")
        let out = Tensor(uninitializedShape: shape)
        let p = storage.pointer, o = other.storage.pointer, q = out.storage.pointer
        Parallel.forEachChunk(count) { r in for i in r { q[i] = f(p[i], o[i]) } }
        return out
    }

    /// Runs `body(src, dst, range)` over chunks of the elements of a new tensor of the same shape
    /// (one call per chunk, never per element).
    @inline(__always)
    func mapChunked(_ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>) -> Void) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let src = UnsafePointer(storage.pointer), dst = out.storage.pointer
        Parallel.forEachChunk(count, cost: 4) { r in body(src, dst, r) }
        return out
    }

    /// Like ``mapChunked(_:)`` with a second operand of the same shape (`g` the upstream gradient).
    @inline(__always)
    func mapChunked(
        with g: Tensor,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>) -> Void
    ) -> Tensor {
        precondition(g.shape == shape, "mapChunked: shapes \(shape) and \(g.shape) differ")
        let out = Tensor(uninitializedShape: shape)
        let src = UnsafePointer(storage.pointer), gp = UnsafePointer(g.storage.pointer), dst = out.storage.pointer
        Parallel.forEachChunk(count, cost: 4) { r in body(src, gp, dst, r) }
        return out
    }

    /// `eˣ`; derivative `eˣ`.
    public func exp() -> Tensor {
        let r = map { Foundation.exp($0) }
        return Tensor.record("exp", r, self) { g in g * r.detach() }
    }

    /// Natural logarithm `ln x`; derivative `1/x`.
    public func log() -> Tensor {
        let a = self
        return Tensor.record("log", map { Foundation.log($0) }, self) { g in g / a.detach() }
    }

    /// `√x`; derivative `1 / (2√x)`.
    public func sqrt() -> Tensor {
        let r = map { $0.squareRoot() }
        return Tensor.record("sqrt", r, self) { g in g.zipMap(r) { $0 / (2 * $1) } }
    }

    /// `1/√x`; derivative `−½ x^(−3/2)`.
    public func rsqrt() -> Tensor {
        let r = map { 1 / $0.squareRoot() }
        return Tensor.record("rsqrt", r, self) { g in g * r.detach().map { -0.5 * $0 * $0 * $0 } }
    }

    /// `|x|`; derivative `sign(x)` (0 at 0, as in PyTorch).
    public func abs() -> Tensor {
        let a = self
        return Tensor.record("abs", map { Swift.abs($0) }, self) { g in g * a.detach().sign() }
    }

    /// `sign(x)` ∈ {−1, 0, 1}; derivative 0.
    public func sign() -> Tensor {
        let r = map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        return Tensor.record("sign", r, self) { g in Tensor.zeros(g.shape) }
    }

    /// `tanh x`; derivative `1 − tanh² x`.
    public func tanh() -> Tensor {
        let r = map { Foundation.tanh($0) }
        return Tensor.record("tanh", r, self) { g in g.zipMap(r) { $0 * (1 - $1 * $1) } }
    }

    /// Clamps every element into `[min, max]` (either bound may be omitted); derivative 1 inside, 0 outside.
    public func clamp(min lo: Float? = nil, max hi: Float? = nil) -> Tensor {
        let l = lo ?? -.infinity, h = hi ?? .infinity
        let a = self
        let r = map { Swift.min(Swift.max($0, l), h) }
        return Tensor.record("clamp", r, self) { g in g.zipMap(a.detach()) { $1 >= l && $1 <= h ? $0 : 0 } }
    }

    /// `sin x`; derivative `cos x`.
    public func sin() -> Tensor {
        let a = self
        return Tensor.record("sin", map { Foundation.sin($0) }, self) { g in g * a.detach().map { Foundation.cos($0) } }
    }

    /// `cos x`; derivative `−sin x`.
    public func cos() -> Tensor {
        let a = self
        return Tensor.record("cos", map { Foundation.cos($0) }, self) { g in g * a.detach().map { -Foundation.sin($0) }
        }
    }

    /// `x²`.
    public func squared() -> Tensor { pow(2) }
}
