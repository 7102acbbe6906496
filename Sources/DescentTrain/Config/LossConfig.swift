import Descent
import DescentData

/// The `loss` section: what the model is trained to minimise.
public struct LossConfig: Sendable, Equatable {
    /// The losses that can be named.
    public enum Kind: String, Sendable, CaseIterable {
        /// Cross-entropy (classification); MSE, L1, smooth L1 and Huber (regression).
        case crossEntropy = "cross_entropy", mse, l1, smoothL1 = "smooth_l1", huber
        /// Token cross-entropy (language models): the mean over the tokens of the next-token cross-entropy,
        /// `<pad>` ignored.
        case tokenCrossEntropy = "token_cross_entropy"

        /// The options, their types and defaults (PyTorch's).
        var specs: [OptionSpec] {
            switch self {
            case .crossEntropy:
                return [.number("label_smoothing", float: CrossEntropyLoss.defaultLabelSmoothing, .probability)]
            case .smoothL1: return [.number("beta", float: SmoothL1Loss.defaultBeta, .nonNegative)]
            case .huber: return [.number("delta", float: HuberLoss.defaultDelta, .positive)]
            case .mse, .l1, .tokenCrossEntropy: return []
            }
        }

        /// Whether the loss compares class labels (otherwise tensor targets).
        public var needsClassLabels: Bool { self == .crossEntropy }

        /// The tasks the loss is for: cross-entropy for class labels (and, as the token cross-entropy, for a
        /// sequence-to-sequence task), token cross-entropy for language models and sequence to sequence.
        public var tasks: [DataConfig.Task] {
            switch self {
            case .crossEntropy: return [.classification, .sequenceToSequence]
            case .tokenCrossEntropy: return [.languageModel, .sequenceToSequence]
            case .mse, .l1, .smoothL1, .huber: return [.regression]
            }
        }

        /// The loss a task gets when the config names none.
        static func fallback(for task: DataConfig.Task) -> Kind {
            switch task {
            case .classification: return .crossEntropy
            case .regression: return .mse
            case .languageModel, .sequenceToSequence: return .tokenCrossEntropy
            }
        }
    }

    /// The loss.
    public var kind: Kind
    /// Its options.
    public var options: ConfigOptions

    /// A loss; options left out take PyTorch's defaults.
    public init(_ kind: Kind, options: ConfigOptions = ConfigOptions()) {
        self.kind = kind
        self.options = ConfigOptions.defaults(kind.specs).merging(options)
    }

    /// Reads the `loss` section; the default is cross-entropy for classification, MSE for regression and token
    /// cross-entropy for a language model or a sequence-to-sequence task (which also accepts `cross_entropy`, read
    /// as the token cross-entropy over the target tokens, `<pad>` ignored, without label smoothing).
    init(_ r: SectionReader, task: DataConfig.Task) throws {
        let fallback = Kind.fallback(for: task)
        kind = Kind(rawValue: try r.choice("name", Kind.allCases.map(\.rawValue), what: "loss") ?? fallback.rawValue)!
        if !kind.tasks.contains(task) {
            let needs: String
            switch kind {
            case .crossEntropy: needs = "class labels"
            case .tokenCrossEntropy: needs = "next-token targets (data.task language_model)"
            case .mse, .l1, .smoothL1, .huber: needs = "real-valued targets"
            }
            throw r.error("name", "\(kind.rawValue) needs \(needs), but the task is \(task.rawValue)")
        }
        options = try r.options(kind.specs, for: kind.rawValue)
        if task == .sequenceToSequence, let smoothing = options.double("label_smoothing"), smoothing != 0 {
            throw r.error(
                "label_smoothing", "not used with a sequence-to-sequence task (the token cross-entropy has none)")
        }
        let own = kind.specs.map(\.key)
        try r.finish(
            known: ["name"] + own,
            elsewhere: OptionSpec.misplaced(
                Kind.allCases.flatMap { $0.specs.map(\.key) }, own: own, in: "loss \(kind.rawValue)"))
    }

    /// Writes the section.
    func write(_ w: inout YAMLWriter) {
        w.section("loss") { w in
            w.line("name", kind.rawValue)
            for spec in kind.specs { w.line(spec.key, options[spec.key]) }
        }
    }

    /// The trainer's objective for this loss (regression losses compare the output with the batch's targets
    /// reshaped to the output's shape).
    public func makeObjective() -> Objective {
        let name = kind.rawValue
        @Sendable func targets(_ output: Tensor, _ batch: Batch) -> Tensor {
            guard let t = batch.targets else { preconditionFailure("\(name) loss: the batch has no tensor targets") }
            return t.reshaped(output.shape)
        }
        switch kind {
        case .crossEntropy:
            let smoothing = options.float("label_smoothing") ?? CrossEntropyLoss.defaultLabelSmoothing
            return .crossEntropy(labelSmoothing: smoothing)
        case .mse: return .meanSquaredError
        case .tokenCrossEntropy: return .tokenCrossEntropy(ignoreIndex: Vocabulary.padIndex)
        case .l1: return .custom { l1Loss($0, targets($0, $1)) }
        case .smoothL1:
            let beta = options.float("beta") ?? SmoothL1Loss.defaultBeta
            return .custom { smoothL1Loss($0, targets($0, $1), beta: beta) }
        case .huber:
            let delta = options.float("delta") ?? HuberLoss.defaultDelta
            return .custom { huberLoss($0, targets($0, $1), delta: delta) }
        }
    }
}
