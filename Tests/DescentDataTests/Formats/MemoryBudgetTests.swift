import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct MemoryBudgetTests {
    @Test func parsesSizesInPowersOf1024() {
        #expect(MemoryBudget.parse("123") == 123)
        #expect(MemoryBudget.parse("512K") == 512 * 1024)
        #expect(MemoryBudget.parse("64m") == 64 << 20)
        #expect(MemoryBudget.parse("1.5G") == 3 << 29)
        #expect(MemoryBudget.parse("-1") == nil)
        #expect(MemoryBudget.parse("lots") == nil)
    }

    @Test func systemBudgetIsPositiveAndAtMostPhysicalMemory() {
        let (bytes, source) = MemoryBudget.available()
        #expect(bytes > 0)
        #expect(bytes <= Int(clamping: ProcessInfo.processInfo.physicalMemory))
        #expect(!source.isEmpty)
    }

    @Test func readersRefuseDataBeyondTheBudgetWithTheSizeNeeded() throws {
        let npy =
            Data([0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0])
            + Data(
                ("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 4), }".padding(
                    toLength: 117, withPad: " ", startingAt: 0) + "\n").utf8)
            + Data(repeating: 0, count: 160)
        #expect(try NPYArray(data: npy, path: "a.npy").shape == [10, 4])
        #expect(throws: DescentError.self) {
            try MemoryBudget.$limit.withValue(159) { try NPYArray(data: npy, path: "a.npy") }
        }
        #expect(try MemoryBudget.$limit.withValue(160) { try NPYArray(data: npy, path: "a.npy") }.shape == [10, 4])
        let cifar = Data(repeating: 1, count: 2 * 3073)
        do {
            _ = try MemoryBudget.$limit.withValue(1000) { try CIFARBatch(data: cifar, path: "b.bin") }
            Issue.record("a CIFAR batch over the budget was read")
        } catch let error as DescentError {
            #expect(
                error.description
                    == "b.bin: does not fit in memory: its 2×3×32×32 values need 24.6 KB as float32, 1.0 KB available "
                    + "(the limit set); the whole file is converted when read: split it, or use a machine with more memory"
            )
        }
    }

    @Test func describesSizesInPowersOf1000() {
        #expect(MemoryBudget.describe(999) == "999 B")
        #expect(MemoryBudget.describe(24_576) == "24.6 KB")
        #expect(MemoryBudget.describe(188_160_000) == "188.2 MB")
        #expect(MemoryBudget.describe(9_630_000_000) == "9.63 GB")
    }
}
