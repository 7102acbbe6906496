import Descent
import DescentData
import Foundation
import SwiftProtobuf
import Testing

@testable import DescentONNX
@testable import DescentTrain

/// The malformed-input table (issue 16): distinct broken files and configurations, each refused with one
/// line (a thrown ``DescentError``, never a trap) whose exact text is asserted here. `docs/errors.md` is this
/// table rendered as Markdown: ``MalformedInputTests/documentMatchesTheTable()`` fails when it is stale, and
/// `DESCENT_WRITE_ERRORS_DOC=1 swift test --filter MalformedInputTests` rewrites it.
@Suite(.serialized) struct MalformedInputTests {
    /// One row: the format, what is wrong with the input, how to get the error, and the line expected.
    struct Case: Sendable, CustomTestStringConvertible {
        let format: String
        let input: String
        let message: String
        let error: @Sendable () throws -> Void

        init(_ format: String, _ input: String, _ message: String, _ error: @escaping @Sendable () throws -> Void) {
            (self.format, self.input, self.message, self.error) = (format, input, message, error)
        }

        var testDescription: String { "\(format): \(input)" }
    }

    // MARK: Inputs

    /// Bytes from a list of values (each 0...255).
    static func bytes(_ values: [Int]) -> Data { Data(values.map { UInt8($0) }) }
    /// `value` as 4 big-endian bytes.
    static func be32(_ value: UInt32) -> [Int] { [24, 16, 8, 0].map { Int((value >> UInt32($0)) & 0xFF) } }
    /// `value` as little-endian bytes.
    static func le(_ value: UInt64, _ count: Int) -> [Int] { (0..<count).map { Int((value >> UInt64(8 * $0)) & 0xFF) } }

    /// A 2×3 u8 IDX file.
    static let idx = bytes([0, 0, 8, 2] + be32(2) + be32(3) + [1, 2, 3, 4, 5, 6])
    /// `gzip.compress(b"hello, gzip\n", mtime=0)` from Python.
    static let gzip = bytes([
        31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 203, 72, 205, 201, 201, 215, 81, 72, 175, 202, 44,
        224, 2, 0, 134, 31, 130, 164, 12, 0, 0, 0,
    ])
    /// `gzip` with the byte at `index` replaced by `value`.
    static func gzip(_ index: Int, _ value: UInt8) -> Data {
        var d = gzip
        d[index] = value
        return d
    }

    /// An NPY v1.0 file with header dictionary `dict` and `payload` bytes.
    static func npy(_ dict: String, payload: Int) -> Data {
        var header = Array(dict.utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(32) }
        header.append(10)
        return Data([0x93] + Array("NUMPY".utf8) + [1, 0]) + bytes(le(UInt64(header.count), 2)) + Data(header)
            + Data(repeating: 0, count: payload)
    }

    /// A WAV file: RIFF/WAVE, a `fmt ` chunk (tag, channels, rate, bits) and a `data` chunk whose header says
    /// `declared` bytes but holds `actual`.
    static func wav(tag: Int = 1, channels: Int = 1, bits: Int = 16, declared: Int = 8, actual: Int = 8) -> Data {
        let block = channels * bits / 8
        var b = Array("WAVE".utf8).map(Int.init)
        b += Array("fmt ".utf8).map(Int.init) + le(16, 4) + le(UInt64(tag), 2) + le(UInt64(channels), 2)
        b += le(8000, 4) + le(UInt64(8000 * block), 4) + le(UInt64(block), 2) + le(UInt64(bits), 2)
        b += Array("data".utf8).map(Int.init) + le(UInt64(declared), 4) + [Int](repeating: 0, count: actual)
        return Data("RIFF".utf8) + bytes(le(UInt64(b.count), 4)) + bytes(b)
    }

    /// A safetensors file with header `json` and `data` bytes after it.
    static func safetensors(_ json: String, data: Int = 8) -> Data {
        bytes(le(UInt64(json.utf8.count), 8)) + Data(json.utf8) + Data(repeating: 0, count: data)
    }

