import Descent
import DescentData
import Foundation
import Testing

@testable import DescentTrain

/// `data.folds` / `data.fold`: k-fold cross-validation of the training data. On a CSV of 60 rows whose feature is
/// the row number, the K validation folds are disjoint, cover the training part, each fold trains on the rest,
/// the folds are fixed by the seed, the test part is the one the plain `validation_fraction` split has (never
/// in a fold), and bad values name the key.
@Suite struct KFoldDataTests {
    /// A 60-row CSV (`id` = the row, `label` = row mod 3) and its config with `extra` added.
    static func config(_ extra: String) throws -> TrainingConfig {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kfold-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = (0..<60).map { "\($0),\($0 % 3)" }
        try Data((["id,label"] + rows).joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("d.csv"))
        let file = folder.appendingPathComponent("c.yaml")
        try Data(
            """
            data: {dataset: csv, path: d.csv, target: label, task: classification, normalize: none, \
            test_fraction: 0.25\(extra)}
            """.utf8
        ).write(to: file)
        return try TrainingConfig.load(contentsOf: file)
    }

    /// The row numbers of the samples of `dataset`.
    static func ids(_ dataset: AnyDataset) -> [Int] {
        (0..<dataset.count).map { Int(dataset.sample(at: $0).input.scalars[0]) }.sorted()
    }

    static func pipeline(_ extra: String, seed: UInt64 = 0) throws -> DataPipeline {
        let c = try config(extra)
        return try c.data.makePipeline(seed: seed, sources: c.sources)
    }

    @Test func foldsAreDisjointCoverTheTrainingPartAndNeverTheTest() throws {
        let plain = try Self.pipeline("")
        let test = Self.ids(plain.test)
        let training = (Self.ids(plain.train) + Self.ids(plain.validation)).sorted()
        #expect(test.count == 15 && training.count == 45)
        var held: [Int] = []
        for k in 1...5 {
            let p = try Self.pipeline(", folds: 5, fold: \(k)")
            #expect(Self.ids(p.test) == test, "fold \(k) has another test part")
            let validation = Self.ids(p.validation), train = Self.ids(p.train)
            #expect(validation.count == 9, "fold \(k): \(validation)")
            #expect(Set(validation).isDisjoint(with: train))
            #expect((validation + train).sorted() == training)
            #expect(Set(validation).isDisjoint(with: test) && Set(train).isDisjoint(with: test))
            held += validation
        }
        #expect(held.sorted() == training)  // each training sample is held out exactly once
        #expect(Set(held).count == held.count)
        // Stratified: each fold holds 3 of each class.
        let first = try Self.pipeline(", folds: 5, fold: 1")
        #expect([0, 1, 2].map { c in Self.ids(first.validation).filter { $0 % 3 == c }.count } == [3, 3, 3])
        // Fixed by the seed.
        #expect(
            Self.ids(try Self.pipeline(", folds: 5, fold: 2").validation)
                == Self.ids(try Self.pipeline(", folds: 5, fold: 2").validation))
        #expect(
            Self.ids(try Self.pipeline(", folds: 5, fold: 2", seed: 1).validation)
                != Self.ids(try Self.pipeline(", folds: 5, fold: 2").validation))
    }

    @Test(arguments: [
        (", folds: 5", "data.folds: needs data.fold, the validation fold (1 to 5)"),
        (", fold: 2", "data.fold: needs data.folds, the number of folds"),
        (", folds: 3, fold: 4", "data.fold: must be at most data.folds (3), got 4"),
        (", folds: 1, fold: 1", "data.folds: must be at least 2, got 1"),
    ])
    func badFoldsNameTheKey(extra: String, message: String) throws {
        let e = try #require(#expect(throws: DescentError.self) { try Self.config(extra) })
        #expect("\(e)".hasSuffix(message), "\(e)")
    }

    @Test func moreFoldsThanSamplesNameDataFolds() throws {
        let e = try #require(#expect(throws: DescentError.self) { try Self.pipeline(", folds: 50, fold: 1") })
        #expect(e.location.hasSuffix("data.folds"), "\(e)")
    }

    @Test func foldKeysRoundTripThroughTheWrittenConfig() throws {
        let c = try Self.config(", folds: 4, fold: 3")
        #expect(c.data.folds == 4 && c.data.fold == 3)
        #expect(c.yaml.contains("folds: 4") && c.yaml.contains("fold: 3"))
    }
}
