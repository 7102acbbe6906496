import Foundation

/// Which form of GELU to compute: the exact one with `erf`, or PyTorch's `approximate="tanh"` form.
public enum GELUApproximation: String, Sendable, Equatable {
    /// `x · Φ(x) = ½x(1 + erf(x/√2))`.
    case none
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    case tanh
}

extension Tensor {
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
    func mapChunked(with g: Tensor,
                     _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>) -> Void) -> Tensor {
        precondition(g.shape == shape, "mapChunked: shapes \(shape) and \(g.shape) differ")
        let out = Tensor(uninitializedShape: shape)
        let src = UnsafePointer(storage.pointer), gp = UnsafePointer(g.storage.pointer), dst = out.storage.pointer
        Parallel.forEachChunk(count, cost: 4) { r in body(src, gp, dst, r) }
        return out
    }

    /// Leaky ReLU: `x` for `x > 0`, else `negativeSlope · x`; derivative 1 or `negativeSlope`.
    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        let s = negativeSlope
        let out = mapChunked { p, q, r in for i in r { let v = p[i]; q[i] = v > 0 ? v : v * s } }
        let x = detach()
        return Tensor.record("leaky_relu", out, self) { g in
            x.mapChunked(with: g) { p, gp, q, r in for i in r { q[i] = p[i] > 0 ? gp[i] : gp[i] * s } }
        }
    }

    /// ELU: `x` for `x > 0`, else `α(eˣ − 1)`; derivative 1 or `α·eˣ`.
    public func elu(alpha: Float = 1) -> Tensor {
        let a = alpha
        let out = mapChunked { p, q, r in for i in r { let v = p[i]; q[i] = v > 0 ? v : a * (Foundation.exp(v) - 1) } }
        let x = detach()
        return Tensor.record("elu", out, self) { g in
            x.mapChunked(with: g) { p, gp, q, r in
                for i in r { let v = p[i]; q[i] = v > 0 ? gp[i] : gp[i] * a * Foundation.exp(v) }
            }
        }
    }

    /// GELU: exact `x·Φ(x) = ½x(1 + erf(x/√2))`, derivative `Φ(x) + x·φ(x)`; or with `.tanh`,
    /// `½x(1 + tanh(u))`, `u = √(2/π)(x + 0.044715x³)`, derivative `½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)`.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        let x = detach()
        let invSqrt2: Float = 0.70710678118654752, invSqrt2Pi: Float = 0.39894228040143268
        let k: Float = 0.79788456080286536, c: Float = 0.044715
        switch approximate {
        case .none:
            let out = mapChunked { p, q, r in
                for i in r { let v = p[i]; q[i] = 0.5 * v * (1 + Foundation.erf(v * invSqrt2)) }
            }
            return Tensor.record("gelu", out, self) { g in
                x.mapChunked(with: g) { p, gp, q, r in
                    for i in r {
                        let v = p[i]
                        let cdf = 0.5 * (1 + Foundation.erf(v * invSqrt2))
                        let pdf = invSqrt2Pi * Foundation.exp(-0.5 * v * v)
                        q[i] = gp[i] * (cdf + v * pdf)
                    }
                }
            }
        case .tanh:
            // tanh(u) = 1 − 2/(e^{2u} + 1): one exp instead of the slower libm tanh, exact at ±∞.
            let out = mapChunked { p, q, r in
                for i in r {
                    let v = p[i]
                    q[i] = 0.5 * v * (2 - 2 / (Foundation.exp(2 * k * (v + c * v * v * v)) + 1))
                }
            }
            return Tensor.record("gelu", out, self) { g in
                x.mapChunked(with: g) { p, gp, q, r in
                    for i in r {
                        let v = p[i]
                        let t = 1 - 2 / (Foundation.exp(2 * k * (v + c * v * v * v)) + 1)
                        q[i] = gp[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * c * v * v))
                    }
                }
            }
        }
    }

    /// SiLU (swish): `x · σ(x)`; derivative `σ(x)(1 + x(1 − σ(x)))`.
    public func silu() -> Tensor {
        let out = mapChunked { p, q, r in
            for i in r { let v = p[i]; q[i] = v / (1 + Foundation.exp(-v)) }
        }
        let x = detach()
        return Tensor.record("silu", out, self) { g in
            x.mapChunked(with: g) { p, gp, q, r in
                for i in r {
                    let v = p[i]
                    let s = 1 / (1 + Foundation.exp(-v))
                    q[i] = gp[i] * s * (1 + v * (1 - s))
                }
            }
        }
    }
}

