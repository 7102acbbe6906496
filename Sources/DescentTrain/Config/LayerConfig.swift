import Descent

/// One layer of `model.layers`, with PyTorch's argument names but no input sizes: those are inferred by
/// propagating the sample shape through the layers before it.
public struct LayerConfig: Sendable, Equatable {
    /// The layers that can be named.
    public enum Kind: String, Sendable, CaseIterable {
        /// Linear and convolution layers, pooling.
        case linear, conv2d, maxPool2d = "max_pool2d", avgPool2d = "avg_pool2d", adaptiveAvgPool2d =
            "adaptive_avg_pool2d"
        /// Normalisation and dropout.
        case batchNorm1d = "batch_norm1d", batchNorm2d = "batch_norm2d", layerNorm = "layer_norm", dropout
        /// Activations (``Descent/ActivationKind``'s names, built by it) and flatten.
        case relu, leakyRelu = "leaky_relu", elu, gelu, silu, sigmoid, tanh, softmax, logSoftmax = "log_softmax",
            flatten
        /// Sequence layers: an embedding table (inputs hold indices) and recurrent networks over `[N, T, features]`.
        case embedding, rnn, lstm, gru

        /// The options, their types and defaults (PyTorch's).
        var specs: [OptionSpec] {
            switch self {
            case .linear: return [.outputs("out_features"), .flag("bias", Linear.defaultBias)]
            case .conv2d:
                return [
                    OptionSpec.int("out_channels", nil, .atLeast(1)).required(),
                    OptionSpec.size("kernel_size", nil).required(),
                    .size("stride", size: Conv2d.defaultStride),
                    .size("padding", size: Conv2d.defaultPadding, .nonNegative),
                    .size("dilation", size: Conv2d.defaultDilation),
                    .int("groups", Conv2d.defaultGroups, .atLeast(1)),
                    .flag("bias", Conv2d.defaultBias),
                ]
            case .maxPool2d:
                return [
                    OptionSpec.size("kernel_size", nil).required(), .size("stride", nil),
                    .size("padding", size: MaxPool2d.defaultPadding, .nonNegative),
                    .size("dilation", size: MaxPool2d.defaultDilation),
                    .flag("ceil_mode", MaxPool2d.defaultCeilMode),
                ]
            case .avgPool2d:
                return [
                    OptionSpec.size("kernel_size", nil).required(), .size("stride", nil),
                    .size("padding", size: AvgPool2d.defaultPadding, .nonNegative),
                    .flag("ceil_mode", AvgPool2d.defaultCeilMode),
                    .flag("count_include_pad", AvgPool2d.defaultCountIncludePad),
                ]
            case .adaptiveAvgPool2d: return [.size("output_size", 1)]
            case .batchNorm1d, .batchNorm2d:
                return [
                    .number("eps", float: BatchNorm.defaultEps, .positive),
                    .number("momentum", float: BatchNorm.defaultMomentum, .probability),
                    .flag("affine", BatchNorm.defaultAffine),
                ]
            case .layerNorm:
                return [
                    .number("eps", float: LayerNorm.defaultEps, .positive),
                    .flag("elementwise_affine", LayerNorm.defaultElementwiseAffine),
                ]
            case .dropout: return [.number("p", float: Dropout.defaultP, .probability)]
            case .leakyRelu: return [.number("negative_slope", float: LeakyReLU.defaultNegativeSlope)]
            case .elu: return [.number("alpha", float: ELU.defaultAlpha)]
            case .gelu: return [.choice("approximate", ["none", "tanh"], GELU.defaultApproximate.rawValue)]
            case .softmax: return [.int("dim", Softmax.defaultDim)]
            case .logSoftmax: return [.int("dim", LogSoftmax.defaultDim)]
            case .flatten: return [.int("start_dim", Flatten.defaultStartDim), .int("end_dim", Flatten.defaultEndDim)]
            case .relu, .silu, .sigmoid, .tanh: return []
            case .embedding:
                return [
                    OptionSpec.int("num_embeddings", nil, .atLeast(1)).required(),
                    OptionSpec.int("embedding_dim", nil, .atLeast(1)).required(), .int("padding_idx", nil),
                    .number("max_norm", nil, .positive),
                ]
            case .rnn, .lstm, .gru:
                let nonlinearity: [OptionSpec] =
                    self == .rnn
                    ? [.choice("nonlinearity", RNNNonlinearity.allCases.map(\.rawValue), RNNNonlinearity.tanh.rawValue)]
                    : []
                return [
                    OptionSpec.int("hidden_size", nil, .atLeast(1)).required(),
                    .int("num_layers", RecurrentLayer.defaultNumLayers, .atLeast(1)),
                ] + nonlinearity + [
                    .flag("bias", RecurrentLayer.defaultBias),
                    .number("dropout", float: RecurrentLayer.defaultDropout, .probability),
                    .flag("bidirectional", RecurrentLayer.defaultBidirectional),
                    .choice(
                        "output", RecurrentOutput.allCases.map(\.rawValue), RecurrentLayer.defaultCallOutput.rawValue),
                ]
            }
        }
    }

