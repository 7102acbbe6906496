/// Matrix products through the backend's GEMM.
extension Tensor {
    /// `op(A) · op(B)` for 2-D tensors without autodiff, where `op` optionally transposes.
    @usableFromInline
    static func gemm(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(
            k == kb,
            "matmul: shapes \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : "") do not chain (\(k) ≠ \(kb))"
        )
        let out = Tensor(uninitializedShape: [m, n])
        Backend.sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
            a: a.storage.pointer, lda: a.shape[1], b: b.storage.pointer, ldb: b.shape[1],
            beta: 0, c: out.storage.pointer, ldc: n)
        return out
    }

    /// Batched `op(A[i]) · op(B[i])` for 3-D tensors of equal batch size, without autodiff.
    static func batchedGemm(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let batch = a.shape[0]
        let (ar, ac, br, bc) = (a.shape[1], a.shape[2], b.shape[1], b.shape[2])
        let m = transposeA ? ac : ar, k = transposeA ? ar : ac
        let kb = transposeB ? bc : br, n = transposeB ? br : bc
        precondition(k == kb, "matmul: batched shapes \(a.shape) and \(b.shape) do not chain (\(k) ≠ \(kb))")
        let out = Tensor(uninitializedShape: [batch, m, n])
        for i in 0..<batch {
            Backend.sgemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                a: a.storage.pointer + i * ar * ac, lda: ac, b: b.storage.pointer + i * br * bc, ldb: bc,
                beta: 0, c: out.storage.pointer + i * m * n, ldc: n)
        }
        return out
    }

    /// Matrix product with PyTorch's `matmul` rules: 1-D operands are promoted to matrices, and leading
    /// (batch) dimensions broadcast. ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G.
    public func matmul(_ other: Tensor) -> Tensor {
        let a = self, b = other
        precondition(
            a.rank >= 1 && b.rank >= 1,
            "matmul: both operands need at least one dimension, got \(a.shape) and \(b.shape)")
        if a.rank == 1 && b.rank == 1 {
            return (a * b).sum()
        }
        if a.rank == 1 { return a.unsqueezed(0).matmul(b).squeezed(-2) }
        if b.rank == 1 { return a.matmul(b.unsqueezed(1)).squeezed(-1) }
        if a.rank == 2 && b.rank == 2 {
            let r = Tensor.gemm(a, b)
            return Tensor.record("matmul", r, [a, b]) { g, needs in
                [
                    needs[0] ? Tensor.gemm(g, b, transposeB: true) : nil,
                    needs[1] ? Tensor.gemm(a, g, transposeA: true) : nil,
                ]
            }
        }
        // Batched: broadcast the batch dimensions, then run one GEMM per matrix.
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            preconditionFailure("matmul: batch dimensions of \(a.shape) and \(b.shape) cannot be broadcast")
        }
        let ea = a.expanded(to: batch + Array(a.shape.suffix(2))), eb = b.expanded(to: batch + Array(b.shape.suffix(2)))
        let nb = Shape.count(batch)
        let a3 = ea.reshaped([nb] + Array(a.shape.suffix(2))), b3 = eb.reshaped([nb] + Array(b.shape.suffix(2)))
        let r3 = Tensor.batchedGemm(a3.detach(), b3.detach())
        let r = Tensor.record("bmm", r3, [a3, b3]) { g, needs in
            [
                needs[0] ? Tensor.batchedGemm(g, b3.detach(), transposeB: true) : nil,
                needs[1] ? Tensor.batchedGemm(a3.detach(), g, transposeA: true) : nil,
            ]
        }
        return r.reshaped(batch + [a.shape[a.rank - 2], b.shape[b.rank - 1]])
    }

    /// Matrix product operator (PyTorch's `@`); see ``matmul(_:)``.
    public static func • (a: Tensor, b: Tensor) -> Tensor { a.matmul(b) }
}

infix operator • : MultiplicationPrecedence
