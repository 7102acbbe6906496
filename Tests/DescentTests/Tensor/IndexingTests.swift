import Testing

@testable import Descent

@Suite struct IndexingTests {
    /// Forward values and gradients against PyTorch (core.json, group "indexing"); relative tolerance 1e-4.
    @Test func matchesPyTorch() throws {
        let names = try CoreFixture.check(group: "indexing") { name, x in
            switch name {
            case "slice_axis1": return [x[0].slice(axis: 1, 1..<3)]
            case "slice_axis0": return [x[0][1..<3]]
            case "slice_last": return [x[0].slice(axis: -1, 2..<5)]
            case "subscript": return [x[0][1]]
            case "subscript_negative": return [x[0][-1]]
            case "index_select_axis0": return [x[0].indexSelect(axis: 0, [2, 0, 2])]
            case "index_select_axis1": return [x[0].indexSelect(axis: 1, [3, 1])]
            case "gather_axis1": return [x[0].gather(axis: 1, index: [0, 3, 1, 1, 2, 0], indexShape: [3, 2])]
            case "gather_axis0": return [x[0].gather(axis: 0, index: [1, 0, 2, 2, 0, 0, 1, 2], indexShape: [2, 4])]
            case "cat_axis0": return [Tensor.concatenate([x[0], x[1], x[2]], axis: 0)]
            case "cat_axis1": return [Tensor.concatenate([x[0], x[1]], axis: 1)]
            case "stack_axis0": return [Tensor.stack([x[0], x[1]], axis: 0)]
            case "stack_axis_last": return [Tensor.stack([x[0], x[1], x[2]], axis: -1)]
            case "split_axis1": return x[0].split(sizes: [1, 3], axis: 1)
            case "split_axis0": return x[0].split(sizes: [2, 1, 2])
            case "chunk_uneven": return x[0].chunked(3)
            case "chunk_axis1": return x[0].chunked(2, axis: 1)
            default: return nil
            }
        }
        #expect(names.count == 17)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = TestData.normal([3, 4, 2], seed: 41)
        expectGradientsMatchFiniteDifferences([x], "slice") { TestData.weightedSum($0[0].slice(axis: 1, 1..<3).exp()) }
        expectGradientsMatchFiniteDifferences([x], "subscript") { TestData.weightedSum($0[0][2].exp() + $0[0][0]) }
        expectGradientsMatchFiniteDifferences([x], "index_select repeated") {
            TestData.weightedSum($0[0].indexSelect(axis: 1, [3, 0, 3, 3]).exp())
        }
        expectGradientsMatchFiniteDifferences([x], "gather") {
            TestData.weightedSum(
                $0[0].gather(
                    axis: 2, index: [0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1],
                    indexShape: [3, 4, 2]
                ).exp())
        }
        let a = TestData.normal([2, 3], seed: 42), b = TestData.normal([2, 1], seed: 43),
            c = TestData.normal([2, 3], seed: 44)
        expectGradientsMatchFiniteDifferences([a, b], "cat") {
            TestData.weightedSum(Tensor.concatenate([$0[0], $0[1], $0[0]], axis: 1).exp())
        }
        expectGradientsMatchFiniteDifferences([a, c], "stack") {
            TestData.weightedSum(Tensor.stack([$0[0], $0[1]], axis: 1).exp())
        }
        expectGradientsMatchFiniteDifferences([x], "split") {
            let parts = $0[0].split(sizes: [1, 2], axis: 0)
            return TestData.weightedSum(parts[0].exp(), seed: 1) + TestData.weightedSum(parts[1].sin(), seed: 2)
        }
        expectGradientsMatchFiniteDifferences([x], "chunk") {
            let parts = $0[0].chunked(3, axis: 1)  // sizes [2, 2], as torch.chunk
            return TestData.weightedSum(parts[0], seed: 1) + TestData.weightedSum(parts[1].exp(), seed: 2)
        }
    }

    @Test func exactValues() {
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
        #expect(x[1].shape == [4] && x[1].scalars == [4, 5, 6, 7])
        #expect(x[-1].scalars == [8, 9, 10, 11])
        #expect(x[0..<2].shape == [2, 4])
        #expect(x.slice(axis: 1, 1..<3).scalars == [1, 2, 5, 6, 9, 10])
        #expect(x.slice(axis: 0, 0..<3).isBitwiseEqual(x))
        #expect(x.slice(axis: 1, 2..<2).shape == [3, 0])
        #expect(x.indexSelect(axis: 1, [3, 0]).scalars == [3, 0, 7, 4, 11, 8])
        #expect(x.gather(axis: 1, index: [3, 2, 1], indexShape: [3, 1]).scalars == [3, 6, 9])
        #expect(Tensor.stack([Tensor([1, 2]), Tensor([3, 4])], axis: 1).scalars == [1, 3, 2, 4])
        #expect(Tensor.concatenate([Tensor([1]), Tensor([2, 3])]).scalars == [1, 2, 3])
        #expect(Tensor.concatenate([x, x], axis: -1).shape == [3, 8])
    }

    @Test func splitAndChunkPartitionAndRejoin() {
        let x = Tensor((0..<10).map(Float.init), shape: [5, 2])
        #expect(x.chunked(3).map(\.shape) == [[2, 2], [2, 2], [1, 2]])
        #expect(x.chunked(5).count == 5)
        #expect(Tensor.zeros([4, 1]).chunked(3).map(\.shape) == [[2, 1], [2, 1]])  // as torch.chunk: fewer pieces
        #expect(x.chunked(7).map(\.shape) == [[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]])  // as torch.chunk
        #expect(x.chunked(2, axis: 1).map(\.scalars) == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]])
        let parts = x.split(sizes: [1, 0, 4])
        #expect(parts.map(\.shape) == [[1, 2], [0, 2], [4, 2]])
        #expect(Tensor.concatenate(parts).isBitwiseEqual(x))
        #expect(Tensor.concatenate(x.chunked(2, axis: 1), axis: 1).isBitwiseEqual(x))
    }

    /// A gradient reaching a repeated index adds up; a gradient reaching none of the indices is zero.
    @Test func scatteredGradients() {
        let x = Tensor([1, 2, 3, 4]).requiringGrad()
        x.indexSelect(axis: 0, [2, 2, 0, 2]).sum().backward()
        #expect(x.grad?.scalars == [1, 0, 3, 0])
        x.zeroGrad()
        (x.gather(axis: 0, index: [1, 1, 3], indexShape: [3]) * Tensor([1, 10, 100])).sum().backward()
        #expect(x.grad?.scalars == [0, 11, 0, 100])
        x.zeroGrad()
        (x[1..<3] * Tensor([5, 7])).sum().backward()
        #expect(x.grad?.scalars == [0, 5, 7, 0])
    }
}
