import Descent

/// A dataset over tensors already in memory: sample `i` is row `i` of `inputs` (`[N, ...]`) with class label
/// `labels[i]`, or target row `i` of `targets` (`[N, ...]`) — PyTorch's `TensorDataset`.
public struct TensorDataset: Dataset {
    /// All inputs, `[N, ...]`.
    public let inputs: Tensor
    /// Class index of each sample, when the targets are classes.
    public let labels: [Int]?
    /// All targets, `[N, ...]`, when the targets are tensors.
    public let targets: Tensor?

    /// A dataset of `inputs` (`[N, ...]`) with one class index per sample.
    public init(inputs: Tensor, labels: [Int]) {
        precondition(inputs.rank >= 1, "TensorDataset: inputs need a sample axis, got shape \(inputs.shape)")
        precondition(
            labels.count == inputs.shape[0], "TensorDataset: \(labels.count) labels for \(inputs.shape[0]) inputs")
        self.inputs = inputs
        self.labels = labels
        self.targets = nil
    }

    /// A dataset of `inputs` (`[N, ...]`) with one target row per sample (`targets` is `[N, ...]`).
    public init(inputs: Tensor, targets: Tensor) {
        precondition(inputs.rank >= 1 && targets.rank >= 1, "TensorDataset: inputs and targets need a sample axis")
        precondition(
            targets.shape[0] == inputs.shape[0],
            "TensorDataset: \(targets.shape[0]) targets for \(inputs.shape[0]) inputs")
        self.inputs = inputs
        self.labels = nil
        self.targets = targets
    }

    /// A CSV table as a dataset: inputs are the feature rows (`[features]`), targets the class labels (or, with no
    /// label column, the features themselves as tensor targets).
    public init(_ table: CSVTable) {
        if let labels = table.labels {
            self.init(inputs: table.features, labels: labels)
        } else {
            self.init(inputs: table.features, targets: table.features)
        }
    }

    /// Number of samples (the first dimension of `inputs`).
    public var count: Int { inputs.shape[0] }

    /// Row `index` of the inputs with its label or target row.
    public func sample(at index: Int) -> Sample {
        precondition(index >= 0 && index < count, "TensorDataset: index \(index) out of range 0..<\(count)")
        let target: Target = labels.map { .classIndex($0[index]) } ?? .tensor(TensorDataset.row(targets!, index))
        return Sample(input: TensorDataset.row(inputs, index), target: target)
    }

    /// The label of sample `index`, without copying its input.
    public func label(at index: Int) -> Int? { labels?[index] }

    /// This dataset with its class labels replaced by one-hot target rows of length `classes`.
    ///
    /// - Throws: ``DescentError`` of kind `.argument` when the dataset has no labels or a label is outside
    ///   `0..<classes`.
    public func oneHotTargets(classes: Int) throws -> TensorDataset {
        guard let labels else {
            throw DescentError(.argument, "oneHotTargets", "the dataset has tensor targets, not class labels")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw DescentError(
                .argument, "oneHotTargets", "sample \(bad) has label \(labels[bad]), outside 0..<\(classes)")
        }
        return TensorDataset(inputs: inputs, targets: Tensor.oneHot(labels, classes: classes))
    }

    /// Row `i` of `t` (a copy of its elements, without gradient history).
    static func row(_ t: Tensor, _ i: Int) -> Tensor {
        let shape = Array(t.shape.dropFirst())
        let n = shape.reduce(1, *)
        var row = Tensor.zeros(shape)
        t.withUnsafeBufferPointer { p in
            row.withUnsafeMutableBufferPointer { out in
                if n > 0 { out.baseAddress!.update(from: p.baseAddress! + i * n, count: n) }
            }
        }
        return row
    }
}
