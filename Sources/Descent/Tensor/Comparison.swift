/// Comparisons give masks of 0 and 1 (float32, since tensors are float32); `where` selects by a mask.
infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence
infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence

extension Tensor {
    /// Mask of `a == b` (broadcasting); not differentiable.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { broadcastKernel("eq", a, b) { $0 == $1 ? 1 : 0 } }
    /// Mask of `a != b` (broadcasting); not differentiable.
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { broadcastKernel("ne", a, b) { $0 != $1 ? 1 : 0 } }
    /// Mask of `a < b` (broadcasting); not differentiable.
    public static func .< (a: Tensor, b: Tensor) -> Tensor { broadcastKernel("lt", a, b) { $0 < $1 ? 1 : 0 } }
    /// Mask of `a <= b` (broadcasting); not differentiable.
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { broadcastKernel("le", a, b) { $0 <= $1 ? 1 : 0 } }
    /// Mask of `a > b` (broadcasting); not differentiable.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { broadcastKernel("gt", a, b) { $0 > $1 ? 1 : 0 } }
    /// Mask of `a >= b` (broadcasting); not differentiable.
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { broadcastKernel("ge", a, b) { $0 >= $1 ? 1 : 0 } }
    /// Mask of `a == s`.
    public static func .== (a: Tensor, s: Float) -> Tensor { a.map { $0 == s ? 1 : 0 } }
    /// Mask of `a < s`.
    public static func .< (a: Tensor, s: Float) -> Tensor { a.map { $0 < s ? 1 : 0 } }
    /// Mask of `a <= s`.
    public static func .<= (a: Tensor, s: Float) -> Tensor { a.map { $0 <= s ? 1 : 0 } }
    /// Mask of `a > s`.
    public static func .> (a: Tensor, s: Float) -> Tensor { a.map { $0 > s ? 1 : 0 } }
    /// Mask of `a >= s`.
    public static func .>= (a: Tensor, s: Float) -> Tensor { a.map { $0 >= s ? 1 : 0 } }

    /// Elementwise selection (PyTorch's `torch.where`): `a` where `mask` is non-zero, else `b`, all broadcast
    /// together. The gradient flows to `a` through the mask and to `b` through its complement.
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let s1 = Shape.broadcast(mask.shape, a.shape), let shape = Shape.broadcast(s1, b.shape) else {
            preconditionFailure("where: shapes \(mask.shape), \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        let m = mask.expanded(to: shape).map { $0 != 0 ? 1 : 0 }
        let ea = a.detach().expanded(to: shape), eb = b.detach().expanded(to: shape)
        let out = Tensor(uninitializedShape: shape)
        let pm = m.storage.pointer, pa = ea.storage.pointer, pb = eb.storage.pointer, po = out.storage.pointer
        Parallel.forEachChunk(out.count) { r in for i in r { po[i] = pm[i] != 0 ? pa[i] : pb[i] } }
        return record("where", out, [a, b]) { g, needs in
            [needs[0] ? (g * m).sum(toShape: a.shape) : nil, needs[1] ? (g * (1 - m)).sum(toShape: b.shape) : nil]
        }
    }
}
