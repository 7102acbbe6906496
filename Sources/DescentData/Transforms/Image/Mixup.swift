import Descent
import Foundation

/// Mixup (Zhang et al. 2018; torchvision v2's `MixUp` pairing): one `λ ~ Beta(α, α)` per batch, and every
/// sample mixed with its neighbour in the batch rolled by one: `x'ᵢ = λ·xᵢ + (1−λ)·x₍ᵢ₋₁ mod B₎`,
/// `y'ᵢ = λ·yᵢ + (1−λ)·y₍ᵢ₋₁ mod B₎`. Targets must be one-hot or probability rows, so mixed rows still sum to 1.
public struct Mixup: BatchTransform {
    /// The Beta distribution's concentration `α` (> 0).
    public let alpha: Double

    /// Mixup with concentration `alpha` (default 1: λ uniform on [0, 1]).
    public init(alpha: Double = 1) {
        precondition(alpha > 0 && alpha.isFinite, "Mixup: alpha must be positive, got \(alpha)")
        self.alpha = alpha
    }

    /// The mixed batch and the `λ` used.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when `inputs` and `targets` disagree on the batch size or
    ///   `targets` is not `[B, classes]`.
    public func mix(inputs: Tensor, targets: Tensor, generator: RandomGenerator) throws -> (
        inputs: Tensor, targets: Tensor, lambda: Float
    ) {
        guard inputs.rank >= 1, targets.rank == 2, inputs.shape[0] == targets.shape[0] else {
            throw DescentError(
                .shape, "Mixup",
                "expected inputs [B, ...] and targets [B, classes] with the same B, got \(inputs.shape) and \(targets.shape)"
            )
        }
        let lambda = Float(Mixup.beta(alpha, alpha, generator: generator))
        return (Mixup.mixRolled(inputs, lambda: lambda), Mixup.mixRolled(targets, lambda: lambda), lambda)
    }

    /// The mixed batch (see ``mix(inputs:targets:generator:)``).
    public func callAsFunction(inputs: Tensor, targets: Tensor, generator: RandomGenerator) throws -> (
        inputs: Tensor, targets: Tensor
    ) {
        let m = try mix(inputs: inputs, targets: targets, generator: generator)
        return (m.inputs, m.targets)
    }

    /// `λ·x + (1−λ)·roll(x, 1, axis 0)` for a batch `x` `[B, ...]`.
    static func mixRolled(_ x: Tensor, lambda: Float) -> Tensor {
        let b = x.shape[0], row = b == 0 ? 0 : x.count / b
        var out = Tensor.zeros(x.shape)
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<b {
                    let o = i * row, other = ((i + b - 1) % b) * row
                    for k in 0..<row { dst[o + k] = lambda * src[o + k] + (1 - lambda) * src[other + k] }
                }
            }
        }
        return out
    }

    /// A `Beta(a, b)` draw as `X / (X + Y)` with `X ~ Gamma(a)`, `Y ~ Gamma(b)`.
    public static func beta(_ a: Double, _ b: Double, generator: RandomGenerator) -> Double {
        let x = gamma(a, generator: generator), y = gamma(b, generator: generator)
        return x + y > 0 ? x / (x + y) : (a >= b ? 1 : 0)
    }

    /// A `Gamma(shape, 1)` draw by Marsaglia–Tsang: `d = shape − 1/3`, `c = 1/√(9d)`, repeat `v = (1 + c·n)³`
    /// with `n ~ N(0, 1)` until `v > 0` and `log u < n²/2 + d·(1 − v + log v)`, return `d·v`; for `shape < 1`,
    /// `Gamma(shape + 1)·u^(1/shape)`. Normals come from Box–Muller on two uniforms of `generator`.
    public static func gamma(_ shape: Double, generator: RandomGenerator) -> Double {
        precondition(shape > 0, "Mixup.gamma: shape must be positive")
        if shape < 1 {
            let u = 1 - Double(generator.uniformFloat())  // (0, 1]
            return gamma(shape + 1, generator: generator) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let u1 = 1 - Double(generator.uniformFloat()), u2 = Double(generator.uniformFloat())
            let n = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            let t = 1 + c * n
            if t <= 0 { continue }
            let v = t * t * t
            let u = 1 - Double(generator.uniformFloat())
            if u < 1 - 0.0331 * n * n * n * n || log(u) < 0.5 * n * n + d * (1 - v + log(v)) { return d * v }
        }
    }
}
