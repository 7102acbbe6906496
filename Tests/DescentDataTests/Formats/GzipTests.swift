import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct GzipTests {
    /// `gzip.compress(b"hello, gzip\n", mtime=0)` from Python.
    static let pythonHello: [UInt8] = [
        31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 203, 72, 205, 201, 201, 215, 81, 72, 175, 202, 44,
        224, 2, 0, 134, 31, 130, 164, 12, 0, 0, 0,
    ]

    @Test func decompressesWhatPythonWrote() throws {
        let out = try Gzip.decompress(Data(Self.pythonHello))
        #expect(String(decoding: out, as: UTF8.self) == "hello, gzip\n")
    }

    @Test func roundTripsLargeData() throws {
        var bytes = [UInt8](repeating: 0, count: 3_000_000)
        var x: UInt32 = 12345
        for i in bytes.indices {
            x = x &* 1_103_515_245 &+ 12345
            bytes[i] = i % 3 == 0 ? UInt8(truncatingIfNeeded: x >> 16) : UInt8(i % 7)
        }
        let data = Data(bytes)
        let packed = Gzip.compress(data)
        #expect(packed.count < data.count)
        #expect(Gzip.isGzip(packed))
        #expect(try Gzip.decompress(packed) == data)
        #expect(try Gzip.decompress(Gzip.compress(Data())) == Data())
    }

    @Test func readsEveryMemberOfAMultiMemberFile() throws {
        let joined =
            Gzip.compress(Data("first ".utf8)) + Data(Self.pythonHello) + Gzip.compress(Data("third".utf8), level: 1)
        #expect(String(decoding: try Gzip.decompress(joined), as: UTF8.self) == "first hello, gzip\nthird")
    }

    @Test func ignoresZeroPaddingAfterTheLastMember() throws {
        let padded = Data(Self.pythonHello) + Data(repeating: 0, count: 100)
        #expect(String(decoding: try Gzip.decompress(padded), as: UTF8.self) == "hello, gzip\n")
    }

    @Test func rejectsDataThatIsNotGzip() {
        let e = DataTestFiles.descentError { _ = try Gzip.decompress(Data("plain text".utf8), name: "notes.txt.gz") }
        #expect(e?.location == "notes.txt.gz")
        #expect(e?.reason.contains("not gzip") == true)
        #expect(DataTestFiles.descentError { _ = try Gzip.decompress(Data()) } != nil)
    }

    @Test func rejectsTruncatedData() {
        let e = DataTestFiles.descentError {
            _ = try Gzip.decompress(Data(Self.pythonHello.prefix(20)), name: "cut.gz")
        }
        #expect(e?.reason.contains("truncated") == true)
        // Cut inside the header.
        #expect(
            DataTestFiles.descentError { _ = try Gzip.decompress(Data(Self.pythonHello.prefix(5))) }?.reason.contains(
                "truncated") == true)
    }

    @Test func rejectsACorruptChecksum() {
        var bad = Self.pythonHello
        bad[bad.count - 6] ^= 0xFF  // inside the CRC-32
        let e = DataTestFiles.descentError { _ = try Gzip.decompress(Data(bad), name: "crc.gz") }
        #expect(e?.reason.contains("corrupt") == true)
        #expect(e?.reason.contains("check") == true)  // zlib: "incorrect data check"
    }

    @Test func rejectsACorruptDeflateStream() {
        var bad = Self.pythonHello
        bad[10] = 0xFF  // block type 3 is invalid
        let e = DataTestFiles.descentError { _ = try Gzip.decompress(Data(bad), name: "bad.gz") }
        #expect(e?.location == "bad.gz")
        #expect(e?.reason.contains("corrupt gzip data") == true)
    }

    @Test func rejectsTrailingGarbage() {
        let e = DataTestFiles.descentError {
            _ = try Gzip.decompress(Data(Self.pythonHello) + Data("junk".utf8), name: "tail.gz")
        }
        #expect(e?.reason.contains("trailing data") == true)
    }

    @Test func fileBytesDecompressesGzFilesAndMapsLargeOnes() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let plain = Data((0..<(FileBytes.mappingThreshold + 10)).map { UInt8($0 % 251) })
        let big = try DataTestFiles.write(plain, "big.bin", in: dir)
        let gz = try DataTestFiles.write(Gzip.compress(plain), "big.bin.gz", in: dir)
        #expect(try FileBytes.read(big) == plain)
        #expect(try FileBytes.read(gz) == plain)
        let missing = DataTestFiles.descentError { _ = try FileBytes.read(dir.appendingPathComponent("nope.idx")) }
        #expect(missing?.reason == "no such file")
        #expect(DataTestFiles.descentError { _ = try FileBytes.read(dir) }?.reason.contains("directory") == true)
    }
}
