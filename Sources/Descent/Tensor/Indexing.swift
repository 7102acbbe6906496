/// Slicing, index selection and joining of tensors.
extension Tensor {
    /// Elements `range` along `axis` (PyTorch's `narrow` / `x[:, a:b]`); a copy. The gradient is scattered back.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "slice")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[a],
            "slice: range \(range) out of bounds for dimension \(a) of size \(shape[a])")
        if range == 0..<shape[a] { return self }
        let (outer, n, inner) = reductionGeometry(a)
        var outShape = shape
        outShape[a] = range.count
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer, dst = out.storage.pointer
        let len = range.count * inner, start = range.lowerBound * inner
        for o in 0..<outer { (dst + o * len).update(from: src + o * n * inner + start, count: len) }
        let inShape = shape
        return Tensor.record("slice", out, self) { g in
            let full = Tensor.zeros(inShape)
            let gp = g.storage.pointer, fp = full.storage.pointer
            for o in 0..<outer { (fp + o * n * inner + start).update(from: gp + o * len, count: len) }
            return full
        }
    }

    /// The sub-tensor at `index` along the first axis, with that axis removed (PyTorch's `x[i]`).
    public subscript(_ index: Int) -> Tensor {
        precondition(rank >= 1, "subscript: cannot index a scalar")
        let i = index < 0 ? index + shape[0] : index
        precondition(
            i >= 0 && i < shape[0], "subscript: index \(index) out of range for dimension 0 of size \(shape[0])")
        return slice(axis: 0, i..<(i + 1)).squeezed(0)
    }

    /// Elements `range` along the first axis (PyTorch's `x[a:b]`).
    public subscript(_ range: Range<Int>) -> Tensor { slice(axis: 0, range) }

    /// Selects entries `indices` along `axis`, in that order (PyTorch's `index_select`); repeated indices are
    /// allowed and their gradients add up.
    public func indexSelect(axis: Int, _ indices: [Int]) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "indexSelect")
        let (outer, n, inner) = reductionGeometry(a)
        for i in indices {
            precondition(i >= 0 && i < n, "indexSelect: index \(i) out of range for dimension \(a) of size \(n)")
        }
        var outShape = shape
        outShape[a] = indices.count
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer, dst = out.storage.pointer
        let k = indices.count
        Parallel.forEachChunk(outer * k, cost: inner) { range in
            for r in range {
                let o = r / k, j = r % k
                (dst + r * inner).update(from: src + (o * n + indices[j]) * inner, count: inner)
            }
        }
        let inShape = shape
        return Tensor.record("index_select", out, self) { g in
            let full = Tensor.zeros(inShape)
            let gp = g.storage.pointer, fp = full.storage.pointer
            for o in 0..<outer {
                for j in 0..<k {
                    let d = fp + (o * n + indices[j]) * inner, s = gp + (o * k + j) * inner
                    for e in 0..<inner { d[e] += s[e] }
                }
            }
            return full
        }
    }

    /// PyTorch's `gather`: `out[i][j][k] = self[i][index[i][j][k]][k]` for `axis` = 1, and likewise for any
    /// axis. `index` holds integer positions in row-major order for a tensor of shape `indexShape`, which
    /// must match `self` in every dimension but `axis`.
    public func gather(axis: Int, index: [Int], indexShape: [Int]) -> Tensor {
        let a = Shape.axis(axis, rank: rank, op: "gather")
        precondition(
            indexShape.count == rank && Shape.count(indexShape) == index.count,
            "gather: index shape \(indexShape) does not fit \(index.count) indices for a tensor of rank \(rank)")
        for d in 0..<rank where d != a {
            precondition(
                indexShape[d] == shape[d],
                "gather: index shape \(indexShape) differs from \(shape) outside dimension \(a)")
        }
        let (outer, n, inner) = reductionGeometry(a)
        let k = indexShape[a]
        let out = Tensor(uninitializedShape: indexShape)
        let src = storage.pointer, dst = out.storage.pointer
        for o in 0..<outer {
            for j in 0..<k {
                for e in 0..<inner {
                    let f = (o * k + j) * inner + e
                    let i = index[f]
                    precondition(i >= 0 && i < n, "gather: index \(i) out of range for dimension \(a) of size \(n)")
                    dst[f] = src[(o * n + i) * inner + e]
                }
            }
        }
        let inShape = shape
        return Tensor.record("gather", out, self) { g in
            let full = Tensor.zeros(inShape)
            let gp = g.storage.pointer, fp = full.storage.pointer
            for o in 0..<outer {
                for j in 0..<k {
                    for e in 0..<inner {
                        let f = (o * k + j) * inner + e
                        fp[(o * n + index[f]) * inner + e] += gp[f]
                    }
                }
            }
            return full
        }
    }

    /// Joins tensors along an existing axis (PyTorch's `cat`); all other dimensions must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: needs at least one tensor")
        let first = tensors[0]
        let a = Shape.axis(axis, rank: first.rank, op: "concatenate")
        for t in tensors {
            precondition(
                t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == a || t.shape[$0] == first.shape[$0] },
                "concatenate: shape \(t.shape) does not match \(first.shape) outside dimension \(a)")
        }
        var outShape = first.shape
        outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let out = Tensor(uninitializedShape: outShape)
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        let total = outShape[a] * inner
        var offset = 0
        var sizes: [Int] = []
        for t in tensors {
            let len = t.shape[a] * inner
            let src = t.storage.pointer, dst = out.storage.pointer
            for o in 0..<outer { (dst + o * total + offset).update(from: src + o * len, count: len) }
            offset += len
            sizes.append(t.shape[a])
        }
        return record("cat", out, tensors) { g, needs in
            var start = 0
            var grads: [Tensor?] = []
            for (i, s) in sizes.enumerated() {
                grads.append(needs[i] ? g.slice(axis: a, start..<(start + s)) : nil)
                start += s
            }
            return grads
        }
    }

    /// Joins tensors of equal shape along a new axis (PyTorch's `stack`).
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: needs at least one tensor")
        let a = Shape.axis(axis, rank: tensors[0].rank + 1, op: "stack")
        for t in tensors {
            precondition(t.shape == tensors[0].shape, "stack: shape \(t.shape) differs from \(tensors[0].shape)")
        }
        return concatenate(tensors.map { $0.unsqueezed(a) }, axis: a)
    }

    /// Splits along `axis` into pieces of the given sizes (PyTorch's `split` with a list).
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let a = Shape.axis(axis, rank: rank, op: "split")
        precondition(
            sizes.reduce(0, +) == shape[a], "split: sizes \(sizes) do not add up to \(shape[a]) along dimension \(a)")
        var start = 0
        return sizes.map { s in
            defer { start += s }
            return slice(axis: a, start..<(start + s))
        }
    }

    /// Splits along `axis` into `count` pieces of (nearly) equal size (PyTorch's `chunk`).
    public func chunked(_ count: Int, axis: Int = 0) -> [Tensor] {
        let a = Shape.axis(axis, rank: rank, op: "chunk")
        let size = (shape[a] + count - 1) / count
        var sizes: [Int] = []
        var left = shape[a]
        while left > 0 { sizes.append(Swift.min(size, left)); left -= size }
        return split(sizes: sizes, axis: a)
    }
}
