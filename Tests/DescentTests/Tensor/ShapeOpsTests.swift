import Testing

@testable import Descent

@Suite struct ShapeOpsTests {
    /// Forward values and gradients against PyTorch (core.json, group "shapeops"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "shapeops") { name, x in
            let a = x[0]
            switch name {
            case "reshape_infer": return [a.reshaped([3, -1])]
            case "view": return [a.view([4, 3])]
            case "flatten_middle": return [a.flattened(startDim: 1, endDim: 2)]
            case "flatten_all": return [a.flattened()]
            case "unsqueeze": return [a.unsqueezed(1)]
            case "unsqueeze_last": return [a.unsqueezed(-1)]
            case "squeeze_all": return [a.squeezed()]
            case "squeeze_dim": return [a.squeezed(1)]
            case "permute_201": return [a.permuted([2, 0, 1])]
            case "permute_021": return [a.permuted([0, 2, 1])]
            case "permute_4d": return [a.permuted([1, 3, 0, 2])]
            case "transpose_02": return [a.transposed(0, 2)]
            case "T": return [a.T]
            case "expand": return [a.expanded(to: [2, 3, 4])]
            case "expand_lead": return [a.expanded(to: [2, 3, 4])]
            default: return nil
            }
        }
        #expect(names.count == 15)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([2, 3, 4], seed: 31)
        expectGradientsMatchFiniteDifferences([x], "reshape") { TestData.weightedSum($0[0].reshaped([4, -1]).exp()) }
        expectGradientsMatchFiniteDifferences([x], "flatten") {
            TestData.weightedSum($0[0].flattened(startDim: 1).sin())
        }
        expectGradientsMatchFiniteDifferences([x], "unsqueeze/squeeze") {
            TestData.weightedSum($0[0].unsqueezed(0).unsqueezed(3).exp().squeezed())
        }
        for dims in [[2, 0, 1], [0, 2, 1], [1, 0, 2], [2, 1, 0]] {
            expectGradientsMatchFiniteDifferences([x], "permute \(dims)") {
                TestData.weightedSum($0[0].permuted(dims).exp())
            }
        }
        expectGradientsMatchFiniteDifferences([x], "transpose") { TestData.weightedSum($0[0].transposed(-1, 0).exp()) }
        let m = TestData.normal([3, 1], seed: 32)
        expectGradientsMatchFiniteDifferences([m], "expand") {
            TestData.weightedSum($0[0].expanded(to: [2, 3, 4]).exp())
        }
        expectGradientsMatchFiniteDifferences([m], "T") { TestData.weightedSum($0[0].T.exp()) }
    }

    @Test func exactValuesAndShapes() {
        let x = Tensor((0..<6).map(Float.init), shape: [2, 3])
        #expect(x.T.shape == [3, 2] && x.T.scalars == [0, 3, 1, 4, 2, 5])
        #expect(x.T.T.isBitwiseEqual(x))
        #expect(x.reshaped([-1]).shape == [6])
        #expect(x.reshaped([3, 2]).scalars == x.scalars)
        #expect(x.unsqueezed(0).shape == [1, 2, 3] && x.unsqueezed(2).shape == [2, 3, 1])
        #expect(x.squeezed(0).shape == [2, 3])  // not of size 1: unchanged
        #expect(Tensor([5], shape: [1, 1]).squeezed().shape == [])
        #expect(Tensor(7).flattened().shape == [1])
        #expect(Tensor([1, 2], shape: [2, 1]).expanded(to: [2, 3]).scalars == [1, 1, 1, 2, 2, 2])
        #expect(Tensor([1, 2, 3]).expanded(to: [2, 3]).scalars == [1, 2, 3, 1, 2, 3])
        #expect(x.transposed(1, 1).isBitwiseEqual(x))
        #expect(x.permuted([-1, -2]).isBitwiseEqual(x.T))
    }

    /// Both permutation kernels (batched 2-D transpose and the general gather) against index arithmetic.
    @Test(arguments: [[1, 0, 2, 3], [0, 1, 3, 2], [3, 2, 1, 0], [2, 0, 3, 1], [0, 3, 1, 2]])
    func permuteMatchesNaive(dims: [Int]) {
        let shape = [2, 3, 4, 5]
        let x = Tensor((0..<120).map(Float.init), shape: shape)
        let p = x.permuted(dims)
        let outShape = dims.map { shape[$0] }
        #expect(p.shape == outShape)
        let inStrides = Shape.strides(shape)
        var expected: [Float] = []
        for i0 in 0..<outShape[0] {
            for i1 in 0..<outShape[1] {
                for i2 in 0..<outShape[2] {
                    for i3 in 0..<outShape[3] {
                        let idx = [i0, i1, i2, i3]
                        var flat = 0
                        for k in 0..<4 { flat += idx[k] * inStrides[dims[k]] }
                        expected.append(Float(flat))
                    }
                }
            }
        }
        #expect(p.scalars == expected)
        var inverse = [0, 0, 0, 0]
        for (i, d) in dims.enumerated() { inverse[d] = i }
        #expect(p.permuted(inverse).isBitwiseEqual(x))
    }

    /// A large batched transpose runs on the parallel path.
    @Test func largeTransposeRoundTrips() {
        let x = TestData.normal([4, 130, 70], seed: 33)
        let t = x.transposed(1, 2)
        #expect(t.shape == [4, 70, 130])
        #expect(t[index: 3, 69, 129] == x[index: 3, 129, 69] && t[index: 1, 5, 17] == x[index: 1, 17, 5])
        #expect(t.transposed(1, 2).isBitwiseEqual(x))
    }

    /// Reshaping shares storage, but a write to one of the two copies leaves the other alone.
    @Test func reshapeKeepsValueSemantics() {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2])
        var y = x.reshaped([4])
        y[index: 0] = 100
        #expect(x.scalars == [1, 2, 3, 4])
        #expect(y.scalars == [100, 2, 3, 4])
    }
}
