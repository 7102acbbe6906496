import Foundation

/// Broadcasting binary kernels and the arithmetic operators built on them.
extension Tensor {
    /// Applies `f` elementwise to `a` and `b` broadcast together (NumPy/PyTorch rules).
    @inline(__always) @usableFromInline
    static func broadcastKernel(_ op: String, _ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            let out = Tensor(uninitializedShape: a.shape)
            let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
            Parallel.forEachChunk(out.count) { r in
                for i in r { po[i] = f(pa[i], pb[i]) }
            }
            return out
        }
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        let out = Tensor(uninitializedShape: shape)
        let po = out.storage.pointer
        let pa = a.storage.pointer, pb = b.storage.pointer
        if b.count == 1 {
            let s = pb[0]
            Parallel.forEachChunk(out.count) { r in for i in r { po[i] = f(pa[i], s) } }
            return out
        }
        if a.count == 1 {
            let s = pa[0]
            Parallel.forEachChunk(out.count) { r in for i in r { po[i] = f(s, pb[i]) } }
            return out
        }
        let walk = BroadcastWalk(
            shape: shape, stridesA: Shape.broadcastStrides(a.shape, to: shape),
            stridesB: Shape.broadcastStrides(b.shape, to: shape))
        let n = walk.inner, sa = walk.innerStrideA, sb = walk.innerStrideB
        Parallel.forEachChunk(walk.outer, cost: n) { rows in
            for row in rows {
                let (oa, ob) = walk.offsets(row: row)
                let x = pa + oa, y = pb + ob, z = po + row * n
                if sa == 1 && sb == 1 {
                    for j in 0..<n { z[j] = f(x[j], y[j]) }
                } else if sa == 1 {
                    let v = y[0]
                    for j in 0..<n { z[j] = f(x[j], v) }
                } else if sb == 1 {
                    let v = x[0]
                    for j in 0..<n { z[j] = f(v, y[j]) }
                } else {
                    for j in 0..<n { z[j] = f(x[j * sa], y[j * sb]) }
                }
            }
        }
        return out
    }

    /// The four arithmetic operators, for ``arithmetic(_:_:_:)``.
    @usableFromInline
    enum ArithmeticOp { case add, sub, mul, div }

    /// `a op b` with broadcasting, without autodiff. Equal shapes and scalar operands run explicit loops (one
    /// call per chunk, vectorised); other broadcasts go through ``broadcastKernel(_:_:_:_:)``.
    @usableFromInline
    static func arithmetic(_ op: ArithmeticOp, _ a: Tensor, _ b: Tensor) -> Tensor {
        let sameShape = a.shape == b.shape
        let scalarB = !sameShape && b.count == 1 && a.count >= 1 && Shape.broadcast(a.shape, b.shape) == a.shape
        if !sameShape && !scalarB {
            switch op {
            case .add: return broadcastKernel("add", a, b) { $0 + $1 }
            case .sub: return broadcastKernel("sub", a, b) { $0 - $1 }
            case .mul: return broadcastKernel("mul", a, b) { $0 * $1 }
            case .div: return broadcastKernel("div", a, b) { $0 / $1 }
            }
        }
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        if sameShape {
            Parallel.forEachChunk(out.count) { r in
                switch op {
                case .add: for i in r { po[i] = pa[i] + pb[i] }
                case .sub: for i in r { po[i] = pa[i] - pb[i] }
                case .mul: for i in r { po[i] = pa[i] * pb[i] }
                case .div: for i in r { po[i] = pa[i] / pb[i] }
                }
            }
        } else {
            let s = pb[0]
            Parallel.forEachChunk(out.count) { r in
                switch op {
                case .add: for i in r { po[i] = pa[i] + s }
                case .sub: for i in r { po[i] = pa[i] - s }
                case .mul: for i in r { po[i] = pa[i] * s }
                case .div: for i in r { po[i] = pa[i] / s }
                }
            }
        }
        return out
    }

    /// Sums `self` over broadcast axes so that the result has shape `target` (the adjoint of broadcasting).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        var t = self
        let lead = rank - target.count
        precondition(lead >= 0, "sum(toShape:): cannot reduce shape \(shape) to \(target)")
        var axes: [Int] = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        if !axes.isEmpty { t = t.sum(alongAxes: axes, keepingDims: true) }
        return t.reshaped(target)
    }

    /// Elementwise sum with broadcasting: `a + b`.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let r = arithmetic(.add, a, b)
        let sa = a.shape, sb = b.shape
        return record("add", r, [a, b]) { g, needs in
            [needs[0] ? g.sum(toShape: sa) : nil, needs[1] ? g.sum(toShape: sb) : nil]
        }
    }

    /// Elementwise difference with broadcasting: `a − b`.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let r = arithmetic(.sub, a, b)
        let sa = a.shape, sb = b.shape
        return record("sub", r, [a, b]) { g, needs in
            [needs[0] ? g.sum(toShape: sa) : nil, needs[1] ? (-g).sum(toShape: sb) : nil]
        }
    }

    /// Elementwise product with broadcasting: `a ⊙ b`; ∂/∂a = g ⊙ b, ∂/∂b = g ⊙ a.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let r = arithmetic(.mul, a, b)
        return record("mul", r, [a, b]) { g, needs in
            [
                needs[0] ? arithmetic(.mul, g, b).sum(toShape: a.shape) : nil,
                needs[1] ? arithmetic(.mul, g, a).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise quotient with broadcasting: `a / b`; ∂/∂a = g / b, ∂/∂b = −g · a / b².
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let r = arithmetic(.div, a, b)
        return record("div", r, [a, b]) { g, needs in
            let bd = b.detach()
            return [
                needs[0] ? (g / bd).sum(toShape: a.shape) : nil,
                needs[1] ? (-(g * a.detach()) / (bd * bd)).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise power with broadcasting: `aᵇ`; ∂/∂a = g · b · aᵇ⁻¹ (0 where b = 0), ∂/∂b = g · aᵇ · ln a
    /// (0 where a = 0 and b ≥ 0), as in PyTorch.
    public func pow(_ exponent: Tensor) -> Tensor {
        let a = self, b = exponent
        let r = Tensor.broadcastKernel("pow", a, b) { Foundation.pow($0, $1) }
        return Tensor.record("pow", r, [a, b]) { g, needs in
            let ad = a.detach(), bd = b.detach()
            return [
                needs[0]
                    ? (g * Tensor.broadcastKernel("pow", ad, bd) { x, y in y == 0 ? 0 : y * Foundation.pow(x, y - 1) })
                        .sum(toShape: a.shape) : nil,
                needs[1]
                    ? (g
                        * Tensor.broadcastKernel("pow", ad, bd) { x, y in
                            x == 0 && y >= 0 ? 0 : Foundation.pow(x, y) * Foundation.log(x)
                        }).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise maximum with broadcasting; the gradient goes to the larger input (to `a` on ties).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let r = broadcastKernel("maximum", a, b) { Swift.max($0, $1) }
        return record("maximum", r, [a, b]) { g, needs in
            let mask = broadcastKernel("maximum", a, b) { $0 >= $1 ? 1 : 0 }
            return [
                needs[0] ? (g * mask).sum(toShape: a.shape) : nil,
                needs[1] ? (g * (Tensor(1) - mask)).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise minimum with broadcasting; the gradient goes to the smaller input (to `a` on ties).
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let r = broadcastKernel("minimum", a, b) { Swift.min($0, $1) }
        return record("minimum", r, [a, b]) { g, needs in
            let mask = broadcastKernel("minimum", a, b) { $0 <= $1 ? 1 : 0 }
            return [
                needs[0] ? (g * mask).sum(toShape: a.shape) : nil,
                needs[1] ? (g * (Tensor(1) - mask)).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// Negation `−a`.
    public static prefix func - (a: Tensor) -> Tensor {
        let r = a.map { -$0 }
        return record("neg", r, a) { -$0 }
    }

    /// `a + s` for a scalar `s`.
    public static func + (a: Tensor, s: Float) -> Tensor { record("add", arithmetic(.add, a, Tensor(s)), a) { $0 } }
    /// `s + a` for a scalar `s`.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    /// `a − s` for a scalar `s`.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    /// `s − a` for a scalar `s`.
    public static func - (s: Float, a: Tensor) -> Tensor { record("rsub", a.map { s - $0 }, a) { -$0 } }
    /// `a · s` for a scalar `s`.
    public static func * (a: Tensor, s: Float) -> Tensor { record("mul", arithmetic(.mul, a, Tensor(s)), a) { $0 * s } }
    /// `s · a` for a scalar `s`.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    /// `a / s` for a scalar `s`.
    public static func / (a: Tensor, s: Float) -> Tensor { record("div", arithmetic(.div, a, Tensor(s)), a) { $0 / s } }
    /// `s / a` for a scalar `s`; ∂/∂a = −g · s / a².
    public static func / (s: Float, a: Tensor) -> Tensor {
        let r = a.map { s / $0 }
        return record("rdiv", r, a) { g in -(g * r.detach() / a.detach()) }
    }

    /// `aˢ` for a scalar exponent `s`; ∂/∂a = g · s · aˢ⁻¹ (0 when s = 0, as in PyTorch).
    public func pow(_ s: Float) -> Tensor {
        let a = self
        let r: Tensor
        if s == 2 {
            r = a.map { $0 * $0 }
        } else if s == 1 {
            r = a.map { $0 }
        } else {
            r = a.map { Foundation.pow($0, s) }
        }
        return Tensor.record("pow", r, a) { g in
            let ad = a.detach()
            if s == 0 { return Tensor.zeros(g.shape) }
            if s == 2 { return g * ad * 2 }
            return g * ad.map { s * Foundation.pow($0, s - 1) }
        }
    }

    /// `a += b` (broadcasting `b` to `a`'s shape).
    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    /// `a −= b` (broadcasting `b` to `a`'s shape).
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    /// `a *= b` (broadcasting `b` to `a`'s shape).
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    /// `a /= b` (broadcasting `b` to `a`'s shape).
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }

    /// Adds `other` (same shape) into this tensor's own storage, copying it first if shared; no autodiff.
    @usableFromInline
    mutating func addInPlace(_ other: Tensor) {
        precondition(shape == other.shape, "addInPlace: shapes \(shape) and \(other.shape) differ")
        makeUnique()
        let p = storage.pointer, q = other.storage.pointer
        Parallel.forEachChunk(count) { r in for i in r { p[i] += q[i] } }
    }
}
