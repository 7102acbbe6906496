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

    /// Logistic sigmoid `σ(x) = 1 / (1 + e⁻ˣ)`; derivative `σ(x)(1 − σ(x))`.
    public func sigmoid() -> Tensor {
        let r = map { x in x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x)) }
        return Tensor.record("sigmoid", r, self) { g in g.zipMap(r) { $0 * $1 * (1 - $1) } }
    }

    /// Rectified linear unit `max(x, 0)`; derivative 1 for x > 0, else 0.
    public func relu() -> Tensor {
        let r = Tensor(uninitializedShape: shape)
        let p = storage.pointer, q = r.storage.pointer
        Parallel.forEachChunk(count) { range in
            Kernels.relu(p + range.lowerBound, q + range.lowerBound, range.count)
        }
        return Tensor.record("relu", r, self) { g in Tensor.reluBackward(g, output: r) }
    }

    /// `max(a + b, 0)` for tensors of the same shape, in one pass (a residual connection followed by ReLU); other
    /// shapes broadcast through `(a + b).relu()`. Backward: `∂a = ∂b = g ⊙ [y > 0]`.
    static func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor {
        guard a.shape == b.shape else { return (a + b).relu() }
        let r = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, q = r.storage.pointer
        Parallel.forEachChunk(r.count) { range in
            Kernels.addReLU(pa + range.lowerBound, pb + range.lowerBound, q + range.lowerBound, range.count)
        }
        return record("add_relu", r, [a, b]) { g, needs in
            let masked = reluBackward(g, output: r)
            return [needs[0] ? masked : nil, needs[1] ? masked : nil]
        }
    }

    /// `g ⊙ [y > 0]`: the gradient of ReLU (and of the fused ReLU epilogues) from its output `y`.
    static func reluBackward(_ g: Tensor, output y: Tensor) -> Tensor {
        precondition(g.shape == y.shape, "relu backward: gradient \(g.shape) for output \(y.shape)")
        let out = Tensor(uninitializedShape: g.shape)
        let pg = g.storage.pointer, py = y.storage.pointer, q = out.storage.pointer
        Parallel.forEachChunk(out.count) { range in
            Kernels.reluBackward(pg + range.lowerBound, py + range.lowerBound, q + range.lowerBound, range.count)
        }
        return out
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
        return Tensor.record("cos", map { Foundation.cos($0) }, self) { g in g * a.detach().map { -Foundation.sin($0) } }
    }

    /// `x²`.
    public func squared() -> Tensor { pow(2) }
}
