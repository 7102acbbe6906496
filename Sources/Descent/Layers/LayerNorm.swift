import Foundation

extension Tensor {
    /// Layer normalisation (PyTorch's `F.layer_norm`) over the trailing dimensions `normalizedShape` (`D`
    /// elements per row):
    ///
    ///     y = (x − μ) / √(σ² + eps) · γ + β
    ///
    /// with `μ`, `σ²` the mean and biased variance of each row; `weight` (γ) and `bias` (β) have shape
    /// `normalizedShape` or are absent. Backward, with `x̂ = (x − μ)/σ` and `h = g·γ`:
    /// `∂x = (h − mean(h) − x̂ · mean(h·x̂)) / σ`, `∂γ = Σ_rows g·x̂`, `∂β = Σ_rows g`.
    public func layerNorm(normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5)
        -> Tensor
    {
        do {
            try Tensor.checkLayerNorm(shape, normalizedShape: normalizedShape)
        } catch {
            preconditionFailure("\(error)")
        }
        if let weight {
            precondition(
                weight.shape == normalizedShape, "layerNorm: weight must be \(normalizedShape), got \(weight.shape)")
        }
        if let bias {
            precondition(bias.shape == normalizedShape, "layerNorm: bias must be \(normalizedShape), got \(bias.shape)")
        }
        let d = Shape.count(normalizedShape), rows = count / Swift.max(d, 1)
        let out = Tensor(uninitializedShape: shape)
        let meanT = Tensor(uninitializedShape: [rows]), rstdT = Tensor(uninitializedShape: [rows])
        let src = storage.pointer, dst = out.storage.pointer
        let mean = meanT.storage.pointer, rstd = rstdT.storage.pointer
        // Absent affine parameters are read as ones and zeros, so that the inner loops have no branches.
        let ones = weight == nil ? Tensor.ones(normalizedShape) : nil
        let scaleT = weight ?? ones!, shiftT = bias ?? Tensor.zeros(normalizedShape)
        let gamma = scaleT.storage.pointer, beta = shiftT.storage.pointer
        Parallel.forEachChunk(rows, cost: 3 * d) { range in
            for r in range {
                let p = src + r * d, q = dst + r * d
                var sum: Float = 0
                for j in 0..<d { sum += p[j] }
                let mu = sum / Float(d)
                var sq: Float = 0
                for j in 0..<d { let v = p[j] - mu; sq += v * v }
                let rs = 1 / (sq / Float(d) + eps).squareRoot()
                mean[r] = mu
                rstd[r] = rs
                for j in 0..<d { q[j] = (p[j] - mu) * rs * gamma[j] + beta[j] }
            }
        }
        var inputs = [self]
        let weightSlot = weight.map {
            inputs.append($0); return inputs.count - 1
        }
        let biasSlot = bias.map {
            inputs.append($0); return inputs.count - 1
        }
        let x = detach(), w = scaleT.detach()
        return Tensor.record("layer_norm", out, inputs) { g, needs in
            let needW = weightSlot.map { needs[$0] } ?? false, needB = biasSlot.map { needs[$0] } ?? false
            let gx = needs[0] ? Tensor(uninitializedShape: x.shape) : nil
            let gp = g.storage.pointer, xp = x.storage.pointer, gxp = gx?.storage.pointer
            let gamma = w.storage.pointer
            let mean = meanT.storage.pointer, rstd = rstdT.storage.pointer
            // ∂γ and ∂β: partial sums per chunk of rows, added up afterwards.
            let chunks = (needW || needB) ? Swift.max(1, Swift.min(Backend.threads, rows)) : 0
            let partial = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(chunks * 2 * d, 1))
            defer { partial.deallocate() }
            partial.update(repeating: 0, count: chunks * 2 * d)
            if let gxp {
                Parallel.forEachChunk(rows, cost: 4 * d) { range in
                    for r in range {
                        let p = xp + r * d, q = gp + r * d, o = gxp + r * d
                        let mu = mean[r], rs = rstd[r]
                        var sumH: Float = 0, sumHX: Float = 0
                        for j in 0..<d {
                            let h = q[j] * gamma[j]
                            sumH += h
                            sumHX += h * (p[j] - mu)
                        }
                        let mH = sumH / Float(d), k = sumHX / Float(d) * rs * rs
                        for j in 0..<d { o[j] = (q[j] * gamma[j] - mH - (p[j] - mu) * k) * rs }
                    }
                }
            }
            if chunks > 0 {
                Parallel.forEachChunk(chunks, cost: Parallel.grainSize) { range in
                    for c in range {
                        let gw = partial + c * 2 * d, gb = gw + d
                        for r in (rows * c / chunks)..<(rows * (c + 1) / chunks) {
                            let p = xp + r * d, q = gp + r * d
                            let mu = mean[r], rs = rstd[r]
                            for j in 0..<d {
                                gw[j] += q[j] * (p[j] - mu) * rs
                                gb[j] += q[j]
                            }
                        }
                    }
                }
            }
            func reduced(_ offset: Int) -> Tensor {
                let t = Tensor(uninitializedShape: normalizedShape)
                let tp = t.storage.pointer
                tp.update(from: partial + offset, count: d)
                for c in 1..<Swift.max(chunks, 1) {
                    let s = partial + c * 2 * d + offset; for j in 0..<d { tp[j] += s[j] }
                }
                return t
            }
            var grads: [Tensor?] = [gx]
            if weightSlot != nil { grads.append(needW ? reduced(0) : nil) }
            if biasSlot != nil { grads.append(needB ? reduced(d) : nil) }
            return grads
        }
    }

    /// Checks that `shape` ends in `normalizedShape`, or throws a `.shape` error with both shapes.
    static func checkLayerNorm(_ shape: [Int], normalizedShape: [Int]) throws {
        guard !normalizedShape.isEmpty, shape.count >= normalizedShape.count,
            Array(shape.suffix(normalizedShape.count)) == normalizedShape
        else {
            throw DescentError(
                .shape, "layerNorm",
                "expects input [*, \(normalizedShape.map(String.init).joined(separator: ", "))] (normalized_shape = \(normalizedShape)), got \(shape)"
            )
        }
    }
}

