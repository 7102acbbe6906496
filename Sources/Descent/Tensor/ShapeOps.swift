/// Reshaping, transposition and broadcasting of whole tensors.
extension Tensor {
    /// The same elements with a new shape (one dimension may be −1 and is inferred); shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var shape = newShape
        if let i = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(self.shape) into \(newShape)")
            shape[i] = count / known
        }
        precondition(
            Shape.count(shape) == count && shape.allSatisfy { $0 >= 0 },
            "reshape: cannot reshape \(self.shape) (\(count) elements) into \(newShape)")
        if shape == self.shape { return self }
        let old = self.shape
        let r = Tensor(shape: shape, storage: storage)
        return Tensor.record("reshape", r, self) { g in g.reshaped(old) }
    }

    /// PyTorch's `view`: the same as ``reshaped(_:)`` (tensors are always contiguous).
    public func view(_ newShape: [Int]) -> Tensor { reshaped(newShape) }

    /// Merges dimensions `startDim...endDim` into one (PyTorch's `flatten`).
    public func flattened(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = Shape.axis(startDim, rank: rank, op: "flatten"), e = Shape.axis(endDim, rank: rank, op: "flatten")
        precondition(s <= e, "flatten: startDim \(startDim) is after endDim \(endDim)")
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Inserts a dimension of size 1 at `dim`.
    public func unsqueezed(_ dim: Int) -> Tensor {
        let d = Shape.axis(dim, rank: rank + 1, op: "unsqueeze")
        var s = shape
        s.insert(1, at: d)
        return reshaped(s)
    }

    /// Removes dimension `dim` if it has size 1, or every size-1 dimension when `dim` is nil.
    public func squeezed(_ dim: Int? = nil) -> Tensor {
        if let dim {
            let d = Shape.axis(dim, rank: rank, op: "squeeze")
            if shape[d] != 1 { return self }
            var s = shape
            s.remove(at: d)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    /// Reorders the dimensions: result dimension `i` is input dimension `dims[i]` (a copy).
    public func permuted(_ dims: [Int]) -> Tensor {
        precondition(
            dims.count == rank && Set(dims.map { Shape.axis($0, rank: rank, op: "permute") }).count == rank,
            "permute: \(dims) is not a permutation of the \(rank) dimensions of \(shape)")
        let dims = dims.map { Shape.axis($0, rank: rank, op: "permute") }
        if dims == Array(0..<rank) { return self }
        let outShape = dims.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer, dst = out.storage.pointer
        if rank == 2 || (Array(dims.prefix(rank - 2)) == Array(0..<(rank - 2))) {
            // Batched 2-D transpose: blocked for cache friendliness.
            let rows = shape[rank - 2], cols = shape[rank - 1]
            let batch = count / Swift.max(rows * cols, 1)
            Parallel.forEachChunk(batch * rows, cost: cols) { range in
                for idx in range {
                    let b = idx / rows, i = idx % rows
                    let s = src + b * rows * cols + i * cols
                    let d = dst + b * rows * cols + i
                    for j in 0..<cols { d[j * rows] = s[j] }
                }
            }
        } else {
            let srcStrides = dims.map { inStrides[$0] }
            let inner = outShape[rank - 1], innerStride = srcStrides[rank - 1]
            let outer = count / Swift.max(inner, 1)
            Parallel.forEachChunk(outer, cost: inner) { range in
                for row in range {
                    var rem = row, off = 0
                    var i = rank - 2
                    while i >= 0 {
                        let q = rem / outShape[i]
                        off += (rem - q * outShape[i]) * srcStrides[i]
                        rem = q
                        i -= 1
                    }
                    let d = dst + row * inner
                    for j in 0..<inner { d[j] = src[off + j * innerStride] }
                }
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in dims.enumerated() { inverse[d] = i }
        return Tensor.record("permute", out, self) { g in g.permuted(inverse) }
    }

    /// Swaps two dimensions (a copy).
    public func transposed(_ dim0: Int, _ dim1: Int) -> Tensor {
        var dims = Array(0..<rank)
        dims.swapAt(Shape.axis(dim0, rank: rank, op: "transpose"), Shape.axis(dim1, rank: rank, op: "transpose"))
        return permuted(dims)
    }

    /// The matrix transpose of a 2-D tensor (PyTorch's `.T` for matrices).
    public var T: Tensor {
        precondition(rank == 2, "T: expects a 2-D tensor, got shape \(shape)")
        return transposed(0, 1)
    }

    /// Materialises this tensor broadcast to `shape` (PyTorch's `expand`, as a copy); gradient sums back.
    public func expanded(to target: [Int]) -> Tensor {
        precondition(Shape.broadcast(shape, target) == target, "expand: shape \(shape) cannot be expanded to \(target)")
        if shape == target { return self }
        let src = shape
        let r = Tensor.broadcastKernel("expand", Tensor.zeros(target), detach()) { $1 }
        return Tensor.record("expand", r, self) { g in g.sum(toShape: src) }
    }
}
