import Testing

@testable import Descent

@Suite struct TensorTests {
    @Test func initialisersAndAccessors() {
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(t.shape == [2, 3] && t.count == 6 && t.rank == 2)
        #expect(t[index: 1, 2] == 6 && t[index: -1, -3] == 4)
        #expect(Tensor([1, 2, 3]).shape == [3])
        let s = Tensor(2.5)
        #expect(s.shape == [] && s.rank == 0 && s.item == 2.5)
        #expect(Tensor(rows: [[1, 2], [3, 4], [5, 6]]).shape == [3, 2])
        #expect(Tensor(rows: [[1, 2], [3, 4]]).scalars == [1, 2, 3, 4])
        let empty = Tensor([], shape: [0, 3])
        #expect(empty.count == 0 && empty.shape == [0, 3] && empty.scalars.isEmpty)
        #expect(t.withUnsafeBufferPointer { $0.reduce(0, +) } == 21)
    }

    @Test func description() {
        #expect(Tensor([1, 2], shape: [2, 1]).description == "Tensor(shape: [2, 1], [1.0, 2.0])")
        #expect(Tensor.zeros([20]).description.hasSuffix(", …])"))
        #expect(Tensor([1]).requiringGrad().description.hasSuffix(", requiresGrad)"))
    }

    /// Copies share storage until one is written; the write never shows through the other copy.
    @Test func copyOnWrite() {
        let a = Tensor([1, 2, 3])
        var b = a
        b[index: 0] = 10
        #expect(a.scalars == [1, 2, 3] && b.scalars == [10, 2, 3])
        var c = a
        c.withUnsafeMutableBufferPointer { $0[2] = 30 }
        #expect(a.scalars == [1, 2, 3] && c.scalars == [1, 2, 30])
        var d = a
        d += Tensor([1, 1, 1])
        #expect(a.scalars == [1, 2, 3] && d.scalars == [2, 3, 4])
        // A uniquely held tensor is written in place (no copy).
        var e = Tensor([5, 6])
        let before = e.withUnsafeBufferPointer { $0.baseAddress }
        e[index: 1] = 7
        #expect(e.withUnsafeBufferPointer { $0.baseAddress } == before && e.scalars == [5, 7])
    }

    @Test func cloneAndSharedStorage() {
        let a = Tensor([1, 2, 3]).requiringGrad()
        let c = a.clone()
        #expect(!c.requiresGrad && c.isBitwiseEqual(a))
        // In-place writes through shared storage reach every copy (how optimizers update parameters) …
        let alias = a
        a.withSharedStorage { $0[0] = 100 }
        #expect(alias.scalars == [100, 2, 3])
        a.assignInPlace(Tensor([7, 8, 9]))
        #expect(alias.scalars == [7, 8, 9])
        // … but not a clone.
        #expect(c.scalars == [1, 2, 3])
        #expect(!a.isBitwiseEqual(Tensor([7, 8, 9], shape: [3, 1])))
        #expect(!a.isBitwiseEqual(Tensor([7, 8, 10])))
    }
}
