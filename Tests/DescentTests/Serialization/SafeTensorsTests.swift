import Foundation
import Testing

@testable import Descent

/// The expected contents of `Fixtures/torch_written.safetensors` (written by `safetensors.torch.save_file` in
/// `Tests/Fixtures/generate_losses.py`): metadata and the tensors in data order, values as Double.
private struct TorchWritten: Decodable {
    struct Entry: Decodable {
        let name: String
        let dtype: String
        let shape: [Int]
        let data: [Double]
    }
    let metadata: [String: String]
    let tensors: [Entry]
}

/// The tensors that `descentWrittenFileForPython` writes and `Tests/Fixtures/check_descent_written.py` expects.
private func descentWrittenEntries() -> [SafeTensors.Entry] {
    [
        ("linear.weight", Tensor((0..<6).map { (Float($0) - 2.5) * 0.25 }, shape: [2, 3]), .float32),
        ("conv.weight", Tensor((0..<8).map { Float($0) / 8 - 0.5 }, shape: [2, 1, 2, 2]), .float32),
        ("bn.num_batches_tracked", Tensor(42), .int64),
        ("steps", Tensor([-5, 0, 16_777_216]), .int64),
        ("empty", Tensor([], shape: [0, 4]), .float32),
        ("special", Tensor([.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude]), .float32),
    ]
}

/// The metadata written with ``descentWrittenEntries()``: plain, and with characters JSON must escape.
private let descentWrittenMetadata = ["producer": "descent", "note": "quote \" backslash \\ tab \t üñí"]

