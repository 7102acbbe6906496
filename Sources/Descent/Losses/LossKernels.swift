/// Shared machinery of the losses: a deterministic parallel sum and the elementwise loss kernel.
enum LossKernels {
    /// Elements per partial sum in ``sum(_:_:)``; fixed, so that a loss does not depend on the thread count.
    static let block = 8192

    /// `Σᵢ term(i)` over `0..<count`, accumulated in Double over fixed blocks (in parallel) whose partial sums
    /// are then added in order: the same result for any number of threads.
    @inline(__always)
    static func sum(_ count: Int, _ term: (Int) -> Double) -> Double {
        if count <= block {
            var s = 0.0
            for i in 0..<count { s += term(i) }
            return s
        }
        let blocks = (count + block - 1) / block
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: blocks)
        defer { partial.deallocate() }
        Parallel.forEachChunk(blocks, cost: block) { range in
            for b in range {
                var s = 0.0
                for i in (b * block)..<Swift.min(count, (b + 1) * block) { s += term(i) }
                partial[b] = s
            }
        }
        var total = 0.0
        for b in 0..<blocks { total += partial[b] }
        return total
    }

    /// The scale of a reduced elementwise loss: `1/n` for `.mean`, `1` for `.sum`, `nil` (keep the elements)
    /// for `.none`.
    static func scale(_ reduction: Reduction, count: Int) -> Double? {
        switch reduction {
        case .mean: return 1 / Double(count)
        case .sum: return 1
        case .none: return nil
        }
    }

    /// A constant per-element operand (a weight) materialised to `shape`, checked to broadcast.
    static func expandedConstant(_ t: Tensor, to shape: [Int], _ op: String, _ what: String) -> Tensor {
        precondition(
            Shape.broadcast(t.shape, shape) == shape,
            "\(op): \(what) of shape \(t.shape) does not broadcast to the input shape \(shape)")
        return t.detach().expanded(to: shape)
    }

    /// An elementwise loss `w · ℓ(x, y, a)` of `input` x and `target` y of the same shape, with an optional
    /// constant per-element operand a (`aux`, 0 when absent) and constant factor w (`weight`, 1 when absent),
    /// both already of the input's shape. `scale` `nil` returns the elements, otherwise `scale · Σ w·ℓ` as a
    /// scalar. `dInput` and `dTarget` are `∂ℓ/∂x` and `∂ℓ/∂y`; the backward multiplies them by w and the
    /// upstream gradient.
    @inline(__always)
    static func pointwise(
        _ op: String, _ input: Tensor, _ target: Tensor, aux: Tensor? = nil, weight: Tensor? = nil,
        scale: Double?,
        loss: @escaping (Float, Float, Float) -> Float,
        dInput: @escaping (Float, Float, Float) -> Float,
        dTarget: @escaping (Float, Float, Float) -> Float
    ) -> Tensor {
        precondition(
            input.shape == target.shape,
            "\(op): input shape \(input.shape) and target shape \(target.shape) differ")
        let x = input.detach(), y = target.detach()
        let n = x.count
        let result: Tensor
        do {
            let px = x.storage.pointer, py = y.storage.pointer
            let pa = aux?.storage.pointer, pw = weight?.storage.pointer
            if let scale {
                let total = sum(n) { i in Double((pw?[i] ?? 1) * loss(px[i], py[i], pa?[i] ?? 0)) }
                result = Tensor(Float(total * scale))
            } else {
                let out = Tensor(uninitializedShape: x.shape)
                let po = out.storage.pointer
                Parallel.forEachChunk(n) { r in
                    for i in r { po[i] = (pw?[i] ?? 1) * loss(px[i], py[i], pa?[i] ?? 0) }
                }
                result = out
            }
        }
        return Tensor.record(op, result, [input, target]) { g, needs in
            let px = x.storage.pointer, py = y.storage.pointer
            let pa = aux?.storage.pointer, pw = weight?.storage.pointer
            let pg = g.storage.pointer
            let factor: Float? = scale.map { Float(Double(pg[0]) * $0) }
            func gradient(_ d: (Float, Float, Float) -> Float) -> Tensor {
                let out = Tensor(uninitializedShape: x.shape)
                let po = out.storage.pointer
                Parallel.forEachChunk(n) { r in
                    if let factor {
                        for i in r { po[i] = factor * (pw?[i] ?? 1) * d(px[i], py[i], pa?[i] ?? 0) }
                    } else {
                        for i in r { po[i] = pg[i] * (pw?[i] ?? 1) * d(px[i], py[i], pa?[i] ?? 0) }
                    }
                }
                return out
            }
            return [needs[0] ? gradient(dInput) : nil, needs[1] ? gradient(dTarget) : nil]
        }
    }
}
