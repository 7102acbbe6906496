import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct DatasetTests {
    static let inputs = Tensor((0..<12).map(Float.init), shape: [4, 3])

    @Test func tensorDatasetWithLabels() {
        let ds = TensorDataset(inputs: Self.inputs, labels: [2, 0, 1, 2])
        #expect(ds.count == 4)
        let s = ds.sample(at: 2)
        #expect(s.input.shape == [3])
        #expect(s.input.scalars == [6, 7, 8])
        #expect(s.target == .classIndex(1))
        #expect(ds.label(at: 3) == 2)
        #expect(ds.labels() == [2, 0, 1, 2])
    }

    @Test func tensorDatasetWithTargets() {
        let ds = TensorDataset(inputs: Self.inputs, targets: Tensor([1, 2, 3, 4, 5, 6, 7, 8], shape: [4, 2]))
        #expect(ds.sample(at: 1).target == .tensor(Tensor([3, 4])))
        #expect(ds.label(at: 1) == nil)
    }

    @Test func oneHotTargets() throws {
        let ds = try TensorDataset(inputs: Self.inputs, labels: [2, 0, 1, 2]).oneHotTargets(classes: 3)
        #expect(ds.sample(at: 0).target == .tensor(Tensor([0, 0, 1])))
        #expect(ds.sample(at: 2).target == .tensor(Tensor([0, 1, 0])))
        let e = DataTestFiles.descentError {
            _ = try TensorDataset(inputs: Self.inputs, labels: [0, 5, 1, 1]).oneHotTargets(classes: 3)
        }
        #expect(e?.reason == "sample 1 has label 5, outside 0..<3")
    }

    @Test func subsetPicksIndicesInOrder() {
        let base = TensorDataset(inputs: Self.inputs, labels: [0, 1, 2, 3])
        let sub = base.subset([3, 1])
        #expect(sub.count == 2)
        #expect(sub.sample(at: 0).input.scalars == [9, 10, 11])
        #expect(sub.label(at: 1) == 1)
    }

    @Test func concatenationIndexesAcrossParts() {
        let a = TensorDataset(inputs: Self.inputs, labels: [0, 1, 2, 3])
        let empty = TensorDataset(inputs: Tensor([], shape: [0, 3]), labels: [])
        let b = GeneratedShapes(count: 5, seed: 1)
        let c = ConcatDataset([a, empty, b])
        #expect(c.count == 9)
        #expect(c.sample(at: 3).input.scalars == [9, 10, 11])
        #expect(c.sample(at: 4).input.isBitwiseEqual(b.sample(at: 0).input))
        #expect(c.label(at: 8) == 4)
        #expect(c.labels() == [0, 1, 2, 3, 0, 1, 2, 3, 4])
    }

    @Test func generatedShapesKnowsItsLabels() {
        let g = GeneratedShapes(count: 23, seed: 2)
        #expect(g.labels().compactMap { $0 } == (0..<23).map { $0 % 10 })
    }
}
