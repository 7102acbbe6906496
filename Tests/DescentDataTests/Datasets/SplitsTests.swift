import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct SplitsTests {
    @Test func sizesUseLargestRemainders() throws {
        #expect(try Splits.sizes(count: 10, fractions: [0.8, 0.2]) == [8, 2])
        #expect(try Splits.sizes(count: 10, fractions: [1.0 / 3, 1.0 / 3, 1.0 / 3]) == [4, 3, 3])
        // 3.5, 1.75, 1.75: remainders .5 < .75
        #expect(try Splits.sizes(count: 7, fractions: [0.5, 0.25, 0.25]) == [3, 2, 2])
        #expect(try Splits.sizes(count: 0, fractions: [0.5, 0.5]) == [0, 0])
        #expect(try Splits.sizes(count: 5, fractions: [1, 0]) == [5, 0])
    }

    @Test func invalidFractionsAreErrors() {
        #expect(
            DataTestFiles.descentError { _ = try Splits.sizes(count: 10, fractions: [0.5, 0.4]) }?.reason
                == "fractions [0.5, 0.4] sum to 0.9, not 1")
        #expect(
            DataTestFiles.descentError { _ = try Splits.sizes(count: 10, fractions: [1.5, -0.5]) }?.reason.contains(
                "-0.5 is not a number in [0, 1]") == true)
        #expect(DataTestFiles.descentError { _ = try Splits.sizes(count: 10, fractions: []) } != nil)
    }

    @Test func partitionCoversEveryIndexOnceAndIsReproducible() throws {
        let parts = try Splits.partition(count: 103, fractions: [0.7, 0.2, 0.1], seed: 42)
        #expect(parts.map(\.count) == [72, 21, 10])  // 72.1, 20.6, 10.3 → 72, 20+1, 10
        #expect(parts.flatMap { $0 }.sorted() == Array(0..<103))
        #expect(parts.allSatisfy { $0 == $0.sorted() })
        #expect(try Splits.partition(count: 103, fractions: [0.7, 0.2, 0.1], seed: 42) == parts)
        #expect(try Splits.partition(count: 103, fractions: [0.7, 0.2, 0.1], seed: 43) != parts)
    }

    @Test func stratifiedPartitionKeepsClassProportions() throws {
        // 100 of class 0, 50 of class 1, 30 of class 2, interleaved.
        var labels = [Int]()
        for i in 0..<180 { labels.append(i < 100 ? 0 : (i < 150 ? 1 : 2)) }
        labels = RandomGenerator(seed: 9).permutation(180).map { labels[$0] }
        let parts = try Splits.stratifiedPartition(labels: labels, fractions: [0.6, 0.2, 0.2], seed: 5)
        func perClass(_ p: [Int]) -> [Int] { (0..<3).map { c in p.filter { labels[$0] == c }.count } }
        #expect(perClass(parts[0]) == [60, 30, 18])
        #expect(perClass(parts[1]) == [20, 10, 6])
        #expect(perClass(parts[2]) == [20, 10, 6])
        #expect(parts.flatMap { $0 }.sorted() == Array(0..<180))
    }

    @Test func datasetSplitReturnsSubsets() throws {
        let ds = GeneratedShapes(count: 200, seed: 0)
        let s = try ds.split(train: 0.8, validation: 0.1, test: 0.1, seed: 7, stratified: true)
        #expect(s.train.count == 160 && s.validation.count == 20 && s.test.count == 20)
        for part in [s.train, s.validation, s.test] {
            let counts = (0..<10).map { c in part.labels().filter { $0 == c }.count }
            #expect(Set(counts).count == 1, "every class equally represented: \(counts)")
        }
        #expect(Set(s.train.indices).isDisjoint(with: s.validation.indices))
        #expect(Set(s.train.indices).isDisjoint(with: s.test.indices))
        let plain = try ds.split(train: 0.5, validation: 0.5, seed: 1)
        #expect(plain.test.count == 0)
        #expect(plain.train.count == 100)
    }

    @Test func stratifiedSplitNeedsClassTargets() {
        let ds = TensorDataset(inputs: Tensor.zeros([4, 2]), targets: Tensor.zeros([4, 1]))
        let e = DataTestFiles.descentError { _ = try ds.split(train: 0.5, validation: 0.5, seed: 0, stratified: true) }
        #expect(e?.reason == "a stratified split needs class targets, but sample 0 has a tensor target")
    }

    @Test func kFoldPartitionsTheIndices() throws {
        let folds = try Splits.kFold(count: 11, folds: 3)
        #expect(folds.map(\.validation) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]])
        #expect(folds[1].train == [0, 1, 2, 3, 8, 9, 10])
        let shuffled = try Splits.kFold(count: 11, folds: 3, seed: 4)
        #expect(shuffled.map(\.validation.count) == [4, 4, 3])
        #expect(shuffled.flatMap(\.validation).sorted() == Array(0..<11))
        for f in shuffled {
            #expect(Set(f.train).isDisjoint(with: f.validation))
            #expect(f.train.count + f.validation.count == 11)
        }
        #expect(try Splits.kFold(count: 11, folds: 3, seed: 4) == shuffled)
    }

    @Test func stratifiedKFoldBalancesClasses() throws {
        let labels = (0..<60).map { $0 < 30 ? 0 : ($0 < 50 ? 1 : 2) }  // 30, 20, 10
        let folds = try Splits.stratifiedKFold(labels: labels, folds: 5, seed: 3)
        #expect(folds.flatMap(\.validation).sorted() == Array(0..<60))
        for f in folds {
            #expect(f.validation.count == 12)
            #expect((0..<3).map { c in f.validation.filter { labels[$0] == c }.count } == [6, 4, 2])
        }
        let ds = GeneratedShapes(count: 50)
        let dsFolds = try ds.kFold(5, seed: 1, stratified: true)
        #expect(dsFolds.count == 5)
        #expect(dsFolds.allSatisfy { $0.validation.count == 10 && $0.train.count == 40 })
        #expect(dsFolds.allSatisfy { Set($0.validation.labels().compactMap { $0 }).count == 10 })
    }

    @Test func badFoldCountsAreErrors() {
        #expect(
            DataTestFiles.descentError { _ = try Splits.kFold(count: 10, folds: 1) }?.reason
                == "needs at least 2 folds, got 1")
        #expect(
            DataTestFiles.descentError { _ = try Splits.kFold(count: 3, folds: 4) }?.reason
                == "4 folds need at least 4 samples, the dataset has 3")
    }
}
