import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// The built-in datasets on the real files of the shared data folder (`$DESCENT_DATA`, in CI `../shared/data`
/// beside the checkout), with the counts its README publishes. Skipped, with a printed reason, when the folder is
/// not available.
@Suite struct SharedDataTests {
    static func perClass(_ labels: [Int]) -> [Int] {
        var counts = [Int](repeating: 0, count: 10)
        for l in labels { counts[l] += 1 }
        return counts
    }

    @Test func mnistHasThePublishedCountsAndChecksums() throws {
        guard let root = DataTestFiles.sharedData("MNIST") else { return }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("mnist").path) else {
            print("skipped MNIST: no mnist/ folder under DESCENT_DATA")
            return
        }
        let train = try MNIST(split: .train)  // checks the SHA-256 of both files
        let test = try MNIST(split: .test, directory: root)
        #expect(train.count == 60_000)
        #expect(test.count == 10_000)
        #expect(Self.perClass(train.labels) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(Self.perClass(test.labels) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        let total = test.data.images.withUnsafeElementBytes { raw in raw.reduce(0) { $0 + Int($1) } }
        #expect(abs(Double(total) / Double(test.count * 784) - 33.7912) < 1e-4)
        // The first training sample: a 5 whose 784 pixel bytes hash (SHA-256, by Python) to 23ceaef5….
        let first = train.sample(at: 0)
        #expect(first.target == .classIndex(5))
        let bytes = first.input.scalars.map { UInt8(($0 * 255).rounded()) }
        #expect(bytes.reduce(0) { $0 + Int($1) } == 27_525)
        #expect(SHA256.hexDigest(Data(bytes)) == "23ceaef5eb61f0e70d64ac18fdf0f60df3d5971cf30bbadac7b6ebf07f782d2c")
        let batch = try DataLoader(train, batchSize: 64, shuffle: true, seed: 0).batch(0, epoch: 0)
        #expect(batch.inputs.shape == [64, 1, 28, 28])
        #expect(batch.inputs.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(batch.labels == batch.indices.map { train.labels[$0] })
    }

    @Test func sklearnDigitsHasThePublishedCounts() throws {
        guard let root = DataTestFiles.sharedData("SklearnDigits") else { return }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("sklearn-digits").path) else {
            print("skipped SklearnDigits: no sklearn-digits/ folder under DESCENT_DATA")
            return
        }
        let digits = try SklearnDigits()
        #expect(digits.count == 1797)
        #expect(Self.perClass(digits.labels) == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        let x = digits.sample(at: 0).input
        #expect(x.shape == [64])
        #expect(digits.sample(at: 0).target == .classIndex(0))
        // First row of digits.csv: pixel counts 0…16, scaled by 1/16.
        #expect(x.scalars.prefix(8).map { Int(($0 * 16).rounded()) } == [0, 0, 5, 13, 9, 1, 0, 0])
        #expect(x.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let splits = try digits.split(train: 0.8, validation: 0.2, seed: 0, stratified: true)
        #expect(splits.train.count + splits.validation.count == 1797)
    }

    @Test func freeSpokenDigitsHasThePublishedSplit() throws {
        guard let root = DataTestFiles.sharedData("FreeSpokenDigits") else { return }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("free-spoken-digit/recordings").path)
        else {
            print("skipped FreeSpokenDigits: no free-spoken-digit/recordings/ folder under DESCENT_DATA")
            return
        }
        let train = try FreeSpokenDigits(split: .train)  // checks all 3,000 files against the published listing
        let test = try FreeSpokenDigits(split: .test, verify: false)
        #expect(train.count == 2700)
        #expect(test.count == 300)
        #expect(Self.perClass(train.recordings.map(\.digit)) == Array(repeating: 270, count: 10))
        #expect(Self.perClass(test.recordings.map(\.digit)) == Array(repeating: 30, count: 10))
        #expect(Set(test.recordings.map(\.speaker)) == Set(FreeSpokenDigits.speakers))
        let lengths = (0..<test.count).map { test.sample(at: $0).input.shape[1] }
        // Shortest and longest test recordings, by Python's `wave`: 6_yweweler_3.wav and 5_lucas_1.wav.
        #expect(lengths.min() == 1148)
        #expect(lengths.max() == 9178)
        let batch = try DataLoader(test, batchSize: 8, collation: .pad).batch(0, epoch: 0)
        #expect(batch.inputs.shape[0] == 8 && batch.inputs.shape[1] == 1)
    }
}
