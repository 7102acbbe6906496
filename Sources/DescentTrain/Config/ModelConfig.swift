import Descent
import DescentONNX
import Foundation

/// The `model` section: a zoo model by name with its options, or a list of layers. Input channels, sizes and
/// the number of classes come from the data.
public struct ModelConfig: Sendable, Equatable {
    /// The models of the zoo: the one list that configs (`model.name`), `descent summary` and `descent evaluate
    /// --model` read.
    public enum Zoo: String, Sendable, CaseIterable {
        /// The zoo models by their configuration names (see `docs/config.md`).
        case mlp, cnn, cnnBN = "cnn-bn", lenet5, vgg, resnet, resnet18, textRNN = "text_rnn"
        case audioRNN = "audio_rnn"
        /// The encoder–decoder of `spell-numbers` (``Seq2Seq``).
        case seq2seq
        case rnnLM = "rnn_lm"

        /// The vocabulary `text_rnn` is built for when no data gives one (`descent summary`).
        public static let defaultVocabulary = 10_000

        /// The options, their types and defaults.
        var specs: [OptionSpec] {
            switch self {
            case .mlp:
                return [
                    .ints("hidden", [256, 128], .atLeast(1)), .number("dropout", 0.2, .fraction),
                    .choice("activation", ActivationKind.allCases.map(\.rawValue), "relu"), .flag("batch_norm", false),
                ]
            case .cnn: return [.flag("batch_norm", false), .flag("dropout", false)]
            case .cnnBN: return [.flag("batch_norm", true), .flag("dropout", true)]
            case .lenet5: return [.choice("activation", ActivationKind.allCases.map(\.rawValue), "tanh")]
            case .vgg: return [.ints("channels", [32, 64, 128], .atLeast(1)), .number("dropout", 0.3, .fraction)]
            case .resnet:
                return [.ints("widths", [16, 32, 64], .atLeast(1)), .ints("blocks", [2, 2, 2], .atLeast(1))]
            case .resnet18: return []
            case .textRNN:
                return [
                    .choice("cell", ["lstm", "gru", "rnn"], "lstm"), .int("embedding_dim", 64, .atLeast(1)),
                    .int("hidden", 128, .atLeast(1)), .int("num_layers", 1, .atLeast(1)), .flag("bidirectional", false),
                    .number("dropout", 0, .fraction),
                ]
            case .audioRNN:
                return [
                    .choice("cell", ["gru", "lstm", "rnn"], "gru"), .int("hidden", 128, .atLeast(1)),
                    .int("num_layers", 1, .atLeast(1)), .flag("bidirectional", false), .number("dropout", 0, .fraction),
                ]
            case .seq2seq:
                return [
                    .choice("cell", ["gru", "lstm", "rnn"], "gru"), .int("embedding_dim", 64, .atLeast(1)),
                    .int("hidden", 256, .atLeast(1)), .int("num_layers", 1, .atLeast(1)),
                    .number("dropout", 0, .fraction),
                ]
            case .rnnLM:
                return [
                    .choice("cell", ["lstm", "gru", "rnn"], "lstm"), .int("embedding_dim", 64, .atLeast(1)),
                    .int("hidden", 128, .atLeast(1)), .int("num_layers", 1, .atLeast(1)),
                    .number("dropout", 0, .fraction),
                ]
            }
        }

        /// The shape of one sample the model is usually given (`descent summary`'s default input).
        public var defaultInput: [Int] {
            switch self {
            case .mlp: return [784]
            case .cnn, .cnnBN, .lenet5: return [1, 28, 28]
            case .vgg, .resnet, .resnet18: return [3, 32, 32]
            case .textRNN: return [50]
            case .audioRNN: return [1, 40, 48]
            case .seq2seq: return [2, 10]
            case .rnnLM: return [64]
            }
        }

        /// One line on the architecture.
        public var summary: String {
            switch self {
            case .mlp: return "multi-layer perceptron (hidden sizes, activation, dropout, batch norm)"
            case .cnn: return "two Conv–ReLU–MaxPool blocks, Linear 128, Linear"
            case .cnnBN: return "the cnn with batch norm and dropout"
            case .lenet5: return "LeNet-5 for 28×28 images"
            case .vgg: return "a small VGG of Conv–Conv–MaxPool blocks"
            case .resnet: return "a CIFAR-style ResNet of basic blocks"
            case .resnet18: return "ResNet-18 for 32×32 images"
            case .textRNN: return "Embedding, LSTM/GRU/RNN over each text's length, final state, Linear (texts)"
            case .audioRNN:
                return "GRU/LSTM/RNN over the frames of [1, features, frames] spectrograms, final state, Linear"
            case .seq2seq:
                return "encoder-decoder GRU/LSTM: source rows encoded, target rows decoded with teacher forcing, Linear"
            case .rnnLM:
                return "Embedding, LSTM/GRU/RNN, dropout, Linear to the vocabulary at every step (language model)"
            }
        }

