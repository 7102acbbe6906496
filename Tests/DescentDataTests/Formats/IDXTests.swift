import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct IDXTests {
    @Test func readsImagesAndLabels() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let pixels: [UInt8] = (0..<(3 * 2 * 4)).map { UInt8($0 * 10) }
        let images = try DataTestFiles.write(
            DataTestFiles.idx(shape: [3, 2, 4], bytes: pixels, type: 0x08), "images-idx3-ubyte", in: dir)
        let a = try IDXArray(contentsOf: images)
        #expect(a.shape == [3, 2, 4])
        #expect(a.elementType == .uint8)
        #expect(a.count == 24)
        #expect(a.floats(8..<12) == [80, 90, 100, 110])
        let t = a.tensor(dividedBy: 255)
        #expect(t.shape == [3, 2, 4])
        #expect(t[index: 2, 1, 3] == Float(230) / 255)

        let labels = try DataTestFiles.write(
            DataTestFiles.idx(shape: [3], bytes: [7, 0, 9], type: 0x08), "labels-idx1-ubyte", in: dir)
        #expect(try IDXArray(contentsOf: labels).integers() == [7, 0, 9])
    }

    @Test func writesFloatsIntoABuffer() throws {
        // Every byte value, divided by 255 as a sample's pixels are: the same floats as the array form.
        let a = try IDXArray(data: DataTestFiles.idx(shape: [256], bytes: (0...255).map { UInt8($0) }), path: "all")
        var out = [Float](repeating: -1, count: 256)
        out.withUnsafeMutableBufferPointer { a.floats(0..<256, dividedBy: 255, into: $0.baseAddress!) }
        #expect(out == (0...255).map { Float($0) / 255 })
        #expect(a.floats(0..<256, dividedBy: 255) == out)
        #expect(a.floats(3..<3).isEmpty)
        let i16 = try IDXArray(
            data: DataTestFiles.idx(shape: [2], bytes: [0xFF, 0xFE, 0x01, 0x2C], type: 0x0B), path: "i16")
        var two: [Float] = [0, 0]
        two.withUnsafeMutableBufferPointer { i16.floats(0..<2, dividedBy: 4, into: $0.baseAddress!) }
        #expect(two == [-0.5, 75])
    }

    @Test func readsGzipFilesTransparently() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let raw = DataTestFiles.idx(shape: [2, 3], bytes: [1, 2, 3, 4, 5, 6])
        let url = try DataTestFiles.write(Gzip.compress(raw), "x-idx2-ubyte.gz", in: dir)
        let a = try IDXArray(contentsOf: url)
        #expect(a.shape == [2, 3])
        #expect(a.tensor().scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func readsLargeUncompressedFilesThroughAMapping() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let n = 1500  // 1500 × 28 × 28 bytes > 1 MiB: memory-mapped
        let pixels = (0..<(n * 784)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let url = try DataTestFiles.write(
            DataTestFiles.idx(shape: [n, 28, 28], bytes: pixels), "big-idx3-ubyte", in: dir)
        let a = try IDXArray(contentsOf: url)
        #expect(a.shape == [n, 28, 28])
        let last = (n - 1) * 784
        #expect(
            a.floats(last..<(last + 3)) == [
                Float(UInt8(truncatingIfNeeded: last &* 7)), Float(UInt8(truncatingIfNeeded: (last + 1) &* 7)),
                Float(UInt8(truncatingIfNeeded: (last + 2) &* 7)),
            ])
    }

    @Test func convertsOtherElementTypes() throws {
        // i16 big-endian: -2, 300; f32 big-endian: 1.5, -0.25; i8: -1, 5; f64: 2.5.
        let i16 = try IDXArray(
            data: DataTestFiles.idx(shape: [2], bytes: [0xFF, 0xFE, 0x01, 0x2C], type: 0x0B), path: "i16")
        #expect(i16.tensor().scalars == [-2, 300])
        #expect(try i16.integers() == [-2, 300])
        let f32 = try IDXArray(
            data: DataTestFiles.idx(shape: [2], bytes: [0x3F, 0xC0, 0, 0, 0xBE, 0x80, 0, 0], type: 0x0D), path: "f32")
        #expect(f32.tensor().scalars == [1.5, -0.25])
        let i8 = try IDXArray(data: DataTestFiles.idx(shape: [2], bytes: [0xFF, 5], type: 0x09), path: "i8")
        #expect(i8.tensor().scalars == [-1, 5])
        let f64 = try IDXArray(
            data: DataTestFiles.idx(shape: [1], bytes: [0x40, 0x04, 0, 0, 0, 0, 0, 0], type: 0x0E), path: "f64")
        #expect(f64.tensor().scalars == [2.5])
        let i32 = try IDXArray(
            data: DataTestFiles.idx(shape: [1], bytes: [0xFF, 0xFF, 0xFF, 0xF6], type: 0x0C), path: "i32")
        #expect(try i32.integers() == [-10])
        let e = DataTestFiles.descentError { _ = try f32.integers() }
        #expect(e?.reason.contains("not an integer") == true)
    }

    @Test func badMagicIsAnError() {
        let e = DataTestFiles.descentError {
            _ = try IDXArray(data: Data([0x50, 0x4B, 3, 4, 0, 0, 0, 1, 9]), path: "zip.idx")
        }
        #expect(e?.location == "zip.idx")
        #expect(e?.reason.contains("bad IDX magic number 0x504b0304") == true)
    }

    @Test func unknownElementTypeIsAnError() {
        let e = DataTestFiles.descentError {
            _ = try IDXArray(data: DataTestFiles.idx(shape: [1], bytes: [0], type: 0x07), path: "t.idx")
        }
        #expect(e?.reason.contains("unknown IDX element type 0x07") == true)
    }

    @Test func zeroDimensionsIsAnError() {
        let e = DataTestFiles.descentError { _ = try IDXArray(data: Data([0, 0, 8, 0]), path: "z.idx") }
        #expect(e?.reason.contains("0 dimensions") == true)
    }

    @Test func truncatedHeaderIsAnError() {
        let e = DataTestFiles.descentError {
            _ = try IDXArray(data: Data([0, 0, 8, 3, 0, 0, 0, 2, 0, 0]), path: "h.idx")
        }
        #expect(e?.reason.contains("truncated") == true)
        #expect(e?.reason.contains("dimension 1") == true)
        #expect(
            DataTestFiles.descentError { _ = try IDXArray(data: Data([0, 0]), path: "m.idx") }?.reason.contains("magic")
                == true)
    }

    @Test func dataShorterThanTheShapeIsAnError() {
        let e = DataTestFiles.descentError {
            _ = try IDXArray(data: DataTestFiles.idx(shape: [2, 3], bytes: [1, 2, 3, 4, 5]), path: "short.idx")
        }
        #expect(
            e?.reason
                == "IDX header declares shape [2, 3] of uint8 (6 bytes of data), but the file has 5 bytes after the header"
        )
    }

    @Test func dataLongerThanTheShapeIsAnError() {
        let e = DataTestFiles.descentError {
            _ = try IDXArray(data: DataTestFiles.idx(shape: [2], bytes: [1, 2, 3]), path: "long.idx")
        }
        #expect(e?.reason.contains("3 bytes after the header") == true)
    }

    @Test func corruptGzipFileIsAnErrorNamingTheFile() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        var gz = Gzip.compress(DataTestFiles.idx(shape: [4], bytes: [1, 2, 3, 4]))
        gz = gz.prefix(gz.count - 5)
        let url = try DataTestFiles.write(gz, "labels-idx1-ubyte.gz", in: dir)
        let e = DataTestFiles.descentError { _ = try IDXArray(contentsOf: url) }
        #expect(e?.location == url.path)
        #expect(e?.reason.contains("truncated") == true)
    }

    @Test func missingFileIsAnError() {
        let e = DataTestFiles.descentError {
            _ = try IDXArray(contentsOf: URL(fileURLWithPath: "/nonexistent/train-images-idx3-ubyte"))
        }
        #expect(e?.description == "/nonexistent/train-images-idx3-ubyte: no such file")
    }
}