    /// The CSV `text` parsed as a table named `t.csv` (class indices in the last column).
    static func csv(_ text: String, label: CSVLabel = .classIndex(-1)) throws {
        _ = try CSVTable(data: Data(text.utf8), path: "t.csv", label: label, header: .auto)
    }

    /// A folder with `d.csv` holding `rows` and the configuration `c.yaml` (`data:` entries `data`, plus
    /// `rest`), built up to its setup and trained for up to 2 steps; the folder's path in a message is `DIR`.
    static func csvJob(_ rows: String, data: String, rest: String = "") throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("malformed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(rows.utf8).write(to: folder.appendingPathComponent("d.csv"))
        let file = folder.appendingPathComponent("c.yaml")
        try Data(
            ("data: {dataset: csv, path: d.csv, target: label, task: classification, \(data)}\n" + rest).utf8
        ).write(to: file)
        do {
            let setup = try TrainingConfig.load(contentsOf: file).makeSetup()
            _ = try setup.makeTrainer().fit(setup.train, epochs: 1, maxSteps: 2)
        } catch let e as DescentError {
            func clean(_ s: String) -> String {
                s.replacingOccurrences(of: folder.standardizedFileURL.path, with: "DIR")
                    .replacingOccurrences(of: folder.path, with: "DIR")
            }
            throw DescentError(e.kind, clean(e.location), clean(e.reason))
        }
    }