    /// Which layer.
    public var kind: Kind
    /// Its options (`out_features: classes` is the number of classes or regression targets).
    public var options: ConfigOptions

    /// A layer with `options`; the options left out take PyTorch's defaults.
    public init(_ kind: Kind, options: ConfigOptions = ConfigOptions()) {
        self.kind = kind
        self.options = ConfigOptions.defaults(kind.specs).merging(options)
    }

    /// Reads one item of `model.layers`.
    init(_ item: ConfigNode, path: String, in reader: SectionReader) throws {
        let (name, r) = try reader.namedItem(item, path: path, choices: Kind.allCases.map(\.rawValue), what: "layer")
        kind = Kind(rawValue: name)!
        options = try r.options(kind.specs, for: name)
        let own = kind.specs.map(\.key)
        var elsewhere = OptionSpec.misplaced(
            Kind.allCases.flatMap { $0.specs.map(\.key) }, own: own, in: "layer \(name)")
        let inferred = [
            "in_features": "out_features", "in_channels": "out_channels", "num_features": nil, "normalized_shape": nil,
            "input_size": "hidden_size",
        ]
        for (k, v) in inferred {
            elsewhere[k] =
                "is inferred from the previous layer's output; leave it out" + (v.map { " and give only \($0)" } ?? "")
        }
        try r.finish(known: ["name"] + own, elsewhere: elsewhere)
    }

    /// The item as written in a resolved configuration.
    var yaml: String { YAMLWriter.item(name: kind.rawValue, options, order: kind.specs.map(\.key)) }