        /// The model with its default options for samples of shape `inputShape` and `classes` outputs (for
        /// `rnn_lm`, `classes` is the vocabulary and the outputs are per step).
        ///
        /// - Throws: ``DescentError`` when the shape does not fit the model.
        public func makeModel(inputShape: [Int], classes: Int) throws -> Module {
            try ModelConfig(.zoo(self, ConfigOptions())).makeModel(
                inputShape: inputShape, classes: classes,
                vocabularySize: self == .textRNN ? Self.defaultVocabulary : self == .rnnLM ? classes : nil,
                perStep: self == .rnnLM)
        }
    }

    /// How the model is described.
    public enum Architecture: Sendable, Equatable {
        /// A zoo model with its options.
        case zoo(Zoo, ConfigOptions)
        /// Layers in sequence.
        case layers([LayerConfig])
        /// The graph of an ONNX file (`model.onnx`), read by ``DescentONNX/ONNXImport`` with its weights: a model
        /// exported by Descent or PyTorch, fine-tuned as it is.
        case onnx(String)
    }

    /// The model.
    public var architecture: Architecture
    /// A safetensors state dict (`model.weights`) loaded into the built model before training — fine-tuning from a
    /// run's `model.safetensors`, a PyTorch `save_file(model.state_dict())` or `descent import --weights`; every key
    /// must match (strict). `nil`: the initialisation drawn from the seed.
    public var weights: String?
    /// Where the section's keys were written, for errors when the model is built.
    var sources = SourceMap()

    /// A model; zoo options left out take their defaults.
    public init(_ architecture: Architecture) {
        switch architecture {
        case .zoo(let zoo, let options):
            self.architecture = .zoo(zoo, ConfigOptions.defaults(zoo.specs).merging(options))
        case .layers, .onnx: self.architecture = architecture
        }
    }

    /// The zoo model's name, `layers` or `onnx`.
    public var name: String {
        switch architecture {
        case .zoo(let zoo, _): return zoo.rawValue
        case .layers: return "layers"
        case .onnx: return "onnx"
        }
    }

    /// Reads the `model` section (absent, or without a name: `defaultName`, the data's default model).
    init(_ r: SectionReader, defaultName: String = Zoo.cnnBN.rawValue) throws {
        if r.has("onnx") {
            for key in ["name", "layers", "weights"] where r.has(key) {
                throw r.error(key, "not used with model.onnx (the file gives the graph and its weights)")
            }
            self.init(.onnx(try r.string("onnx")!))
            try r.finish(known: ["onnx"])
        } else if r.has("layers") {
            if r.has("name") { throw r.error("layers", "give either a zoo model name or layers, not both") }
            let items = try r.list("layers")!
            guard !items.isEmpty else { throw r.error("layers", "expected at least one layer") }
            self.init(.layers(try items.map { try LayerConfig($0.node, path: $0.path, in: r) }))
            _ = r.node("name")
            weights = try r.string("weights")
            try r.finish(known: ["name", "layers", "weights"])
        } else {
            let zoo = Zoo(rawValue: try r.choice("name", Zoo.allCases.map(\.rawValue), what: "model") ?? defaultName)!
            let options = try r.options(zoo.specs, for: zoo.rawValue)
            if let widths = options.ints("widths"), let blocks = options.ints("blocks"), widths.count != blocks.count {
                throw r.error("blocks", "needs one block count per stage width (\(widths.count)), got \(blocks.count)")
            }
            self.init(.zoo(zoo, options))
            _ = r.node("layers")
            weights = try r.string("weights")
            let own = zoo.specs.map(\.key)
            try r.finish(
                known: ["name", "layers", "weights"] + own,
                elsewhere: OptionSpec.misplaced(
                    Zoo.allCases.flatMap { $0.specs.map(\.key) }, own: own, in: "model \(zoo.rawValue)"))
        }
        sources = r.sourceMap
    }

    /// Writes the section.
    func write(_ w: inout YAMLWriter) {
        w.section("model") { w in
            switch architecture {
            case .zoo(let zoo, let options):
                w.line("name", zoo.rawValue)
                for spec in zoo.specs { w.line(spec.key, options[spec.key]) }
            case .layers(let layers):
                w.list("layers", layers.map(\.yaml))
            case .onnx(let path):
                w.line("onnx", YAMLWriter.string(path))
            }
            if case .onnx = architecture { return }
            w.line("weights", weights.map(YAMLWriter.string) ?? "null")
        }
    }