/// A safetensors byte string: the 8-byte little-endian length of `header`, `header`, then `data`.
private func safetensorsBytes(_ header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> Data {
    let h = Array(header.utf8)
    var out = Data()
    withUnsafeBytes(of: (headerLength ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: h)
    out.append(contentsOf: data)
    return out
}

/// Expects reading `bytes` to throw a `.file` error at `location` whose reason contains `reason`.
private func expectReadError(_ bytes: Data, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let entries = try SafeTensors.read(from: bytes, location: "bad.safetensors")
        Issue.record(
            "read \(entries.count) tensors instead of failing with '\(reason)'", sourceLocation: sourceLocation)
    } catch let error as DescentError {
        #expect(error.kind == .file, sourceLocation: sourceLocation)
        #expect(error.location == "bad.safetensors", sourceLocation: sourceLocation)
        #expect(
            error.reason.contains(reason), "reason '\(error.reason)' lacks '\(reason)'", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// A fresh temporary directory, removed by the caller.
private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("descent-safetensors-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct SafeTensorsTests {
    // MARK: Round trips and interoperability

    @Test func roundTripIsBitwise() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        var entries = descentWrittenEntries()
        entries.append(("features.0.weight", RandomGenerator(seed: 5).normal([3, 2, 3, 3]), .float32))
        entries.append(("scalar", Tensor(-1.5), .float32))
        try SafeTensors.write(entries, metadata: descentWrittenMetadata, to: url)
        let contents = try SafeTensors.readContents(from: url)
        #expect(contents.metadata == descentWrittenMetadata)
        #expect(contents.entries.map(\.name) == entries.map(\.name), "data order is the written order")
        for (read, written) in zip(contents.entries, entries) {
            #expect(read.dtype == written.dtype, "\(written.name)")
            #expect(read.tensor.isBitwiseEqual(written.tensor), "\(written.name): \(read.tensor) vs \(written.tensor)")
        }
        // No temporary file is left beside the result.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
    }

    @Test func headerIsPaddedWithSpacesToEightBytes() throws {
        for name in ["a", "ab", "abc", "abcd", "layer.weight"] {
            let data = try SafeTensors.encode([(name, Tensor([1, 2, 3]), .float32)])
            let n = Int(data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
            #expect(n % 8 == 0)
            #expect(data.count == 8 + n + 12)
            let header = String(decoding: data[8..<(8 + n)], as: UTF8.self)
            #expect(header.hasPrefix("{") && header.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
            #expect(try SafeTensors.read(from: data)[0].tensor.scalars == [1, 2, 3])
        }
    }

    @Test func readsTorchWrittenFile() throws {
        let url = try #require(
            Bundle.module.url(
                forResource: "torch_written", withExtension: "safetensors",
                subdirectory: "Fixtures"))
        let expected: TorchWritten = try loadFixture("torch_written.json")
        let contents = try SafeTensors.readContents(from: url)
        #expect(contents.metadata == expected.metadata)
        #expect(contents.entries.map(\.name) == expected.tensors.map(\.name))
        #expect(Set(contents.entries.map(\.dtype.rawValue)) == ["F32", "I64", "F16", "BF16", "F64", "I32", "U8"])
        for (read, e) in zip(contents.entries, expected.tensors) {
            #expect(read.dtype.rawValue == e.dtype, "\(e.name)")
            #expect(read.tensor.shape == e.shape, "\(e.name)")
            // Every value is exact: F16, BF16, I32, U8 and the I64 values shown are floats; F64 rounds as Float(_:).
            #expect(read.tensor.scalars == e.data.map { Float($0) }, "\(e.name)")
        }
        let counter = try #require(contents.entries.first { $0.name == "bn.num_batches_tracked" })
        #expect(counter.dtype == .int64 && counter.tensor.shape == [] && counter.tensor.item == 7)
        let conv = try #require(contents.entries.first { $0.name == "conv.weight" })
        #expect(conv.dtype == .float32 && conv.tensor.shape == [2, 3, 2, 2])
    }

    /// Writes the file that `Tests/Fixtures/check_descent_written.py` verifies with `safetensors.torch.load_file`:
    /// to `$DESCENT_SAFETENSORS_OUT` when set (and kept), else to a temporary directory.
    @Test func descentWrittenFileForPython() throws {
        let target = ProcessInfo.processInfo.environment["DESCENT_SAFETENSORS_OUT"]
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = target.map { URL(fileURLWithPath: $0) } ?? dir.appendingPathComponent("descent_written.safetensors")
        try SafeTensors.write(descentWrittenEntries(), metadata: descentWrittenMetadata, to: url)
        let back = try SafeTensors.read(from: url)
        #expect(back.count == descentWrittenEntries().count)
    }

    @Test func halfPrecisionConversionIsExact() {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3c00, 1), (0xc000, -2), (0x7bff, 65504), (0x0400, 0x1p-14),
            (0x0001, 0x1p-24), (0x03ff, 0x1.ff8p-15), (0x7c00, .infinity), (0xfc00, -.infinity), (0x3555, 0x1.554p-2),
        ]
        for (bits, value) in cases {
            let f = SafeTensors.DType.floatFromHalf(bits)
            #expect(f == value && f.sign == value.sign, "half 0x\(String(bits, radix: 16)) → \(f), expected \(value)")
        }
        #expect(SafeTensors.DType.floatFromHalf(0x7e00).isNaN)
    }

    @Test func writesOverAnExistingFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.safetensors")
        try SafeTensors.write([("a", Tensor([1]), .float32)], to: url)
        try SafeTensors.write([("b", Tensor([2, 3]), .float32)], to: url)
        let back = try SafeTensors.read(from: url)
        #expect(back.map(\.name) == ["b"] && back[0].tensor.scalars == [2, 3])
    }

    // MARK: Errors when writing

    @Test func writeErrors() throws {
        func expectWriteError(
            _ entries: [SafeTensors.Entry], _ reason: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(sourceLocation: sourceLocation) { try SafeTensors.encode(entries) } throws: { error in
                guard let e = error as? DescentError else { return false }
                return e.kind == .file && e.reason.contains(reason)
            }
        }
        expectWriteError([("n", Tensor([2.5]), .int64)], "element 0 (2.5) is not a whole number")
        expectWriteError([("n", Tensor([.nan]), .int64)], "not a whole number")
        expectWriteError([("a", Tensor([1]), .float32), ("a", Tensor([2]), .float32)], "tensor 'a' appears twice")
        expectWriteError([("__metadata__", Tensor([1]), .float32)], "reserved")
        expectWriteError([("h", Tensor([1]), .float16)], "writing dtype F16 is not supported")

        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("no/such/dir/w.safetensors")
        #expect { try SafeTensors.write([("a", Tensor([1]), .float32)], to: missing) } throws: { error in
            guard let e = error as? DescentError else { return false }
            return e.kind == .file && e.location == missing.path && e.reason.contains("cannot create temporary file")
        }
        // A failed write of the first entry reports the destination, not an in-memory location.
        let url = dir.appendingPathComponent("x.safetensors")
        #expect { try SafeTensors.write([("n", Tensor([0.5]), .int64)], to: url) } throws: { error in
            (error as? DescentError)?.location == url.path
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    // MARK: Errors when reading: one test per malformed file

    @Test func missingFile() {
        let path = "/nonexistent/descent/model.safetensors"
        #expect { try SafeTensors.read(from: URL(fileURLWithPath: path)) } throws: { error in
            guard let e = error as? DescentError else { return false }
            return e.kind == .file && e.location == path && e.reason.hasPrefix("cannot open")
        }
    }

    @Test func directoryIsNotAFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect { try SafeTensors.read(from: dir) } throws: { error in
            (error as? DescentError).map { $0.kind == .file && $0.reason == "not a regular file" } ?? false
        }
    }

    @Test func fileShorterThanTheLengthField() {
        expectReadError(Data([1, 0, 0]), "file is 3 bytes, too short for the 8-byte header length")
    }

    @Test func headerLengthBeyondFileSize() {
        expectReadError(safetensorsBytes("{}", headerLength: 100), "header length 100 exceeds the 2 bytes that follow")
    }

    @Test func headerLengthAboveTheLimit() {
        expectReadError(safetensorsBytes("{}", headerLength: UInt64.max), "exceeds the limit")
    }

    @Test func truncatedData() {
        let header = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        expectReadError(
            safetensorsBytes(header, data: Array(repeating: 0, count: 10)),
            "tensor 'w': data_offsets [0, 16] reach beyond the data section (10 bytes)")
    }

    @Test func malformedJSON() {
        expectReadError(safetensorsBytes(#"{"w":{"dtype":"F32","shape":[1],"#), "header is not valid JSON")
    }

    @Test func headerNotAnObject() {
        expectReadError(safetensorsBytes("[1, 2]"), "header does not start with '{'")
    }

    @Test func headerNotUTF8() {
        var bytes = safetensorsBytes("{\"x\":1}")
        bytes[10] = 0xff
        expectReadError(bytes, "header is not valid UTF-8")
    }

    @Test func entryNotAnObject() {
        expectReadError(safetensorsBytes(#"{"w":[1,2]}"#), "tensor 'w': entry is not a JSON object")
    }

    @Test func unknownDType() {
        let header = #"{"w":{"dtype":"F9","shape":[1],"data_offsets":[0,4]}}"#
        expectReadError(safetensorsBytes(header, data: [0, 0, 0, 0]), "tensor 'w': unsupported dtype 'F9'")
    }

    @Test func missingDType() {
        let header = #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#
        expectReadError(safetensorsBytes(header, data: [0, 0, 0, 0]), "tensor 'w': missing or non-string 'dtype'")
    }

    @Test func invalidShape() {
        let header = #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#
        expectReadError(safetensorsBytes(header, data: [0, 0, 0, 0]), "'shape' is not a list of non-negative integers")
        let fractional = #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#
        expectReadError(
            safetensorsBytes(fractional, data: [0, 0, 0, 0]), "'shape' is not a list of non-negative integers")
    }

    @Test func invalidOffsets() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#
        expectReadError(
            safetensorsBytes(header, data: [0, 0, 0, 0]), "'data_offsets' is not a pair of non-negative integers")
    }

    @Test func offsetsOutOfRange() {
        let header =
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        expectReadError(
            safetensorsBytes(header, data: Array(repeating: 0, count: 8)),
            "tensor 'b': data_offsets [8, 12] reach beyond the data section (8 bytes)")
    }

    @Test func offsetsNotMatchingShape() {
        let header = #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#
        expectReadError(
            safetensorsBytes(header, data: Array(repeating: 0, count: 20)),
            "tensor 'w': data_offsets [0, 20] span 20 bytes, but shape [2, 3] of F32 needs 24")
        let int64 = #"{"n":{"dtype":"I64","shape":[],"data_offsets":[0,4]}}"#
        expectReadError(safetensorsBytes(int64, data: [0, 0, 0, 0]), "span 4 bytes, but shape [] of I64 needs 8")
    }

    @Test func shapeOverflow() {
        let header = #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#
        expectReadError(safetensorsBytes(header, data: [0, 0, 0, 0]), "needs more than")
    }

    @Test func reversedOffsets() {
        let header = #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#
        expectReadError(safetensorsBytes(header, data: [0, 0, 0, 0]), "tensor 'w': data_offsets [4, 0] are reversed")
    }

    @Test func overlappingOffsets() {
        let header =
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        expectReadError(
            safetensorsBytes(header, data: Array(repeating: 0, count: 12)),
            "tensor 'b' (data_offsets [4, 12]) overlaps tensor 'a', which ends at 8")
    }

    @Test func gapBetweenTensors() {
        let header =
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        expectReadError(
            safetensorsBytes(header, data: Array(repeating: 0, count: 12)),
            "4 unused bytes before tensor 'b' at data offset 4")
    }

    @Test func trailingBytesAfterTheTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        expectReadError(
            safetensorsBytes(header, data: Array(repeating: 0, count: 6)),
            "the data section has 6 bytes, but the tensors cover 4")
    }

    @Test func invalidMetadata() {
        expectReadError(
            safetensorsBytes(#"{"__metadata__":{"epoch":3}}"#), "__metadata__ value of 'epoch' is not a string")
        expectReadError(safetensorsBytes(#"{"__metadata__":[1]}"#), "__metadata__ is not a JSON object")
    }

    /// Hand-built files of every readable dtype decode little-endian bytes at any alignment.
    @Test func decodesEveryDTypeFromHandBuiltBytes() throws {
        let header = """
            {"u":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"i":{"dtype":"I32","shape":[1],"data_offsets":[3,7]},\
            "b":{"dtype":"BF16","shape":[1],"data_offsets":[7,9]},"h":{"dtype":"F16","shape":[1],"data_offsets":[9,11]},\
            "d":{"dtype":"F64","shape":[1],"data_offsets":[11,19]},"l":{"dtype":"I64","shape":[1],"data_offsets":[19,27]},\
            "f":{"dtype":"F32","shape":[1],"data_offsets":[27,31]}}
            """
        var data: [UInt8] = [0, 7, 255]
        data += [0xfe, 0xff, 0xff, 0xff]  // I32 −2
        data += [0x40, 0xc0]  // BF16 0xc040 = −3
        data += [0x00, 0x3e]  // F16 0x3e00 = 1.5
        data += withUnsafeBytes(of: (0.1 as Double).bitPattern.littleEndian, Array.init)
        data += withUnsafeBytes(of: Int64(-9).littleEndian, Array.init)
        data += withUnsafeBytes(of: (2.75 as Float).bitPattern.littleEndian, Array.init)
        let entries = try SafeTensors.read(from: safetensorsBytes(header, data: data))
        #expect(entries.map(\.name) == ["u", "i", "b", "h", "d", "l", "f"])
        #expect(
            entries.map(\.tensor.scalars) == [[0, 7, 255], [-2], [-3], [1.5], [Float(0.1 as Double)], [-9], [2.75]])
    }
}
