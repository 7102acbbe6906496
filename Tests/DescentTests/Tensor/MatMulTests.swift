import Testing

@testable import Descent

@Suite struct MatMulTests {
    /// Reference product of row-major matrices in Double.
    static func naive(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
                c[i * n + j] = Float(s)
            }
        }
        return c
    }

    /// Forward values and gradients against PyTorch (core.json, group "matmul"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "matmul") { name, x in
            switch name {
            case "mm", "bmm", "broadcast_batch", "matrix_times_batch", "batch_times_matrix",
                "dot", "vector_matrix", "matrix_vector", "vector_batch", "batch_vector":
                return [x[0].matmul(x[1])]
            default: return nil
            }
        }
        #expect(names.count == 10)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let shapes: [([Int], [Int])] = [
            ([2, 3], [3, 4]), ([2, 2, 3], [2, 3, 2]), ([2, 1, 2, 3], [3, 3, 2]), ([2, 3], [2, 3, 2]),
            ([3], [3]), ([3], [3, 2]), ([2, 3], [3]), ([3], [2, 3, 2]), ([2, 2, 3], [3]),
        ]
        for (i, (sa, sb)) in shapes.enumerated() {
            let a = TestData.normal(sa, seed: 50 + UInt64(i)), b = TestData.normal(sb, seed: 60 + UInt64(i))
            expectGradientsMatchFiniteDifferences([a, b], "matmul \(sa) \(sb)") {
                TestData.weightedSum($0[0].matmul($0[1]))
            }
        }
    }

    @Test func exactSmallProducts() {
        let a = Tensor(rows: [[1, 2], [3, 4]]), b = Tensor(rows: [[5, 6], [7, 8]])
        #expect(a.matmul(b).scalars == [19, 22, 43, 50])
        #expect((a • b).isBitwiseEqual(a.matmul(b)))
        #expect(a.matmul(Tensor.eye(2)).isBitwiseEqual(a))
        #expect(Tensor([1, 2, 3]).matmul(Tensor([4, 5, 6])).shape == [])
        #expect(Tensor([1, 2, 3]).matmul(Tensor([4, 5, 6])).item == 32)
        #expect(Tensor([1, 1]).matmul(a).scalars == [4, 6])
        #expect(a.matmul(Tensor([1, 1])).scalars == [3, 7])
        // An inner dimension of 0 gives zeros.
        #expect(Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3])).scalars == [0, 0, 0, 0, 0, 0])
    }

    /// Non-square shapes, where a mix-up of leading dimensions or of m/n would show, against a Double loop.
    /// Tolerance: relative 1e-4 of max(|expected|, 1), since long float32 dot products lose absolute accuracy.
    @Test(arguments: [[1, 1, 1], [17, 33, 9], [5, 130, 64], [64, 3, 1]])
    func matchesNaiveProduct(mkn: [Int]) {
        let (m, k, n) = (mkn[0], mkn[1], mkn[2])
        let a = TestData.normal([m, k], seed: 71), b = TestData.normal([k, n], seed: 72)
        expectClose(
            a.matmul(b), Tensor(Self.naive(a.scalars, b.scalars, m: m, k: k, n: n), shape: [m, n]), rtol: 1e-4, floor: 1
        )
    }

    /// The transposed GEMM forms used by the backward pass.
    @Test func transposedGemm() {
        let a = TestData.normal([7, 5], seed: 73), b = TestData.normal([7, 3], seed: 74),
            c = TestData.normal([4, 5], seed: 75)
        let atb = Tensor.gemm(a, b, transposeA: true)
        expectClose(
            atb, Tensor(Self.naive(a.T.scalars, b.scalars, m: 5, k: 7, n: 3), shape: [5, 3]), rtol: 1e-4, floor: 1)
        let act = Tensor.gemm(a, c, transposeB: true)
        expectClose(
            act, Tensor(Self.naive(a.scalars, c.T.scalars, m: 7, k: 5, n: 4), shape: [7, 4]), rtol: 1e-4, floor: 1)
        let d = TestData.normal([3, 7], seed: 78)
        let both = Tensor.gemm(a, d, transposeA: true, transposeB: true)
        expectClose(
            both, Tensor(Self.naive(a.T.scalars, d.T.scalars, m: 5, k: 7, n: 3), shape: [5, 3]), rtol: 1e-4, floor: 1)
    }

    /// Each matrix of a broadcast batched product equals the 2-D product of the matching operands.
    @Test func batchedBroadcastMatchesPerMatrix() {
        let a = TestData.normal([2, 1, 3, 4], seed: 76), b = TestData.normal([3, 4, 5], seed: 77)
        let r = a.matmul(b)
        #expect(r.shape == [2, 3, 3, 5])
        for i in 0..<2 {
            for j in 0..<3 {
                let expected = a[i][0].matmul(b[j])
                expectClose(r[i][j], expected, rtol: 1e-5, floor: 1, "batch \(i), \(j)")
            }
        }
    }
}
