import Foundation

extension Tensor {
    /// Rows of `weight` `[N, D]` looked up by index (PyTorch's `F.embedding`): the result has shape `shape + [D]`
    /// with `out[p, :] = weight[indices[p], :]` for each position `p` of `indices` (row-major order of `shape`).
    ///
    /// Backward scatters the gradient back, `∂W[k, :] = Σ_{p : indices[p] = k} g[p, :]`, except for the row
    /// `paddingIndex`, which receives none.
    public static func embedding(_ indices: [Int], shape: [Int], weight: Tensor, paddingIndex: Int? = nil) -> Tensor {
        precondition(weight.rank == 2, "embedding: weight must be [N, D], got \(weight.shape)")
        precondition(
            Shape.count(shape) == indices.count, "embedding: \(indices.count) indices do not fill shape \(shape)")
        let rowsN = weight.shape[0], dim = weight.shape[1]
        for i in indices {
            precondition(i >= 0 && i < rowsN, "embedding: index \(i) is out of range for \(rowsN) embeddings")
        }
        let out = Tensor(uninitializedShape: shape + [dim])
        let src = weight.storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(indices.count, cost: dim) { range in
            for p in range { (dst + p * dim).update(from: src + indices[p] * dim, count: dim) }
        }
        return record("embedding", out, weight) { g in
            let gw = Tensor.zeros([rowsN, dim])
            let pg = g.storage.pointer, pw = gw.storage.pointer
            // Split by columns: every element still sums its positions in order, whatever the thread count.
            Parallel.forEachChunk(dim, cost: indices.count) { cols in
                for (p, k) in indices.enumerated() where k != paddingIndex {
                    let row = pw + k * dim + cols.lowerBound, gr = pg + p * dim + cols.lowerBound
                    for j in 0..<cols.count { row[j] += gr[j] }
                }
            }
            return gw
        }
    }
}

/// A lookup table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's `nn.Embedding`): maps integer
/// indices `[*]` to `[*, embeddingDim]`, `out[p] = weight[index[p]]`.
///
/// `weight` `[numEmbeddings, embeddingDim]` is initialised `N(0, 1)`. With `paddingIndex`, that row starts at zero
/// and receives no gradient (a negative value counts from the end, as in PyTorch). With `maxNorm`, every row
/// looked up is first rescaled in place, under no gradient, to `w · maxNorm / (‖w‖₂ + 1e-7)` when its Euclidean
/// norm exceeds `maxNorm` (PyTorch's `embedding_renorm_`).
///
/// Indices arrive in a ``Tensor`` of whole numbers (``callAsFunction(_:)``, so that the layer can open a
/// ``Sequential``) or as `[Int]` with a shape (``forward(indices:shape:)``).
public final class Embedding: Module {
    /// Number of rows of the table.
    public let numEmbeddings: Int
    /// Size of each row.
    public let embeddingDim: Int
    /// The row that stays zero and gets no gradient (non-negative), if any.
    public let paddingIndex: Int?
    /// The largest Euclidean norm a looked-up row may have, if any.
    public let maxNorm: Float?
    /// The table, `[numEmbeddings, embeddingDim]`.
    @Parameter public var weight: Tensor

    /// A table with `N(0, 1)` rows drawn from `generator` (the padding row zeroed).
    public init(
        _ numEmbeddings: Int, _ embeddingDim: Int, paddingIndex: Int? = nil, maxNorm: Float? = nil,
        generator: RandomGenerator = .default
    ) {
        precondition(numEmbeddings >= 1 && embeddingDim >= 1, "Embedding: sizes must be positive")
        if let paddingIndex {
            precondition(
                paddingIndex >= -numEmbeddings && paddingIndex < numEmbeddings,
                "Embedding: padding index \(paddingIndex) must lie in -\(numEmbeddings)..<\(numEmbeddings)")
        }
        if let maxNorm { precondition(maxNorm > 0, "Embedding: maxNorm must be positive, got \(maxNorm)") }
        self.numEmbeddings = numEmbeddings
        self.embeddingDim = embeddingDim
        self.paddingIndex = paddingIndex.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        self.maxNorm = maxNorm
        var w = generator.normal([numEmbeddings, embeddingDim])
        if let p = self.paddingIndex {
            w.withUnsafeMutableBufferPointer {
                ($0.baseAddress! + p * embeddingDim).update(repeating: 0, count: embeddingDim)
            }
        }
        weight = w
        super.init()
    }

    /// The embeddings of the indices held (as whole numbers) by `x`, shape `x.shape + [embeddingDim]`.
    public override func callAsFunction(_ x: Tensor) -> Tensor { forward(indices: indices(of: x), shape: x.shape) }

    /// The embeddings of `indices` (each in `0..<numEmbeddings`, row-major in `shape`), shape `shape + [embeddingDim]`.
    public func forward(indices: [Int], shape: [Int]) -> Tensor {
        prepare(indices)
        return Tensor.embedding(indices, shape: shape, weight: weight, paddingIndex: paddingIndex)
    }

    /// The indices held by `x`, checked to be whole numbers in `0..<numEmbeddings`.
    func indices(of x: Tensor) -> [Int] {
        x.scalars.map { v -> Int in
            precondition(
                v == v.rounded() && v >= 0 && v < Float(numEmbeddings),
                "Embedding: \(v) is not an index in 0..<\(numEmbeddings)")
            return Int(v)
        }
    }

    /// What a lookup of `indices` does to the table first: the `maxNorm` renormalisation of those rows, if set.
    func prepare(_ indices: [Int]) {
        if let maxNorm { renormalize(rows: indices, maxNorm: maxNorm) }
    }

    /// Rescales, in place, each of `rows` whose Euclidean norm exceeds `maxNorm` to norm `maxNorm` (PyTorch's
    /// `w · maxNorm / (‖w‖ + 1e-7)`).
    func renormalize(rows: [Int], maxNorm: Float) {
        let dim = embeddingDim
        weight.withSharedStorage { buffer in
            for k in Set(rows) {
                precondition(k >= 0 && k < numEmbeddings, "Embedding: index \(k) is out of range for \(numEmbeddings)")
                let row = buffer.baseAddress! + k * dim
                var sum: Double = 0
                for j in 0..<dim { sum += Double(row[j]) * Double(row[j]) }
                let norm = Float(sum.squareRoot())
                if norm > maxNorm {
                    let scale = maxNorm / (norm + 1e-7)
                    for j in 0..<dim { row[j] *= scale }
                }
            }
        }
    }

    /// `input.shape + [embeddingDim]` (any input shape holds indices).
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape + [embeddingDim] }

    /// `numEmbeddings, embeddingDim`, then `padding_idx=…`, `max_norm=…` when set (PyTorch's form).
    public override var extraDescription: String {
        var s = "\(numEmbeddings), \(embeddingDim)"
        if let paddingIndex { s += ", padding_idx=\(paddingIndex)" }
        if let maxNorm { s += ", max_norm=\(maxNorm)" }
        return s
    }
}
