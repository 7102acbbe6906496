extension Tensor {
    /// Rectified linear unit `max(x, 0)`; derivative 1 for x > 0, else 0.
    public func relu() -> Tensor {
        let r = Tensor(uninitializedShape: shape)
        let p = storage.pointer, q = r.storage.pointer
        Parallel.forEachChunk(count) { range in
            Kernels.relu(p + range.lowerBound, q + range.lowerBound, range.count)
        }
        return Tensor.record("relu", r, self) { g in Tensor.reluBackward(g, output: r) }
    }

    /// `max(a + b, 0)` for tensors of the same shape, in one pass (a residual connection followed by ReLU); other
    /// shapes broadcast through `(a + b).relu()`. Backward: `∂a = ∂b = g ⊙ [y > 0]`.
    static func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor {
        guard a.shape == b.shape else { return (a + b).relu() }
        let r = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, q = r.storage.pointer
        Parallel.forEachChunk(r.count) { range in
            Kernels.addReLU(pa + range.lowerBound, pb + range.lowerBound, q + range.lowerBound, range.count)
        }
        return record("add_relu", r, [a, b]) { g, needs in
            let masked = reluBackward(g, output: r)
            return [needs[0] ? masked : nil, needs[1] ? masked : nil]
        }
    }

    /// `g ⊙ [y > 0]`: the gradient of ReLU (and of the fused ReLU epilogues) from its output `y`.
    static func reluBackward(_ g: Tensor, output y: Tensor) -> Tensor {
        precondition(g.shape == y.shape, "relu backward: gradient \(g.shape) for output \(y.shape)")
        let out = Tensor(uninitializedShape: g.shape)
        let pg = g.storage.pointer, py = y.storage.pointer, q = out.storage.pointer
        Parallel.forEachChunk(out.count) { range in
            Kernels.reluBackward(pg + range.lowerBound, py + range.lowerBound, q + range.lowerBound, range.count)
        }
        return out
    }
}

/// ReLU, `max(x, 0)` (PyTorch's `nn.ReLU`).
public final class ReLU: Module {
    /// The layer (no parameters).
    public override init() { super.init() }
    /// `max(x, 0)` elementwise.
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
    /// The input shape.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}
