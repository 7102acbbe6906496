import Descent

/// Turns a class-index target into a one-hot tensor target of length `classes` (tensor targets pass through
/// unchanged), optionally with label smoothing. Deterministic: the generator is not used.
public struct OneHot: Transform {
    /// Number of classes (the length of the target vector).
    public let classes: Int
    /// Label smoothing ε: the target is `(1 - ε)` on the class and `ε / classes` added everywhere.
    public let smoothing: Float

    /// One-hot targets of length `classes`, smoothed by `smoothing` (0 = exact one-hot).
    public init(classes: Int, smoothing: Float = 0) {
        precondition(classes > 0, "OneHot: classes must be positive")
        precondition(smoothing >= 0 && smoothing < 1, "OneHot: smoothing \(smoothing) is not in [0, 1)")
        self.classes = classes
        self.smoothing = smoothing
    }

    /// The sample with a one-hot target.
    ///
    /// - Throws: ``DescentError`` of kind `.argument` when the class is outside `0..<classes`.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        guard case .classIndex(let c) = sample.target else { return sample }
        guard c >= 0 && c < classes else {
            throw DescentError(.argument, "OneHot", "class \(c) is outside 0..<\(classes)")
        }
        let off = smoothing / Float(classes)
        var v = [Float](repeating: off, count: classes)
        v[c] = 1 - smoothing + off
        return Sample(input: sample.input, target: .tensor(Tensor(v, shape: [classes])))
    }
}