    /// Builds the model for samples of shape `inputShape` and `classes` outputs (classes, or regression
    /// targets; with `perStep`, a language model's vocabulary at each of the `T` steps of an input `[T]`), from
    /// the current state of `RandomGenerator.default` (seed it first for reproducible weights).
    ///
    /// - Throws: ``DescentError`` of kind `.config` naming the model (or the layer, with its index and line)
    ///   when the data does not fit it, or when the model does not output `classes` values per sample (per step).
    public func makeModel(inputShape: [Int], classes: Int, vocabularySize: Int? = nil, perStep: Bool = false) throws
        -> Module
    {
        let model: Module
        switch architecture {
        case .zoo(let zoo, let options):
            if perStep != (zoo == .rnnLM), zoo == .rnnLM || zoo == .textRNN {
                throw sources.error(
                    "model.name",
                    zoo == .rnnLM
                        ? "rnn_lm is a language model: it needs data.task language_model"
                        : "\(zoo.rawValue) classifies texts; a language model (data.task language_model) needs rnn_lm")
            }
            model = try makeZoo(zoo, options, inputShape, classes, vocabularySize)
        case .layers(let layers): model = try makeLayers(layers, inputShape, classes)
        case .onnx(let path):
            do {
                let imported = try ONNXImport.read(contentsOf: URL(fileURLWithPath: path))
                imported.model.train()
                model = imported.model
            } catch let e as DescentError {
                throw sources.error("model.onnx", "\(e)")
            }
        }
        var expected = perStep ? [1] + inputShape + [classes] : [1, classes]
        let output: [Int]
        do { output = try model.outputShape(for: [1] + inputShape) } catch let e as DescentError {
            throw sources.error("model", "does not fit inputs \(inputShape): \(e.location): \(e.reason)")
        }
        // A sequence-to-sequence model scores every target position: [1, T, classes] for [2, T] inputs.
        if name == Zoo.seq2seq.rawValue { expected = [1, inputShape.last ?? 0, classes] }
        guard output == expected else {
            let hint = output.count > 2 && !perStep ? " (add a flatten layer before the last linear?)" : ""
            throw sources.error(
                sources.origins["model.layers"] != nil ? "model.layers" : "model",
                "outputs \(Array(output.dropFirst())) per sample; the data needs \(Array(expected.dropFirst()))\(hint)")
        }
        return model
    }

