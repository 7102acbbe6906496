/// The results of evaluating a model on a data set.
public struct Evaluation: Sendable {
    /// Mean loss per sample.
    public var loss: Double
    /// Classification metrics, when the data has class labels.
    public var classification: ClassificationMetrics?
    /// Regression metrics, when the data has tensor targets.
    public var regression: RegressionMetrics?
    /// Token-level metrics, for a sequence model under ``Objective/tokenCrossEntropy(ignoreIndex:)``.
    public var sequence: SequenceMetrics?
    /// Samples evaluated (0 when not counted).
    public var samples = 0
    /// The value of each extra ``Metric`` whose value is a number, by its name (`exact_match` for a ``Seq2Seq``).
    public var metrics: [String: Double] = [:]
    /// Accuracy, for classification; token accuracy, for a sequence model.
    public var accuracy: Double? { classification?.accuracy ?? sequence?.accuracy }
    /// Perplexity `exp(loss per token)`, for a sequence model.
    public var perplexity: Double? { sequence?.perplexity }

    /// An evaluation result.
    public init(
        loss: Double, classification: ClassificationMetrics? = nil, regression: RegressionMetrics? = nil,
        sequence: SequenceMetrics? = nil, samples: Int = 0
    ) {
        self.sequence = sequence
        self.loss = loss
        self.samples = samples
        self.classification = classification
        self.regression = regression
    }
}
