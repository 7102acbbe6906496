import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct CIFARBatchTests {
    /// A record: label byte(s), then R, G, B planes filled with `r`, `g`, `b` except pixel 0 of each plane = 1, 2, 3.
    static func record(labels: [UInt8], r: UInt8, g: UInt8, b: UInt8) -> [UInt8] {
        var out = labels
        for (k, v) in [r, g, b].enumerated() {
            var plane = [UInt8](repeating: v, count: 1024)
            plane[0] = UInt8(k + 1)
            out += plane
        }
        return out
    }

    @Test func readsCIFAR10Records() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let bytes = Self.record(labels: [3], r: 10, g: 20, b: 30) + Self.record(labels: [9], r: 255, g: 0, b: 128)
        let url = try DataTestFiles.write(Data(bytes), "data_batch_1.bin", in: dir)
        let batch = try CIFARBatch(contentsOf: url)
        #expect(batch.count == 2)
        #expect(batch.labels == [3, 9])
        #expect(batch.coarseLabels == nil)
        let img = batch.image(1)
        #expect(img.shape == [3, 32, 32])
        #expect(img[index: 0, 0, 0] == Float(1) / 255)
        #expect(img[index: 0, 5, 7] == 1)
        #expect(img[index: 1, 31, 31] == 0)
        #expect(img[index: 2, 0, 1] == Float(128) / 255)
        #expect(batch.pixels(0)[1024 + 1] == 20)
        // Gzip-compressed batch.
        let gz = try DataTestFiles.write(Gzip.compress(Data(bytes)), "data_batch_2.bin.gz", in: dir)
        #expect(try CIFARBatch(contentsOf: gz).labels == [3, 9])
    }

    @Test func readsCIFAR100Records() throws {
        let bytes = Self.record(labels: [19, 99], r: 1, g: 2, b: 3) + Self.record(labels: [4, 30], r: 0, g: 0, b: 0)
        let batch = try CIFARBatch(data: Data(bytes), path: "train.bin", variant: .cifar100)
        #expect(batch.labels == [99, 30])
        #expect(batch.coarseLabels == [19, 4])
        #expect(batch.image(0, dividedBy: 1)[index: 2, 1, 0] == 3)
    }

    @Test func sizeThatIsNotWholeRecordsIsAnError() {
        let bytes = Self.record(labels: [1], r: 0, g: 0, b: 0) + [1, 2, 3]
        let e = DataTestFiles.descentError { _ = try CIFARBatch(data: Data(bytes), path: "cut.bin") }
        #expect(e?.location == "cut.bin")
        #expect(e?.reason.contains("3076 bytes is not a whole number of 3073-byte CIFAR records") == true)
    }

    @Test func emptyFileIsAnError() {
        #expect(
            DataTestFiles.descentError { _ = try CIFARBatch(data: Data(), path: "empty.bin") }?.reason
                == "empty CIFAR batch file")
    }

    @Test func labelOutOfRangeIsAnError() {
        let ten = DataTestFiles.descentError {
            _ = try CIFARBatch(data: Data(Self.record(labels: [10], r: 0, g: 0, b: 0)), path: "l.bin")
        }
        #expect(ten?.reason == "record 0: label 10 is not a CIFAR-10 class (0...9)")
        let coarse = DataTestFiles.descentError {
            _ = try CIFARBatch(
                data: Data(Self.record(labels: [20, 1], r: 0, g: 0, b: 0)), path: "c.bin", variant: .cifar100)
        }
        #expect(coarse?.reason.contains("coarse label 20") == true)
        let fine = DataTestFiles.descentError {
            _ = try CIFARBatch(
                data: Data(Self.record(labels: [2, 100], r: 0, g: 0, b: 0)), path: "f.bin", variant: .cifar100)
        }
        #expect(fine?.reason.contains("fine label 100") == true)
    }

    @Test func cifar10FileReadAsCIFAR100IsAnError() {
        // Two CIFAR-10 records (6146 bytes) are not a whole number of 3074-byte CIFAR-100 records.
        let bytes = Self.record(labels: [1], r: 0, g: 0, b: 0) + Self.record(labels: [2], r: 0, g: 0, b: 0)
        #expect(
            DataTestFiles.descentError { _ = try CIFARBatch(data: Data(bytes), path: "x.bin", variant: .cifar100) }
                != nil)
    }
}