    /// `members` written with `TarWriter` as the one shard `s.tar` of a temporary folder, its bytes then changed by
    /// `damage`, and read as ``ImageShards``; the folder's path in a message is `DIR`.
    static func shard(_ members: [(String, String)], damage: (inout Data) -> Void = { _ in }) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("malformed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        if !members.isEmpty {
            let url = folder.appendingPathComponent("s.tar")
            let tar = try TarWriter(creating: url)
            for (name, text) in members { try tar.add(name, Data(text.utf8)) }
            try tar.finish()
            var bytes = try Data(contentsOf: url)
            damage(&bytes)
            try bytes.write(to: url)
        }
        do {
            _ = try ImageShards(folder: folder)
        } catch let e as DescentError {
            throw DescentError(
                e.kind, e.location.replacingOccurrences(of: folder.path, with: "DIR"),
                e.reason.replacingOccurrences(of: folder.path, with: "DIR"))
        }
    }

    /// Layers with a batch norm of vectors (one value per channel for a batch of one).
    static let bnModel =
        "model: {layers: [{name: linear, out_features: 4}, {name: batch_norm1d}, {name: relu}, {name: linear, out_features: classes}]}\n"

    /// `count` rows `x,y,label` (label = row mod 2) after a header.
    static func rows(_ count: Int, label: (Int) -> String = { "\($0 % 2)" }) -> String {
        (["x,y,label"] + (0..<count).map { "\($0),\($0 * 3 % 7),\(label($0))" }).joined(separator: "\n") + "\n"
    }

    /// The configuration `yaml` parsed (named `c.yaml`) with `overrides`.
    static func config(_ yaml: String, overrides: [String] = []) throws {
        _ = try TrainingConfig.parse(yaml: yaml, source: "c.yaml", overrides: overrides)
    }

    // MARK: The table

    static let cases: [Case] = [
        // IDX
        Case(
            "IDX", "bad magic number",
            "m.idx: bad IDX magic number 0x01020304 (expected 00 00, a type byte and the number of dimensions)"
        ) {
            _ = try IDXArray(data: bytes([1, 2, 3, 4] + be32(2)), path: "m.idx")
        },
        Case(
            "IDX", "unknown element type 0x0A",
            #"m.idx: unknown IDX element type 0x0a (known: 08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64)"#
        ) {
            _ = try IDXArray(data: bytes([0, 0, 10, 1] + be32(2) + [1, 2]), path: "m.idx")
        },
        Case(
            "IDX", "truncated data (2×3 declared, 5 bytes)",
            #"m.idx: IDX header declares shape [2, 3] of uint8 (6 bytes of data), but the file has 5 bytes after the header"#
        ) {
            _ = try IDXArray(data: idx.prefix(idx.count - 1), path: "m.idx")
        },
        Case(
            "IDX", "larger than the memory available (budget 16 B)",
            "m.idx: does not fit in memory: its 2×3 values need 24 B as float32, 16 B available (the limit set); "
                + "the whole file is converted when read: split it, or use a machine with more memory"
        ) {
            _ = try MemoryBudget.$limit.withValue(16) { try IDXArray(data: idx, path: "m.idx") }
        },
        Case(
            "output", "a folder inside a file",
            "/dev/null/run: cannot create the output folder: Not a directory"
        ) {
            try RunFolder.prepareOutput(URL(fileURLWithPath: "/dev/null/run"))
        },
        Case(
            "IDX", "truncated dimension list",
            #"m.idx: truncated: dimension 1 of the IDX header needs 4 bytes at offset 8, but the file has 1 left (9 in all)"#
        ) {
            _ = try IDXArray(data: idx.prefix(9), path: "m.idx")
        },
        Case(
            "IDX", "dimensions overflow (4294967295³)",
            #"m.idx: IDX dimensions [4294967295, 4294967295, 4294967295] are too large"#
        ) {
            _ = try IDXArray(data: bytes([0, 0, 8, 3] + be32(.max) + be32(.max) + be32(.max)), path: "m.idx")
        },
        Case(
            "IDX", "trailing bytes after the data",
            #"m.idx: IDX header declares shape [2, 3] of uint8 (6 bytes of data), but the file has 7 bytes after the header"#
        ) {
            _ = try IDXArray(data: idx + bytes([7]), path: "m.idx")
        },
        // gzip
        Case("gzip", "not gzip (no 1f 8b)", #"g.gz: not gzip data (the first bytes are not 1f 8b)"#) {
            _ = try Gzip.decompress(Data("plain".utf8), name: "g.gz")
        },
        Case(
            "gzip", "bad CRC-32 in the trailer",
            #"g.gz: corrupt gzip data in member 1 near byte 28: the CRC-32 in the trailer does not match the data (zlib: incorrect data check)"#
        ) { _ = try Gzip.decompress(gzip(24, 0), name: "g.gz") },
        Case(
            "gzip", "bad ISIZE (length) in the trailer",
            #"g.gz: corrupt gzip data in member 1 near byte 32: the ISIZE in the trailer does not match the data's length (zlib: incorrect length check)"#
        ) { _ = try Gzip.decompress(gzip(28, 13), name: "g.gz") },
        Case(
            "gzip", "truncated member",
            #"g.gz: truncated gzip data: member 1 ends after 20 bytes, before its deflate stream and trailer are complete"#
        ) { _ = try Gzip.decompress(gzip.prefix(20), name: "g.gz") },
        Case(
            "gzip", "bad header (compression method 7)",
            #"g.gz: corrupt gzip data in member 1 near byte 4: unknown compression method"#
        ) { _ = try Gzip.decompress(gzip(2, 7), name: "g.gz") },
        Case(
            "gzip", "trailing garbage after the member",
            #"g.gz: 4 bytes of trailing data after gzip member 1 (at byte 32) are not another gzip member"#
        ) {
            _ = try Gzip.decompress(gzip + Data("junk".utf8), name: "g.gz")
        },
        // CIFAR
        Case(
            "CIFAR", "wrong record size (3073 + 5 bytes)",
            #"b.bin: size 3078 bytes is not a whole number of 3073-byte CIFAR records (1 label byte(s) + 3072 pixel bytes); 1 records and 5 extra bytes"#
        ) {
            _ = try CIFARBatch(data: Data(repeating: 0, count: 3078), path: "b.bin")
        },
        Case("CIFAR", "empty batch file", #"b.bin: empty CIFAR batch file"#) {
            _ = try CIFARBatch(data: Data(), path: "b.bin")
        },
        Case("CIFAR", "label 10 in a CIFAR-10 batch", #"b.bin: record 0: label 10 is not a CIFAR-10 class (0...9)"#) {
            _ = try CIFARBatch(data: bytes([10]) + Data(repeating: 0, count: 3072), path: "b.bin")
        },
        // CSV
        Case("CSV", "empty file", #"t.csv: empty CSV file (no rows)"#) { try csv("") },
        Case("CSV", "header but no rows", #"t.csv: CSV file has a header but no data rows"#) { try csv("x,y,label\n") },
        Case("CSV", "ragged row", #"t.csv:3: row has 2 fields, but the first row has 3"#) {
            try csv("x,y,label\n1,2,0\n3,1\n")
        },
        Case("CSV", "feature that is not a number", #"t.csv:3, column 2 ("y"): cell "abc" is not a number"#) {
            try csv("x,y,label\n1,2,0\n3,abc,1\n")
        },
        Case("CSV", "empty feature cell", #"t.csv:3, column 2 ("y"): empty cell where a number is expected"#) {
            try csv("x,y,label\n1,2,0\n3,,1\n")
        },
        Case(
            "CSV", "label NaN",
            #"t.csv:3, column 3 ("label"): label "nan" is NaN, not a class index (a non-negative integer)"#
        ) { try csv("x,y,label\n1,2,0\n3,4,nan\n") },
        Case(
            "CSV", "negative label",
            #"t.csv:3, column 3 ("label"): label "-1" is negative, not a class index (class indices count from 0)"#
        ) { try csv("x,y,label\n1,2,0\n3,4,-1\n") },
        Case(
            "CSV", "non-integral label",
            #"t.csv:3, column 3 ("label"): label "1.5" is not an integer, so not a class index"#
        ) { try csv("x,y,label\n1,2,0\n3,4,1.5\n") },
        Case(
            "CSV", "label out of range",
            #"t.csv:3, column 3 ("label"): label "100000" is out of range, not a class index (class indices must be below 65536)"#
        ) { try csv("x,y,label\n1,2,0\n3,4,100000\n") },
        Case("CSV", "quoted field never closed", #"t.csv:2: quoted field is never closed (missing ")"#) {
            try csv("x,y,label\n1,\"2,0\n")
        },
        Case("CSV", "unknown label column", #"t.csv: no column named "class" (columns: x, y, label)"#) {
            try csv("x,y,label\n1,2,0\n", label: .classIndex("class"))
        },
        // Image lists
        Case("image list", "row without a label", "l.csv:3: row has 1 field, expected path,label") {
            _ = try ImageList(data: Data("path,label\na.jpg,cat\nb.jpg\n".utf8), path: "l.csv")
        },
        Case(
            "image list", "a class index among class names",
            #"l.csv:3: label 3 is a class index, but line 2's label "cat" is a class name (use names or indices throughout)"#
        ) {
            _ = try ImageList(data: Data("path,label\na.jpg,cat\nb.jpg,3\n".utf8), path: "l.csv")
        },
        Case(
            "image list", "test label not among the training classes",
            #"t.csv:1: label "fox" is not one of the 2 training classes"#
        ) {
            _ = try ImageList(data: Data("a.jpg,fox\n".utf8), path: "t.csv", classes: ["cat", "dog"])
        },
        Case(
            "image list", "JSON entry without a label",
            #"l.json:3: entry 2 is not {"path": "…", "label": "…" or N} or ["…", label]"#
        ) {
            _ = try ImageList(data: Data("[\n  [\"a.jpg\", 1],\n  {\"path\": \"b.jpg\"}\n]\n".utf8), path: "l.json")
        },
        Case("image list", "empty list", "l.csv: empty list (no images)") {
            _ = try ImageList(data: Data("path,label\n".utf8), path: "l.csv")
        },
        // Tar shards
        Case(
            "tar shards", "no shards in the folder",
            "DIR: has no .tar shards (write them with descent shard FOLDER --output DIR)"
        ) {
            try shard([])
        },
        Case(
            "tar shards", "header with a bad checksum",
            "DIR/s.tar: not a tar archive, or corrupt: header at byte 0 has a bad checksum"
        ) {
            try shard([("0.png", "x"), ("0.cls", "1")]) { $0[0] ^= 1 }
        },
        Case(
            "tar shards", "member cut short",
            #"DIR/s.tar: truncated tar archive: entry "0.png" declares 600 bytes at byte 512, but the archive has 700"#
        ) {
            try shard([("0.png", String(repeating: "x", count: 600))]) { $0 = $0.prefix(700) }
        },
        Case("tar shards", "sample without a class", #"DIR/s.tar: sample "0" (0.png) has no .cls member (its class)"#) {
            try shard([("0.png", "x")])
        },
        Case(
            "tar shards", "class that is not an index",
            #"DIR/s.tar:0.cls: "cat" is not a class index (a non-negative integer)"#
        ) {
            try shard([("0.png", "x"), ("0.cls", "cat")])
        },
        // NPY
        Case("NPY", "bad magic", #"a.npy: bad NPY magic string (expected \x93NUMPY at the start of the file)"#) {
            _ = try NPYArray(data: Data("NUMPY\u{1}\u{0}".utf8), path: "a.npy")
        },
        Case(
            "NPY", "unsupported dtype (complex64)",
            #"a.npy: unsupported NPY dtype '<c8' (supported: float32 <f4, float64 <f8, uint8 |u1, int32 <i4, int64 <i8)"#
        ) {
            _ = try NPYArray(
                data: npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", payload: 16), path: "a.npy")
        },
        Case(
            "NPY", "unsupported dtype (object)",
            #"a.npy: unsupported NPY dtype '|O' (supported: float32 <f4, float64 <f8, uint8 |u1, int32 <i4, int64 <i8)"#
        ) {
            _ = try NPYArray(
                data: npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", payload: 16), path: "a.npy")
        },
        Case(
            "NPY", "shape and data size disagree",
            #"a.npy: NPY header declares shape [2, 3] of float32 (24 bytes of data), but the file has 20 bytes after the header"#
        ) {
            _ = try NPYArray(
                data: npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", payload: 20), path: "a.npy")
        },
        Case("NPY", "header dictionary without 'shape'", #"a.npy: NPY header has no 'shape' tuple"#) {
            _ = try NPYArray(data: npy("{'descr': '<f4', 'fortran_order': False, }", payload: 4), path: "a.npy")
        },
        Case(
            "NPY", "unsupported format version 4.0",
            #"a.npy: unsupported NPY format version 4.0 (supported: 1.0, 2.0, 3.0)"#
        ) {
            _ = try NPYArray(data: Data([0x93] + Array("NUMPY".utf8) + [4, 0, 0, 0]), path: "a.npy")
        },
        // WAV
        Case("WAV", "not RIFF", #"s.wav: not a WAV file: it does not start with "RIFF""#) {
            _ = try WAVAudio(data: Data("OggS, not a wave file".utf8), path: "s.wav")
        },
        Case(
            "WAV", "unsupported format (tag 0x55, MP3)",
            #"s.wav: unsupported WAV format tag 85 (supported: 1 PCM, 3 IEEE float, and these inside WAVE_FORMAT_EXTENSIBLE)"#
        ) { _ = try WAVAudio(data: wav(tag: 0x55), path: "s.wav") },
        Case(
            "WAV", "truncated data chunk", #"s.wav: truncated: the "data" chunk declares 800 bytes, but only 8 follow"#
        ) { _ = try WAVAudio(data: wav(declared: 800, actual: 8), path: "s.wav") },
        Case(
            "WAV", "shorter than a RIFF header",
            #"s.wav: truncated: 4 bytes is too short for a RIFF/WAVE header (12 bytes)"#
        ) { _ = try WAVAudio(data: Data("RIFF".utf8), path: "s.wav") },
        // safetensors
        Case(
            "safetensors", "header length beyond the file",
            #"w.safetensors: header length 1000 exceeds the 2 bytes that follow the length field"#
        ) {
            _ = try SafeTensors.read(from: bytes(le(1000, 8)) + Data("{}".utf8), location: "w.safetensors")
        },
        Case("safetensors", "header is not JSON", #"w.safetensors: header is not valid JSON"#) {
            _ = try SafeTensors.read(from: safetensors("{not json}"), location: "w.safetensors")
        },
        Case(
            "safetensors", "offsets outside the data",
            #"w.safetensors: tensor 'w': data_offsets [0, 16] reach beyond the data section (8 bytes)"#
        ) {
            _ = try SafeTensors.read(
                from: safetensors(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#),
                location: "w.safetensors")
        },
        Case(
            "safetensors", "offsets that do not match the shape",
            #"w.safetensors: tensor 'w': data_offsets [0, 8] span 8 bytes, but shape [3] of F32 needs 12"#
        ) {
            _ = try SafeTensors.read(
                from: safetensors(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#),
                location: "w.safetensors")
        },
        Case(
            "safetensors", "overlapping tensors",
            #"w.safetensors: tensor 'b' (data_offsets [4, 8]) overlaps tensor 'a', which ends at 8"#
        ) {
            _ = try SafeTensors.read(
                from: safetensors(
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
                ), location: "w.safetensors")
        },
        Case(
            "safetensors", "unknown dtype",
            #"w.safetensors: tensor 'w': unsupported dtype 'F128' (supported: F32, I64, F16, BF16, F64, I32, U8)"#
        ) {
            _ = try SafeTensors.read(
                from: safetensors(#"{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,8]}}"#),
                location: "w.safetensors")
        },
        Case(
            "safetensors", "shorter than the length field",
            #"w.safetensors: file is 3 bytes, too short for the 8-byte header length"#
        ) {
            _ = try SafeTensors.read(from: bytes([1, 2, 3]), location: "w.safetensors")
        },
        // Configurations
        Case("config", "unknown key", #"c.yaml:1 optimizer.momentun: unknown key (did you mean 'momentum'?)"#) {
            try config("optimizer: {name: sgd, momentun: 0.9}")
        },
        Case("config", "wrong type", #"c.yaml:1 optimizer.lr: expected a number or 'find', got 'fast'"#) {
            try config("optimizer: {lr: fast}")
        },
        Case("config", "negative learning rate", #"c.yaml:1 optimizer.lr: must be greater than 0, got -0.1"#) {
            try config("optimizer: {lr: -0.1}")
        },
        Case(
            "config", "fractions that leave nothing to train on",
            #"c.yaml:1 data.test_fraction: test_fraction 0.5 and validation_fraction 0.5 leave nothing to train on"#
        ) {
            try config("data: {dataset: csv, path: a.csv, target: y, test_fraction: 0.5, validation_fraction: 0.5}")
        },
        Case(
            "config", "--set without '='", #"--set optimizer.lr: expected dotted.key=value, such as optimizer.lr=0.01"#
        ) { try config("", overrides: ["optimizer.lr"]) },
        Case("config", "--set of an unknown key", #"--set optimizer.lrr: unknown key (did you mean 'lr'?)"#) {
            try config("", overrides: ["optimizer.lrr=0.1"])
        },
        Case("config", "--set of a bad value", #"--set training.epochs: must be at least 1, got -3"#) {
            try config("", overrides: ["training.epochs=-3"])
        },
        Case(
            "config", "invalid YAML",
            #"c.yaml:2: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping)"#
        ) { try config("data: {dataset: mnist\n") },
        // Data sanity, through a configuration
        Case(
            "CSV job", "NaN label in a classification CSV",
            #"DIR/c.yaml:1 data.path: DIR/d.csv:9, column 3 ("label"): label "NaN" is NaN, not a class index (a non-negative integer)"#
        ) {
            try csvJob(rows(20, label: { $0 == 7 ? "NaN" : "\($0 % 2)" }), data: "normalize: none")
        },
        Case(
            "CSV job", "empty validation split (5 rows)",
            #"DIR/c.yaml:1 data.validation_fraction: 0.1 leaves an empty validation split (train 4, validation 0, test 1 of 5 samples); use more data or change the fractions, or set it to 0 for no validation"#
        ) {
            try csvJob(rows(5), data: "validation_fraction: 0.1, test_fraction: 0.2")
        },
        Case(
            "CSV job", "empty test split (4 rows)",
            #"DIR/c.yaml:1 data.test_fraction: 0.1 leaves an empty test split (train 4, validation 0, test 0 of 4 samples); use more data or change the fractions"#
        ) {
            try csvJob(rows(4), data: "validation_fraction: 0, test_fraction: 0.1")
        },
        Case(
            "CSV job", "batch norm with batch_size 1",
            #"DIR/c.yaml:1 data.batch_size: 1 leaves a training batch of 1 sample (30 training samples), and model layer 1 (BatchNorm1d) needs more than 1 value per channel when training (PyTorch: "Expected more than 1 value per channel when training, got input size [1, 4]"); choose another batch size"#
        ) {
            try csvJob(rows(40), data: "validation_fraction: 0, test_fraction: 0.25, batch_size: 1", rest: bnModel)
        },
        Case(
            "CSV job", "batch norm with a last batch of 1 (30 samples, batch 29)",
            #"DIR/c.yaml:1 data.batch_size: 29 leaves a training batch of 1 sample (30 training samples), and model layer 1 (BatchNorm1d) needs more than 1 value per channel when training (PyTorch: "Expected more than 1 value per channel when training, got input size [1, 4]"); choose another batch size"#
        ) {
            try csvJob(rows(40), data: "validation_fraction: 0, test_fraction: 0.25, batch_size: 29", rest: bnModel)
        },
        Case(
            "training step", "batch norm on a batch of one sample",
            #"1 (BatchNorm1d): Expected more than 1 value per channel when training, got input size [1, 4] (a training batch of 1 sample: choose a batch size that leaves no batch of one)"#
        ) {
            let model = Sequential(Linear(2, 4), BatchNorm1d(4), ReLU(), Linear(4, 2))
            let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), lr: 0.1))
            let one = TensorDataset(inputs: Tensor([1, 2], shape: [1, 2]), labels: [1])
            _ = try trainer.fit(DataLoader(one, batchSize: 1), epochs: 1)
        },
        Case("ONNX", "truncated file", #"m.onnx: not an ONNX model (protobuf: truncated)"#) {
            try onnx({ _ in }, cut: 9)
        },
        Case("ONNX", "empty file", "m.onnx: the graph has no nodes") {
            _ = try ONNXImport.read(Data(), source: "m.onnx")
        },
        Case(
            "ONNX", "initialiser of type int32",
            #"m.onnx: initialiser '0.weight' has data type int32; float32 (and int64 shapes) are read"#
        ) {
            try onnx { $0.graph.initializer[0].dataType = Int32(Onnx_TensorProto.DataType.int32.rawValue) }
        },
        Case("ONNX", "a cycle between two nodes", #"m.onnx: node '1/Relu': the graph has a cycle through this node"#) {
            try onnx { $0.graph.node[1].input = $0.graph.node[2].output }
        },
        Case(
            "ONNX", "missing initialiser",
            #"m.onnx: node '3/Gemm': input '3.weight' is missing: no initialiser, graph input or node output has this name"#
        ) {
            try onnx { $0.graph.initializer.removeAll { $0.name == "3.weight" } }
        },
        Case(
            "ONNX", "unsupported operator",
            #"m.onnx: node '1/Relu': operator 'Celu' is not supported (supported: Conv, ConvTranspose, Gemm, MatMul, BatchNormalization, LayerNormalization, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Relu, LeakyRelu, Elu, Sigmoid, Tanh, Gelu, Softmax, LogSoftmax, Dropout, Identity, Transpose, Add, Sub, Mul, Div, Max, Constant, Cast, Sign, ReduceSum, Gather, LSTM, GRU, RNN, Shape, Unsqueeze, Squeeze, Concat, ConstantOfShape, Expand, Slice)"#
        ) { try onnx { $0.graph.node[1].opType = "Celu" } },
        Case(
            "ONNX", "GRU without linear_before_reset",
            #"m.onnx: node 'recurrent.l0/GRU': GRU with linear_before_reset = 0 is not supported (PyTorch's GRU has 1)"#
        ) {
            try onnx(text: true) { proto in
                let gru = proto.graph.node.firstIndex { $0.opType == "GRU" }!
                proto.graph.node[gru].attribute.removeAll { $0.name == "linear_before_reset" }
            }
        },
        Case(
            "ONNX", "a Loop (a seq2seq export's greedy decoding)",
            #"m.onnx: node 'decoder/Loop': operator 'Loop' runs a subgraph (control flow, as a seq2seq export's greedy decoding loop), which is not imported; the graph must be straight-line"#
        ) {
            let model = Seq2Seq(sourceVocabulary: 6, targetVocabulary: 6, embeddingDim: 3, hiddenSize: 2)
            model.eval()
            _ = try ONNXImport.read(try model.onnxData(inputShape: [4]), source: "m.onnx")
        },
        Case(
            "ONNX", "ConstantOfShape of computed values",
            #"m.onnx: node 'fill': ConstantOfShape needs a shape computed from shapes and constants"#
        ) {
            try onnx(text: true) { proto in
                var node = Onnx_NodeProto()
                (node.opType, node.name, node.input, node.output) = ("ConstantOfShape", "fill", ["input"], ["filled"])
                proto.graph.node.append(node)
            }
        },
    ]

    /// `ONNXImport.read` of a small exported model (a CNN, or with `text` a GRU text classifier) after `edit`,
    /// its last `cut` bytes left out.
    static func onnx(text: Bool = false, _ edit: (inout Onnx_ModelProto) -> Void, cut: Int = 0) throws {
        let model: Module =
            text
            ? SequenceClassifier(vocabularySize: 9, classes: 2, cell: .gru, embeddingDim: 3, hiddenSize: 2)
            : Sequential(Conv2d(1, 2, kernelSize: 3), ReLU(), Flatten(), Linear(8, 3))
        var proto = try Onnx_ModelProto(serializedBytes: try model.onnxData(inputShape: text ? [5] : [1, 4, 4]))
        edit(&proto)
        let data = try proto.serializedData()
        _ = try ONNXImport.read(data.prefix(data.count - cut), source: "m.onnx")
    }

    @Test(arguments: cases) func refusedWithOneLine(_ c: Case) {
        let thrown = #expect(throws: DescentError.self) { try c.error() }
        guard let thrown else { return }
        #expect(!thrown.description.contains("\n"), "more than one line: \(thrown.description)")
        if ProcessInfo.processInfo.environment["DESCENT_PRINT_ERRORS"] != nil {
            print("ERRORTABLE\t\(c.format)\t\(c.input)\t\(thrown.description)")
        }
        #expect(thrown.description == c.message)
    }

    @Test func tableHasAtLeastFortyDistinctCases() {
        #expect(Self.cases.count >= 40)
        #expect(Set(Self.cases.map { "\($0.format) \($0.input)" }).count == Self.cases.count)
        #expect(Set(Self.cases.map(\.message)).count == Self.cases.count)
    }

    /// `docs/errors.md`, from the table.
    static var document: String {
        var lines = [
            "# Malformed input: the error each gives",
            "",
            "Every row is a test case of `Tests/DescentTrainTests/MalformedInputTests.swift`, which asserts the exact",
            "message; this file is generated from that table (`DESCENT_WRITE_ERRORS_DOC=1 swift test --filter",
            "MalformedInputTests`) and a test fails when it is stale. A malformed input is refused with one line,",
            "`location: reason` (the file, with its line and column or byte where it applies, or the configuration",
            "file's line and key), and `descent` exits with a non-zero status; none of them traps. Paths are",
            "the names the tests give the data; `DIR` stands for a test's temporary folder.",
            "",
            "\(cases.count) cases.",
            "",
            "| Format | Input | Message |",
            "| --- | --- | --- |",
        ]
        for c in cases {
            let message = c.message.replacingOccurrences(of: "|", with: "\\|")
            lines.append("| \(c.format) | \(c.input) | `\(message)` |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func documentMatchesTheTable() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/errors.md")
        if ProcessInfo.processInfo.environment["DESCENT_WRITE_ERRORS_DOC"] != nil {
            try Data(Self.document.utf8).write(to: url)
        }
        let written = try String(contentsOf: url, encoding: .utf8)
        #expect(
            written == Self.document,
            "docs/errors.md is stale: DESCENT_WRITE_ERRORS_DOC=1 swift test --filter MalformedInputTests")
    }
}
