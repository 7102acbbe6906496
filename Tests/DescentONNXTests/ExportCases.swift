import Descent
import DescentTrain
import Foundation

@testable import DescentONNX

/// The models that the ONNX export check covers: every zoo model with its default options, two `model.layers`
/// configs between them using every layer kind and option of `LayerConfig`, and transposed convolutions (built in
/// Swift: no config names them). Batch norm statistics and affine parameters are drawn at random, so that the
/// eval form is not the identity.
struct ExportCase {
    /// The case's name (a folder of the reference files).
    let name: String
    /// The model, in eval mode.
    let model: Module
    /// One input sample's shape.
    let inputShape: [Int]
    /// The export options (normalisation, class names).
    let options: ONNXExportOptions

    /// The names of the cases (``make(_:)``), for parameterised tests: every zoo model but `seq2seq`, whose export decodes (``ONNXSeq2SeqExportTests``) (`audio_rnn` on 40 × 48
    /// spectrograms), two `model.layers` configs, transposed convolutions, and text classifiers over every recurrent
    /// kind (see ``textCases``).
    static let names =
        ModelConfig.Zoo.allCases.filter { $0 != .seq2seq }.map(\.rawValue) + [
            "layers-conv", "layers-dense", "conv-transpose",
        ]
        + textCases.keys.sorted()

    /// Text classifiers besides the zoo's `text_rnn` (one LSTM layer): a 2-layer bidirectional GRU, a 2-layer LSTM
    /// without biases, and bidirectional Elman RNNs with tanh and ReLU, over a vocabulary of 30 tokens.
    static let textCases: [String: (RecurrentCellKind, layers: Int, bidirectional: Bool)] = [
        "text-gru-2-bi": (.gru, 2, true), "text-lstm-2": (.lstm, 2, false), "text-rnn-tanh-bi": (.rnnTanh, 1, true),
        "text-rnn-relu-bi": (.rnnReLU, 1, true),
    ]

    /// Token sequences of this many steps for the text cases.
    static let textSteps = 12

    /// A `model.layers` config over convolutions with stride, padding, dilation, groups and a non-square kernel,
    /// every pooling, both batch norms, layer norm, every activation and log-softmax.
    static let convLayers = """
        model:
          layers:
            - {name: conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
            - batch_norm2d
            - {name: leaky_relu, negative_slope: 0.1}
            - {name: conv2d, out_channels: 8, kernel_size: 3, padding: 2, dilation: 2, groups: 4}
            - {name: elu, alpha: 0.7}
            - {name: max_pool2d, kernel_size: 3, stride: 1, padding: 1}
            - {name: avg_pool2d, kernel_size: 3, stride: 1, padding: 1, count_include_pad: false}
            - {name: avg_pool2d, kernel_size: 2}
            - {name: conv2d, out_channels: 6, kernel_size: [1, 3], padding: [0, 1], bias: false}
            - gelu
            - {name: adaptive_avg_pool2d, output_size: 2}
            - flatten
            - layer_norm
            - {name: linear, out_features: 16}
            - silu
            - {name: dropout, p: 0.3}
            - {name: linear, out_features: 16}
            - {name: gelu, approximate: tanh}
            - {name: linear, out_features: 16}
            - batch_norm1d
            - sigmoid
            - {name: linear, out_features: classes}
            - log_softmax
        """

    /// A `model.layers` config of dense layers with tanh and softmax, on flat inputs.
    static let denseLayers = """
        model:
          layers:
            - {name: linear, out_features: 32, bias: false}
            - tanh
            - {name: batch_norm1d, affine: false}
            - {name: linear, out_features: classes}
            - softmax
        """

