import Descent
import Foundation

/// Reading a whole data file as bytes, the way every reader here does: gzip files (name ending in `.gz`,
/// or data starting with the gzip magic) are decompressed transparently, and large uncompressed files are
/// memory-mapped rather than copied into memory.
public enum FileBytes {
    /// Uncompressed files at least this large are memory-mapped (`Data.ReadingOptions.alwaysMapped`).
    public static let mappingThreshold = 1 << 20

    /// The (decompressed) contents of the file at `url`.
    ///
    /// - Throws: ``DescentError`` of kind `.file` naming the path when the file does not exist, cannot be
    ///   read, or is a corrupt gzip file.
    public static func read(_ url: URL) throws -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DescentError(.file, path, "no such file")
        }
        if isDirectory.boolValue { throw DescentError(.file, path, "is a directory, not a file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let raw: Data
        do {
            raw = try Data(contentsOf: url, options: size >= mappingThreshold ? .alwaysMapped : [])
        } catch {
            throw DescentError(.file, path, "cannot be read (\(error.localizedDescription))")
        }
        if path.hasSuffix(".gz") || Gzip.isGzip(raw) {
            return try Gzip.decompress(raw, name: path)
        }
        return raw
    }
}

/// A bounds-checked reader of a byte buffer that throws ``DescentError`` naming the file on every overrun,
/// so that a truncated or malformed file is an error rather than a trap.
struct ByteReader {
    /// The bytes, re-based to start at index 0.
    let data: Data
    /// The file the bytes came from (for errors).
    let path: String
    /// The read position.
    var offset = 0

    init(_ data: Data, path: String) {
        self.data = data.startIndex == 0 ? data : Data(data)
        self.path = path
    }

    /// Bytes left after the read position.
    var remaining: Int { data.count - offset }

    /// An error about this file.
    func error(_ reason: String) -> DescentError { DescentError(.file, path, reason) }

    /// Throws unless `count` more bytes are available; `what` names them in the error.
    func require(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            throw error(
                "truncated: \(what) needs \(count) bytes at offset \(offset), but the file has \(remaining) left (\(data.count) in all)"
            )
        }
    }

    /// The next `count` bytes as a range of `data`, advancing past them.
    mutating func range(_ count: Int, _ what: String) throws -> Range<Int> {
        try require(count, what)
        defer { offset += count }
        return offset..<(offset + count)
    }

    /// The next `count` bytes, advancing past them.
    mutating func bytes(_ count: Int, _ what: String) throws -> [UInt8] {
        let r = try range(count, what)
        return [UInt8](data[r])
    }

    /// The next byte.
    mutating func u8(_ what: String) throws -> UInt8 {
        try require(1, what)
        defer { offset += 1 }
        return data[offset]
    }

    /// The next big-endian 32-bit unsigned integer.
    mutating func u32BigEndian(_ what: String) throws -> UInt32 {
        let b = try bytes(4, what)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    /// The next little-endian 16-bit unsigned integer.
    mutating func u16LittleEndian(_ what: String) throws -> UInt16 {
        let b = try bytes(2, what)
        return UInt16(b[0]) | UInt16(b[1]) << 8
    }

    /// The next little-endian 32-bit unsigned integer.
    mutating func u32LittleEndian(_ what: String) throws -> UInt32 {
        let b = try bytes(4, what)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int, _ what: String) throws {
        try require(count, what)
        offset += count
    }
}