/// ReLU, `max(x, 0)` (PyTorch's `nn.ReLU`).
public final class ReLU: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// `max(x, 0)` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}

/// Leaky ReLU, `x` for `x > 0` else `negativeSlope · x` (PyTorch's `nn.LeakyReLU`).
public final class LeakyReLU: Module {
    /// The slope for negative inputs.
    public let negativeSlope: Float
    /// The layer with the given negative slope (PyTorch's default 0.01).
    public init(negativeSlope: Float = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }
    /// ``Tensor/leakyRelu(negativeSlope:)`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.leakyRelu(negativeSlope: negativeSlope) }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "negative_slope=\(negativeSlope)" }
}

/// ELU, `x` for `x > 0` else `α(eˣ − 1)` (PyTorch's `nn.ELU`).
public final class ELU: Module {
    /// The saturation value α for negative inputs.
    public let alpha: Float
    /// The layer with the given α (PyTorch's default 1).
    public init(alpha: Float = 1) {
        self.alpha = alpha
        super.init()
    }
    /// ``Tensor/elu(alpha:)`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.elu(alpha: alpha) }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "alpha=\(alpha)" }
}

/// GELU, `x·Φ(x)` exactly or with the tanh approximation (PyTorch's `nn.GELU`).
public final class GELU: Module {
    /// The form computed.
    public let approximate: GELUApproximation
    /// The layer; `approximate: .tanh` is PyTorch's `approximate="tanh"`.
    public init(approximate: GELUApproximation = .none) {
        self.approximate = approximate
        super.init()
    }
    /// ``Tensor/gelu(approximate:)`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.gelu(approximate: approximate) }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "approximate='\(approximate.rawValue)'" }
}

/// SiLU (swish), `x·σ(x)` (PyTorch's `nn.SiLU`).
public final class SiLU: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// ``Tensor/silu()`` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.silu() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}

/// The logistic sigmoid `1 / (1 + e⁻ˣ)` (PyTorch's `nn.Sigmoid`).
public final class Sigmoid: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// `σ(x)` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.sigmoid() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}

/// The hyperbolic tangent (PyTorch's `nn.Tanh`).
public final class Tanh: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// `tanh(x)` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}

/// Softmax along a dimension, `exp(xᵢ) / Σⱼ exp(xⱼ)` (PyTorch's `nn.Softmax(dim)`).
public final class Softmax: Module {
    /// The dimension normalised (negative counts from the end).
    public let dim: Int
    /// The layer normalising along `dim`.
    public init(dim: Int) {
        self.dim = dim
        super.init()
    }
    /// ``Tensor/softmax(axis:)`` along `dim`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.softmax(axis: dim)
    }
    /// The input shape, after checking that `dim` exists.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        try checkDimension(dim, of: inputShape)
        return inputShape
    }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "dim=\(dim)" }
}

/// Log-softmax along a dimension, `xᵢ − log Σⱼ exp(xⱼ)` (PyTorch's `nn.LogSoftmax(dim)`).
public final class LogSoftmax: Module {
    /// The dimension normalised (negative counts from the end).
    public let dim: Int
    /// The layer normalising along `dim`.
    public init(dim: Int) {
        self.dim = dim
        super.init()
    }
    /// ``Tensor/logSoftmax(axis:)`` along `dim`.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.logSoftmax(axis: dim)
    }
    /// The input shape, after checking that `dim` exists.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        try checkDimension(dim, of: inputShape)
        return inputShape
    }
    /// PyTorch's `extra_repr`.
    public override var extraDescription: String { "dim=\(dim)" }
}

extension Module {
    /// Throws a shape error naming this layer unless `dim` (negative counts from the end) is a dimension of `shape`.
    func checkDimension(_ dim: Int, of shape: [Int]) throws {
        guard dim >= -shape.count && dim < shape.count else {
            throw shapeError("dim \(dim) is out of range for input \(shape)")
        }
    }
}
