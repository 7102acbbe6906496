/// Shape arithmetic shared by the kernels: element counts, row-major strides and broadcasting.
public enum Shape {
    /// Number of elements of a tensor of this shape (1 for a scalar, shape `[]`).
    @inlinable
    public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n *= d }
        return n
    }

    /// Row-major (C order) strides in elements.
    @inlinable
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// The broadcast of two shapes under NumPy/PyTorch rules, or `nil` when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides for reading a tensor of shape `shape` as if broadcast to `target` (0 on broadcast axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var out = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
            out[i + offset] = shape[i] == 1 ? 0 : own[i]
        }
        return out
    }

    /// Normalises a possibly negative axis for a tensor of rank `rank`.
    @inlinable
    public static func axis(_ axis: Int, rank: Int, op: String = "op") -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < max(rank, 1), "\(op): dimension \(axis) out of range for a tensor of rank \(rank)")
        return a
    }
}

/// A plan for walking an output of shape `shape` while reading up to two broadcast inputs: axes are
/// merged wherever all operands are contiguous across them, so that the innermost loop is as long as possible.
struct BroadcastWalk {
    var dims: [Int]
    var stridesA: [Int]
    var stridesB: [Int]

    init(shape: [Int], stridesA: [Int], stridesB: [Int]) {
        var d: [Int] = []
        var sa: [Int] = []
        var sb: [Int] = []
        for i in 0..<shape.count where shape[i] != 1 {
            if let last = d.last, sa.last! == stridesA[i] * shape[i], sb.last! == stridesB[i] * shape[i] {
                d[d.count - 1] = last * shape[i]
                sa[sa.count - 1] = stridesA[i]
                sb[sb.count - 1] = stridesB[i]
            } else {
                d.append(shape[i])
                sa.append(stridesA[i])
                sb.append(stridesB[i])
            }
        }
        if d.isEmpty { d = [1]; sa = [0]; sb = [0] }
        self.dims = d
        self.stridesA = sa
        self.stridesB = sb
    }

    var inner: Int { dims[dims.count - 1] }
    var innerStrideA: Int { stridesA[stridesA.count - 1] }
    var innerStrideB: Int { stridesB[stridesB.count - 1] }
    var outer: Int { Shape.count(dims) / inner }

    /// Offsets into A and B of the first element of outer row `row`.
    @inline(__always)
    func offsets(row: Int) -> (Int, Int) {
        var r = row
        var oa = 0
        var ob = 0
        var i = dims.count - 2
        while i >= 0 {
            let d = dims[i]
            let q = r / d
            let idx = r - q * d
            oa += idx * stridesA[i]
            ob += idx * stridesB[i]
            r = q
            i -= 1
        }
        return (oa, ob)
    }
}
