/// The nonlinearity that follows a layer, for the gain of Xavier and Kaiming initialisation
/// (PyTorch's `calculate_gain`).
public enum Nonlinearity: Sendable, Equatable {
    /// Identity or a linear/convolution layer: gain 1.
    case linear
    /// Logistic sigmoid: gain 1.
    case sigmoid
    /// Hyperbolic tangent: gain 5/3.
    case tanh
    /// ReLU: gain √2.
    case relu
    /// Leaky ReLU with the negative slope given separately (`a`): gain √(2 / (1 + a²)).
    case leakyRelu
    /// SELU: gain 3/4.
    case selu

    /// The recommended gain; `param` is the negative slope of ``leakyRelu`` (default 0.01, as in PyTorch).
    public func gain(param: Float? = nil) -> Float {
        switch self {
        case .linear, .sigmoid: return 1
        case .tanh: return 5.0 / 3
        case .relu: return Float(2).squareRoot()
        case .leakyRelu:
            let a = param ?? 0.01
            return (2 / (1 + a * a)).squareRoot()
        case .selu: return 0.75
        }
    }
}

/// Which fan Kaiming initialisation preserves the variance of: the inputs' (`fanIn`, forward pass) or the
/// outputs' (`fanOut`, backward pass).
public enum FanMode: Sendable, Equatable {
    /// Number of inputs of a unit: `shape[1] · receptive field`.
    case fanIn
    /// Number of outputs of a unit: `shape[0] · receptive field`.
    case fanOut
}

/// A rule for a tensor's initial values (PyTorch's `torch.nn.init`), drawn from a seeded ``RandomGenerator``.
///
/// ``tensor(_:generator:)`` makes a new tensor; ``fill(_:generator:)`` overwrites a parameter in place (its
/// holders, such as an optimizer, see the new values).
public enum Initializer: Sendable, Equatable {
    /// All zeros.
    case zeros
    /// All ones.
    case ones
    /// Every element `value`.
    case constant(Float)
    /// Uniform on `[low, high)`.
    case uniform(low: Float = 0, high: Float = 1)
    /// Normal with the given mean and standard deviation.
    case normal(mean: Float = 0, std: Float = 1)
    /// Glorot uniform: `U(−b, b)` with `b = gain · √(6 / (fan_in + fan_out))`.
    case xavierUniform(gain: Float = 1)
    /// Glorot normal: `N(0, σ²)` with `σ = gain · √(2 / (fan_in + fan_out))`.
    case xavierNormal(gain: Float = 1)
    /// He uniform: `U(−b, b)` with `b = √3 · gain / √fan`, `gain = nonlinearity.gain(param: a)`
    /// (PyTorch's defaults: `a = 0`, `fanIn`, leaky ReLU, so gain √2).
    case kaimingUniform(a: Float = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu)
    /// He normal: `N(0, σ²)` with `σ = gain / √fan`.
    case kaimingNormal(a: Float = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu)

    /// PyTorch's default for Linear and convolution weights: `kaiming_uniform(a: √5)`, which is
    /// `U(−1/√fan_in, 1/√fan_in)`.
    public static let pytorchDefaultWeight: Initializer = .kaimingUniform(a: Float(5).squareRoot())

    /// PyTorch's default for Linear and convolution biases: `U(−1/√fan_in, 1/√fan_in)` (zeros when `fanIn` is 0).
    public static func pytorchDefaultBias(fanIn: Int) -> Initializer {
        let bound: Float = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return .uniform(low: -bound, high: bound)
    }

    /// `(fan_in, fan_out)` of a weight of `shape` as PyTorch computes them: `shape[1]·r` and `shape[0]·r`, `r` the
    /// product of the remaining (receptive-field) dimensions. Needs at least two dimensions.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(
            shape.count >= 2,
            "Initializer: fan in and fan out need a tensor of at least 2 dimensions, got shape \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A new tensor of `shape` with values drawn by this rule.
    public func tensor(_ shape: [Int], generator: RandomGenerator = .default) -> Tensor {
        switch self {
        case .zeros: return Tensor.zeros(shape)
        case .ones: return Tensor.ones(shape)
        case .constant(let v): return Tensor.full(shape, v)
        case .uniform(let low, let high): return generator.uniform(shape, low: low, high: high)
        case .normal(let mean, let std): return generator.normal(shape, mean: mean, std: std)
        case .xavierUniform(let gain):
            let (fi, fo) = Initializer.fans(shape)
            let bound = gain * (6 / Float(fi + fo)).squareRoot()
            return generator.uniform(shape, low: -bound, high: bound)
        case .xavierNormal(let gain):
            let (fi, fo) = Initializer.fans(shape)
            return generator.normal(shape, mean: 0, std: gain * (2 / Float(fi + fo)).squareRoot())
        case .kaimingUniform(let a, let mode, let nonlinearity):
            let std = Initializer.kaimingStd(shape, a: a, mode: mode, nonlinearity: nonlinearity)
            let bound = Float(3).squareRoot() * std
            return generator.uniform(shape, low: -bound, high: bound)
        case .kaimingNormal(let a, let mode, let nonlinearity):
            return generator.normal(
                shape, mean: 0, std: Initializer.kaimingStd(shape, a: a, mode: mode, nonlinearity: nonlinearity))
        }
    }

    /// Overwrites `parameter` in place (shared storage) with values drawn by this rule.
    public func fill(_ parameter: Tensor, generator: RandomGenerator = .default) {
        parameter.assignInPlace(tensor(parameter.shape, generator: generator))
    }

    /// `gain / √fan` for Kaiming initialisation.
    static func kaimingStd(_ shape: [Int], a: Float, mode: FanMode, nonlinearity: Nonlinearity) -> Float {
        let (fi, fo) = fans(shape)
        let fan = mode == .fanIn ? fi : fo
        precondition(fan > 0, "Initializer: Kaiming initialisation of a tensor of shape \(shape) with zero fan")
        return nonlinearity.gain(param: a) / Float(fan).squareRoot()
    }
}
