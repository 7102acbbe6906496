/// Factory functions, named as in PyTorch.
extension Tensor {
    /// A tensor of the given shape filled with zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    /// A tensor of the given shape filled with ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }
    /// A tensor of the given shape filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "full: negative dimension in \(shape)")
        return Tensor(shape: shape, storage: TensorStorage(count: Shape.count(shape), repeating: value))
    }
    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }
    /// Ones with the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape) }

    /// `[start, start + step, …]` up to but excluding `end` (PyTorch's `arange`).
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step must be non-zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        var v = [Float](repeating: 0, count: n)
        for i in 0..<n { v[i] = start + Float(i) * step }
        return Tensor(v)
    }

    /// `[0, 1, …, end − 1]` (PyTorch's `arange(end)`; the defaulted `start` above cannot be omitted before an
    /// unlabeled `end`, so this is the one-argument form).
    public static func arange(_ end: Float) -> Tensor { arange(0, end) }

    /// `count` evenly spaced values from `start` to `end` inclusive (PyTorch's `linspace`).
    public static func linspace(_ start: Float, _ end: Float, count: Int) -> Tensor {
        precondition(count >= 0, "linspace: count must be non-negative")
        if count == 1 { return Tensor([start]) }
        let step = (end - start) / Float(count - 1)
        let half = count / 2
        // Like PyTorch: the first half counts up from start, the second half down from end.
        return Tensor((0..<count).map { i in i < half ? start + step * Float(i) : end - step * Float(count - 1 - i) })
    }

    /// The `n×m` identity-like matrix (ones on the main diagonal).
    public static func eye(_ n: Int, _ m: Int? = nil) -> Tensor {
        let m = m ?? n
        var t = zeros([n, m])
        t.withUnsafeMutableBufferPointer { p in for i in 0..<Swift.min(n, m) { p[i * m + i] = 1 } }
        return t
    }

    /// One-hot rows: shape `[indices.count, classes]` with a 1 at each index (PyTorch's `one_hot`).
    public static func oneHot(_ indices: [Int], classes: Int) -> Tensor {
        var t = zeros([indices.count, classes])
        t.withUnsafeMutableBufferPointer { p in
            for (r, c) in indices.enumerated() {
                precondition(c >= 0 && c < classes, "oneHot: class index \(c) is outside 0..<\(classes)")
                p[r * classes + c] = 1
            }
        }
        return t
    }
}
