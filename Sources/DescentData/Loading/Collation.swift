import Descent

/// How a ``DataLoader`` joins samples into a ``Batch``.
public enum Collation: Sendable {
    /// Stack inputs (which must all have the same shape) into `[B, ...]`; a sample of a different shape is a
    /// thrown error naming its index.
    case stack
    /// Pad every input at the end of each axis, with `value`, to the largest size in the batch along that axis
    /// (inputs must have the same rank), then stack; ``Batch/inputShapes`` keeps the original shapes. For
    /// variable-length audio `[1, samples]`, this pads to the longest clip.
    case pad(value: Float)
    /// Join the samples with a function of your own; it receives the samples and their dataset indices.
    case custom(@Sendable (_ samples: [Sample], _ indices: [Int]) throws -> Batch)

    /// Zero padding.
    public static var pad: Collation { .pad(value: 0) }

    /// The batch of `samples` (taken from dataset indices `indices`).
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when inputs (for ``stack``) or tensor targets have different
    ///   shapes, inputs have different ranks (for ``pad(value:)``), or some targets are classes and others tensors.
    public func collate(_ samples: [Sample], indices: [Int]) throws -> Batch {
        precondition(
            samples.count == indices.count && !samples.isEmpty,
            "Collation: \(samples.count) samples for \(indices.count) indices")
        switch self {
        case .custom(let f):
            return try f(samples, indices)
        case .stack:
            let inputs = try Collation.stack(
                samples.map(\.input), indices: indices, what: "input",
                hint: "; pass collation: .pad to pad inputs to the longest, or use batch size 1")
            return Batch(inputs: inputs, labels: nil, targets: nil, indices: indices).with(
                targets: try Collation.targets(samples, indices))
        case .pad(let value):
            let shapes = samples.map(\.input.shape)
            let rank = shapes[0].count
            if let k = shapes.firstIndex(where: { $0.count != rank }) {
                throw DescentError(
                    .shape, "sample \(indices[k])",
                    "input has rank \(shapes[k].count) (shape \(shapes[k])) but sample \(indices[0]) has rank \(rank) (shape \(shapes[0])); padding needs inputs of the same rank"
                )
            }
            let maxShape = (0..<rank).map { a in shapes.map { $0[a] }.max()! }
            let n = maxShape.reduce(1, *)
            var values = [Float](repeating: value, count: n * samples.count)
            values.withUnsafeMutableBufferPointer { out in
                for (k, s) in samples.enumerated() {
                    Collation.copy(s.input, into: out.baseAddress! + k * n, shape: shapes[k], paddedShape: maxShape)
                }
            }
            var batch = Batch(
                inputs: Tensor(values, shape: [samples.count] + maxShape), labels: nil, targets: nil, indices: indices)
            batch.inputShapes = shapes
            return batch.with(targets: try Collation.targets(samples, indices))
        }
    }

    /// Copies `t` (of `shape`) into the leading corner of a row-major block of `paddedShape` at `dst`.
    static func copy(_ t: Tensor, into dst: UnsafeMutablePointer<Float>, shape: [Int], paddedShape: [Int]) {
        t.withUnsafeBufferPointer { src in
            guard !shape.isEmpty else {
                if src.count == 1 { dst[0] = src[0] }
                return
            }
            let row = shape.last!
            let rows = shape.dropLast().reduce(1, *)
            if row == 0 { return }
            let padStrides = Shape.strides(paddedShape)
            for r in 0..<rows {
                // Multi-index of row r in the source (all axes but the last), mapped to the padded layout.
                var rem = r, offset = 0
                for a in stride(from: shape.count - 2, through: 0, by: -1) {
                    offset += (rem % shape[a]) * padStrides[a]
                    rem /= shape[a]
                }
                (dst + offset).update(from: src.baseAddress! + r * row, count: row)
            }
        }
    }

    /// Stacks tensors of one shape into `[count, ...]`.
    static func stack(_ tensors: [Tensor], indices: [Int], what: String, hint: String = "") throws -> Tensor {
        let shape = tensors[0].shape
        if let k = tensors.firstIndex(where: { $0.shape != shape }) {
            throw DescentError(
                .shape, "sample \(indices[k])",
                "\(what) has shape \(tensors[k].shape) but sample \(indices[0]) in the same batch has \(shape)\(hint)")
        }
        let n = shape.reduce(1, *)
        // Written straight into the batch's own storage (no intermediate array to copy from).
        var batch = Tensor.zeros([tensors.count] + shape)
        batch.withUnsafeMutableBufferPointer { out in
            for (k, t) in tensors.enumerated() {
                t.withUnsafeBufferPointer { src in
                    if n > 0 { (out.baseAddress! + k * n).update(from: src.baseAddress!, count: n) }
                }
            }
        }
        return batch
    }

    /// The batch's labels (all class targets) or stacked targets (all tensor targets).
    static func targets(_ samples: [Sample], _ indices: [Int]) throws -> ([Int]?, Tensor?) {
        func kind(_ t: Target) -> String { t.classIndex == nil ? "a tensor target" : "a class target" }
        let firstKind = kind(samples[0].target)
        if let k = samples.firstIndex(where: { kind($0.target) != firstKind }) {
            throw DescentError(
                .shape, "sample \(indices[k])",
                "has \(kind(samples[k].target)) but sample \(indices[0]) in the same batch has \(firstKind)")
        }
        if samples[0].target.classIndex != nil { return (samples.map { $0.target.classIndex! }, nil) }
        let tensors = samples.map { s -> Tensor in
            if case .tensor(let t) = s.target { return t }
            preconditionFailure("unreachable: targets checked to be tensors")
        }
        return (nil, try stack(tensors, indices: indices, what: "target"))
    }
}
