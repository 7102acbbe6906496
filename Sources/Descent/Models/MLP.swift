/// The activation functions by name: the one list that model builders, zoo options and `model.layers` use.
public enum ActivationKind: String, Sendable, CaseIterable, Codable {
    case relu, leakyRelu = "leaky_relu", elu, gelu, silu, sigmoid, tanh

    /// A new activation layer of this kind with PyTorch's defaults, or the given `negativeSlope` (LeakyReLU),
    /// `alpha` (ELU) and tanh approximation (GELU).
    public func makeLayer(negativeSlope: Float? = nil, alpha: Float? = nil, tanhApproximation: Bool = false) -> Module {
        switch self {
        case .relu: return ReLU()
        case .leakyRelu: return negativeSlope.map { LeakyReLU(negativeSlope: $0) } ?? LeakyReLU()
        case .elu: return alpha.map { ELU(alpha: $0) } ?? ELU()
        case .gelu: return GELU(approximate: tanhApproximation ? .tanh : .none)
        case .silu: return SiLU()
        case .sigmoid: return Sigmoid()
        case .tanh: return Tanh()
        }
    }
}

extension Models {
    /// A multi-layer perceptron: `Linear(sizes[i], sizes[i+1])` for each consecutive pair, each hidden layer
    /// followed by optional `BatchNorm1d`, the activation and optional `Dropout(dropout)`; the last Linear is bare.
    ///
    /// `mlp([784, 512, 512, 10])` is the W1 benchmark model (`0`, `2`, `4` are the Linear layers, as in PyTorch).
    public static func mlp(
        _ sizes: [Int], activation: ActivationKind = .relu, dropout: Float = 0,
        batchNorm: Bool = false, generator: RandomGenerator = .default
    ) -> Sequential {
        precondition(sizes.count >= 2, "mlp: needs at least an input and an output size, got \(sizes)")
        var layers: [Module] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(sizes[i], sizes[i + 1], generator: generator))
            if i < sizes.count - 2 {
                if batchNorm { layers.append(BatchNorm1d(sizes[i + 1])) }
                layers.append(activation.makeLayer())
                if dropout > 0 { layers.append(Dropout(dropout, generator: generator)) }
            }
        }
        return Sequential(layers)
    }
}

/// Builders for the models of the zoo (MLP, LeNet-5, a small VGG, ResNets) and the benchmark workloads.
public enum Models {}