/// Layer normalisation over the trailing `normalizedShape` dimensions (PyTorch's `nn.LayerNorm`); see
/// ``Tensor/layerNorm(normalizedShape:weight:bias:eps:)``. `weight` starts at 1 and `bias` at 0.
public final class LayerNorm: Module {
    /// The trailing dimensions normalised together.
    public let normalizedShape: [Int]
    /// Added to the variance for numerical stability.
    public let eps: Float
    /// Whether the layer has learnable `weight` and `bias`.
    public let elementwiseAffine: Bool
    /// The scale γ (shape `normalizedShape`), or `nil` without `elementwiseAffine`.
    @Parameter public var weight: Tensor?
    /// The shift β (shape `normalizedShape`), or `nil` without `elementwiseAffine` (or with `bias: false`).
    @Parameter public var bias: Tensor?

    /// `torch.nn.LayerNorm`'s default `eps`, 1e-5.
    public static let defaultEps: Float = 1e-5
    /// `torch.nn.LayerNorm`'s default `elementwise_affine`, true.
    public static let defaultElementwiseAffine = true

    /// Normalises over the trailing `normalizedShape` (PyTorch's defaults: `eps` 1e-5, affine with bias).
    public init(
        _ normalizedShape: [Int], eps: Float = defaultEps, elementwiseAffine: Bool = defaultElementwiseAffine,
        bias: Bool = true
    ) {
        precondition(
            !normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
            "LayerNorm: normalized_shape must be non-empty and positive, got \(normalizedShape)")
        self.normalizedShape = normalizedShape
        self.eps = eps
        self.elementwiseAffine = elementwiseAffine
        self.weight = elementwiseAffine ? Tensor.ones(normalizedShape) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape) : nil
        super.init()
    }

    /// Normalises over one trailing dimension of size `normalizedSize`.
    public convenience init(_ normalizedSize: Int, eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true)
    {
        self.init([normalizedSize], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }

    /// The normalised `x` (`[*, normalizedShape]`).
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.layerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }

    /// The input shape itself, after checking that it ends in `normalizedShape`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        do {
            try Tensor.checkLayerNorm(inputShape, normalizedShape: normalizedShape)
        } catch let e as DescentError {
            throw shapeError(e.reason)
        }
        return inputShape
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String {
        "(\(normalizedShape.map(String.init).joined(separator: ", ")),), eps=\(eps), elementwise_affine=\(elementwiseAffine ? "True" : "False")"
    }
}