    private func makeZoo(_ zoo: Zoo, _ o: ConfigOptions, _ shape: [Int], _ classes: Int, _ vocabulary: Int?)
        throws -> Module
    {
        func fail(_ needs: String) -> DescentError {
            sources.error("model.name", "\(zoo.rawValue) expects \(needs), the data gives \(shape)")
        }
        func image() throws -> (channels: Int, height: Int, width: Int) {
            guard shape.count == 3, shape.allSatisfy({ $0 >= 1 }) else { throw fail("[C, H, W] images") }
            return (shape[0], shape[1], shape[2])
        }
        func mlp(_ hidden: [Int], dropout: Float = 0, activation: ActivationKind = .relu, batchNorm: Bool = false)
            -> Module
        {
            let net = Models.mlp(
                [Shape.count(shape)] + hidden + [classes], activation: activation, dropout: dropout,
                batchNorm: batchNorm)
            return shape.count == 1 ? net : Sequential([Flatten()] + net.layers)
        }
        switch zoo {
        case .mlp:
            return mlp(
                o.ints("hidden") ?? [256, 128], dropout: o.float("dropout") ?? 0.2,
                activation: ActivationKind(rawValue: o.string("activation") ?? "relu") ?? .relu,
                batchNorm: o.bool("batch_norm") ?? false)
        case .cnn, .cnnBN:
            let (c, h, w) = try image()
            guard h % 4 == 0, w % 4 == 0 else { throw fail("[C, H, W] images with sides divisible by 4") }
            let bn = o.bool("batch_norm") ?? (zoo == .cnnBN), drop = o.bool("dropout") ?? (zoo == .cnnBN)
            return Models.cnn(batchNorm: bn, dropout: drop, inChannels: c, height: h, width: w, classes: classes)
        case .lenet5:
            let (c, h, w) = try image()
            guard h == 28, w == 28 else { throw fail("28×28 images") }
            return Models.leNet5(
                inChannels: c, classes: classes,
                activation: ActivationKind(rawValue: o.string("activation") ?? "tanh") ?? .tanh)
        case .vgg:
            let (c, h, w) = try image()
            let channels = o.ints("channels") ?? [32, 64, 128], side = 1 << channels.count
            guard h % side == 0, w % side == 0 else {
                throw fail("[C, H, W] images with sides divisible by \(side) (\(channels.count) pooling blocks)")
            }
            return Models.smallVGG(
                inChannels: c, classes: classes, channels: channels, dropout: o.float("dropout") ?? 0.3)
        case .resnet:
            let (c, _, _) = try image()
            let widths = o.ints("widths") ?? [16, 32, 64], blocks = o.ints("blocks") ?? [2, 2, 2]
            guard !widths.isEmpty, widths.count == blocks.count else {
                throw sources.error(
                    "model.blocks", "needs one block count per stage width (\(widths.count)), got \(blocks.count)")
            }
            return ResNet(inChannels: c, classes: classes, widths: widths, blocksPerStage: blocks)
        case .resnet18:
            return ResNet.resNet18(inChannels: try image().channels, classes: classes)
        case .textRNN:
            guard shape.count == 1, let vocabulary else { throw fail("token sequences (dataset text)") }
            let cell: RecurrentCellKind = ["gru": .gru, "rnn": .rnnTanh][o.string("cell") ?? "lstm"] ?? .lstm
            return SequenceClassifier(
                vocabularySize: vocabulary, classes: classes, cell: cell, embeddingDim: o.int("embedding_dim") ?? 64,
                hiddenSize: o.int("hidden") ?? 128, numLayers: o.int("num_layers") ?? 1,
                bidirectional: o.bool("bidirectional") ?? false, dropout: o.float("dropout") ?? 0)
        case .audioRNN:
            guard (shape.count == 3 && shape[0] == 1) || shape.count == 2, shape.allSatisfy({ $0 >= 1 }) else {
                throw fail("[1, features, frames] spectrograms (e.g. audio log-mel features)")
            }
            let cell: RecurrentCellKind = ["lstm": .lstm, "rnn": .rnnTanh][o.string("cell") ?? "gru"] ?? .gru
            return FrameSequenceClassifier(
                features: shape[shape.count - 2], classes: classes, cell: cell, hiddenSize: o.int("hidden") ?? 128,
                numLayers: o.int("num_layers") ?? 1, bidirectional: o.bool("bidirectional") ?? false,
                dropout: o.float("dropout") ?? 0)
        case .seq2seq:
            guard shape.count == 2, shape[0] == 2 else {
                throw fail("[2, T] source and target token rows (dataset spell-numbers)")
            }
            guard classes > Seq2Seq.endIndex else {
                throw sources.error(
                    "model.name", "seq2seq needs a vocabulary of at least 4 tokens (the specials), got \(classes)")
            }
            // Without a vocabulary of its own, the sources share the targets' (as spell-numbers does).
            let vocabulary = vocabulary ?? classes
            let cell: RecurrentCellKind = ["lstm": .lstm, "rnn": .rnnTanh][o.string("cell") ?? "gru"] ?? .gru
            return Seq2Seq(
                sourceVocabulary: vocabulary, targetVocabulary: classes, cell: cell,
                embeddingDim: o.int("embedding_dim") ?? 64, hiddenSize: o.int("hidden") ?? 256,
                numLayers: o.int("num_layers") ?? 1, dropout: o.float("dropout") ?? 0)
        case .rnnLM:
            guard shape.count == 1, let vocabulary else { throw fail("token windows (data.task language_model)") }
            let cell: RecurrentCellKind = ["gru": .gru, "rnn": .rnnTanh][o.string("cell") ?? "lstm"] ?? .lstm
            return RNNLanguageModel(
                vocabularySize: vocabulary, cell: cell, embeddingDim: o.int("embedding_dim") ?? 64,
                hiddenSize: o.int("hidden") ?? 128, numLayers: o.int("num_layers") ?? 1,
                dropout: o.float("dropout") ?? 0)
        }
    }

    private func makeLayers(_ layers: [LayerConfig], _ inputShape: [Int], _ classes: Int) throws -> Module {
        var shape = [1] + inputShape
        var modules: [Module] = []
        for (i, layer) in layers.enumerated() {
            do {
                let m = try layer.makeLayer(input: shape, classes: classes)
                shape = try m.outputShape(for: shape)
                modules.append(m)
            } catch let e as DescentError {
                throw sources.error(
                    "model.layers[\(i)]", "\(layer.kind.rawValue) on input \(Array(shape.dropFirst())): \(e.reason)")
            }
        }
        return Sequential(modules)
    }
}
