/// Activation functions selectable by name in model builders and configs.
public enum ActivationKind: String, Sendable, CaseIterable, Codable {
    case relu, leakyRelu = "leaky_relu", elu, gelu, silu, sigmoid, tanh

    /// A new activation layer of this kind.
    public func makeLayer() -> Module {
        switch self {
        case .relu: return ReLU()
        case .leakyRelu: return LeakyReLU()
        case .elu: return ELU()
        case .gelu: return GELU()
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
    public static func mlp(_ sizes: [Int], activation: ActivationKind = .relu, dropout: Float = 0,
                           batchNorm: Bool = false, generator: RandomGenerator = .default) -> Sequential {
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