    /// The case called `name`.
    static func make(_ name: String) throws -> ExportCase {
        let generator = RandomGenerator(seed: 20)
        let model: Module, inputShape: [Int]
        var options = ONNXExportOptions()
        if name == ModelConfig.Zoo.rnnLM.rawValue {  // a 2-layer LSTM language model over 30 tokens
            inputShape = [textSteps]
            model = RNNLanguageModel(
                vocabularySize: 30, cell: .lstm, embeddingDim: 6, hiddenSize: 5, numLayers: 2, generator: generator)
        } else if name == ModelConfig.Zoo.textRNN.rawValue {
            inputShape = [textSteps]
            model = try ModelConfig.Zoo.textRNN.makeModel(inputShape: inputShape, classes: 10)
            options.classNames = (0..<10).map { "class \($0)" }
        } else if let (kind, layers, bidirectional) = textCases[name] {
            inputShape = [textSteps]
            let classifier = SequenceClassifier(
                vocabularySize: 30, classes: 4, cell: kind, embeddingDim: 6, hiddenSize: 5, numLayers: layers,
                bidirectional: bidirectional, generator: generator)
            if name == "text-lstm-2" {  // no biases: the ONNX node's B input is left out
                let bare = LSTM(6, 5, numLayers: 2, bias: false, batchFirst: true, generator: generator)
                model = SequenceClassifier(embedding: classifier.embedding, recurrent: bare, head: classifier.head)
            } else {
                model = classifier
            }
        } else if let zoo = ModelConfig.Zoo(rawValue: name) {
            inputShape = zoo.defaultInput
            model = try zoo.makeModel(inputShape: inputShape, classes: 10)
            if inputShape.first == 3 {
                options.normalizeMean = [0.4914, 0.4822, 0.4465]
                options.normalizeStd = [0.2470, 0.2435, 0.2616]
            } else {
                options.normalizeMean = [0.1307]
                options.normalizeStd = [0.3081]
            }
            options.classNames = (0..<10).map { "class \($0)" }
        } else if name == "layers-conv" {
            inputShape = [3, 16, 16]
            model = try TrainingConfig.parse(yaml: convLayers).model.makeModel(inputShape: inputShape, classes: 5)
        } else if name == "layers-dense" {
            inputShape = [20]
            model = try TrainingConfig.parse(yaml: denseLayers).model.makeModel(inputShape: inputShape, classes: 3)
            options.normalizeMean = [0.5]
            options.normalizeStd = [2]
        } else {
            inputShape = [3, 5, 5]
            model = Sequential(
                ConvTranspose2d(3, 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: generator),
                ReLU(),
                ConvTranspose2d(4, 4, kernelSize: [2, 3], dilation: 2, groups: 2, bias: false, generator: generator),
                Flatten(), Linear(4 * 12 * 14, 10, generator: generator))
        }
        for (_, m) in model.namedModules() {
            guard let bn = m as? BatchNorm else { continue }
            let c = bn.numFeatures
            bn.runningMean?.assignInPlace(generator.normal([c], std: 0.3))
            bn.runningVar?.assignInPlace(generator.uniform([c], low: 0.5, high: 1.5))
            bn.weight?.assignInPlace(generator.uniform([c], low: 0.5, high: 1.5))
            bn.bias?.assignInPlace(generator.normal([c], std: 0.2))
        }
        model.eval()
        return ExportCase(name: name, model: model, inputShape: inputShape, options: options)
    }

    /// Whether the case reads token indices (a text classifier).
    var isText: Bool { model is SequenceClassifier || model is RNNLanguageModel }

    /// `count` samples in [0, 1] (raw inputs, before the normalisation), or for a text case token indices in
    /// `1..<30` of lengths 12, 3, 7, 1, … padded on the right with 0.
    func inputs(count: Int) -> Tensor {
        let generator = RandomGenerator(seed: 7)
        guard isText else { return generator.uniform([count] + inputShape) }
        // A language model's windows are whole (no padding).
        let steps = inputShape[0], lengths = model is RNNLanguageModel ? [steps] : [steps, 3, 7, 1]
        let ids = (0..<count).flatMap { i in
            (0..<steps).map { t in t < lengths[i % lengths.count] ? Float(generator.integer(in: 1..<30)) : 0 }
        }
        return Tensor(ids, shape: [count, steps])
    }

    /// Descent's outputs for raw `x`: the normalisation as `Normalize` applies it, then the model.
    func outputs(_ x: Tensor) -> Tensor {
        var values = x.scalars
        if let mean = options.normalizeMean, let std = options.normalizeStd {
            let n = x.shape[0], channels = inputShape.first ?? 1
            let perChannel = Shape.count(inputShape) / channels
            for i in 0..<n {
                for c in 0..<channels {
                    let m = mean.count == 1 ? mean[0] : mean[c], inv = 1 / (std.count == 1 ? std[0] : std[c])
                    let start = i * channels * perChannel + c * perChannel
                    for j in start..<(start + perChannel) { values[j] = (values[j] - m) * inv }
                }
            }
        }
        return withNoGrad { model(Tensor(values, shape: x.shape)) }
    }
}