    /// The layer for inputs of shape `shape` (batch first); `classes` fills `out_features: classes`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the input cannot feed this layer, `.config` when a required
    ///   option (`kernel_size`, `out_channels`) is missing.
    func makeLayer(input shape: [Int], classes: Int) throws -> Module {
        let o = options
        func fail(_ reason: String) -> DescentError { DescentError(.shape, kind.rawValue, reason) }
        func required<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else { throw DescentError(.config, kind.rawValue, "needs \(key)") }
            return value
        }
        func channels(ranks: [Int], _ form: String) throws -> Int {
            guard ranks.contains(shape.count) else {
                throw fail("expects \(form) inputs, got \(Array(shape.dropFirst())) (add or remove a flatten layer?)")
            }
            return shape[1]
        }
        switch kind {
        case .linear:
            guard shape.count >= 2 else { throw fail("expects at least one feature dimension") }
            let out = o.string("out_features") == "classes" ? classes : o.int("out_features") ?? classes
            return Linear(shape[shape.count - 1], out, bias: o.bool("bias")!)
        case .conv2d:
            let cin = try channels(ranks: [4], "[C, H, W]")
            let cout = try required(o.int("out_channels"), "out_channels"), groups = o.int("groups")!
            guard cin % groups == 0 && cout % groups == 0 else {
                throw fail("in_channels \(cin) and out_channels \(cout) must both be divisible by groups \(groups)")
            }
            return Conv2d(
                cin, cout, kernelSize: try required(o.size("kernel_size"), "kernel_size"),
                stride: o.size("stride")!, padding: o.size("padding")!, dilation: o.size("dilation")!,
                groups: groups, bias: o.bool("bias")!)
        case .maxPool2d:
            _ = try channels(ranks: [3, 4], "[C, H, W]")
            return MaxPool2d(
                kernelSize: try required(o.size("kernel_size"), "kernel_size"), stride: o.size("stride"),
                padding: o.size("padding")!, dilation: o.size("dilation")!, ceilMode: o.bool("ceil_mode")!)
        case .avgPool2d:
            _ = try channels(ranks: [3, 4], "[C, H, W]")
            return AvgPool2d(
                kernelSize: try required(o.size("kernel_size"), "kernel_size"), stride: o.size("stride"),
                padding: o.size("padding") ?? AvgPool2d.defaultPadding,
                ceilMode: o.bool("ceil_mode") ?? AvgPool2d.defaultCeilMode,
                countIncludePad: o.bool("count_include_pad") ?? AvgPool2d.defaultCountIncludePad)
        case .adaptiveAvgPool2d:
            _ = try channels(ranks: [3, 4], "[C, H, W]")
            return AdaptiveAvgPool2d(outputSize: o.size("output_size")!)
        case .batchNorm1d:
            return BatchNorm1d(
                try channels(ranks: [2, 3], "[features] or [C, L]"), eps: o.float("eps")!,
                momentum: o.float("momentum")!, affine: o.bool("affine")!)
        case .batchNorm2d:
            return BatchNorm2d(
                try channels(ranks: [4], "[C, H, W]"), eps: o.float("eps")!,
                momentum: o.float("momentum")!, affine: o.bool("affine")!)
        case .layerNorm:
            guard shape.count >= 2 else { throw fail("expects at least one feature dimension") }
            return LayerNorm(
                [shape[shape.count - 1]], eps: o.float("eps")!, elementwiseAffine: o.bool("elementwise_affine")!)
        case .dropout: return Dropout(o.float("p")!)
        case .relu, .leakyRelu, .elu, .gelu, .silu, .sigmoid, .tanh:
            return ActivationKind(rawValue: kind.rawValue)!.makeLayer(
                negativeSlope: o.float("negative_slope"), alpha: o.float("alpha"),
                tanhApproximation: o.string("approximate") == "tanh")
        case .softmax, .logSoftmax:
            let dim = o.int("dim")!
            guard dim >= -shape.count && dim < shape.count else {
                throw fail("dim \(dim) is out of range for inputs of rank \(shape.count) (batch included)")
            }
            return kind == .softmax ? Softmax(dim: dim) : LogSoftmax(dim: dim)
        case .flatten: return Flatten(startDim: o.int("start_dim")!, endDim: o.int("end_dim")!)
        case .embedding:
            let count = try required(o.int("num_embeddings"), "num_embeddings")
            let padding = o.int("padding_idx")
            if let padding, padding < -count || padding >= count {
                throw DescentError(
                    .config, kind.rawValue, "padding_idx \(padding) must lie in -\(count)..<\(count) (num_embeddings)")
            }
            return Embedding(
                count, try required(o.int("embedding_dim"), "embedding_dim"), paddingIndex: padding,
                maxNorm: o.double("max_norm").map(Float.init))
        case .rnn, .lstm, .gru:
            guard shape.count == 3 else {
                throw fail("expects [T, features] sequences, got \(Array(shape.dropFirst())) (an embedding first?)")
            }
            let hidden = try required(o.int("hidden_size"), "hidden_size"), layers = o.int("num_layers")!
            let (bias, dropout, bi) = (o.bool("bias")!, o.float("dropout")!, o.bool("bidirectional")!)
            let layer: RecurrentLayer
            switch kind {
            case .lstm:
                layer = LSTM(
                    shape[2], hidden, numLayers: layers, bias: bias, batchFirst: true, dropout: dropout,
                    bidirectional: bi)
            case .gru:
                layer = GRU(
                    shape[2], hidden, numLayers: layers, bias: bias, batchFirst: true, dropout: dropout,
                    bidirectional: bi)
            default:
                layer = RNN(
                    shape[2], hidden, numLayers: layers,
                    nonlinearity: RNNNonlinearity(rawValue: o.string("nonlinearity")!)!, bias: bias, batchFirst: true,
                    dropout: dropout, bidirectional: bi)
            }
            layer.callOutput = RecurrentOutput(rawValue: o.string("output")!)!
            return layer
        }
    }
}
