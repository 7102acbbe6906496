import Descent
import Foundation

/// A tar file read member by member from disk, never whole (the shards of ``ImageShards``): ``members(of:)`` reads
/// only the 512-byte headers, skipping over the contents, and ``read(_:from:)`` one member's bytes.
public enum TarStream {
    /// A regular file inside the archive: its path and the byte range of its contents in the archive file.
    public struct Member: Sendable, Equatable {
        /// The path inside the archive (ustar prefix, GNU long name and pax `path` records applied).
        public let name: String
        /// The contents' bytes in the archive file.
        public let range: Range<Int>
    }

    /// The regular files of the (uncompressed) tar file at `url`, in archive order.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing, not a tar archive, has a bad header (with
    ///   its byte offset) or is truncated.
    public static func members(of url: URL) throws -> [Member] {
        let path = url.path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DescentError(
                .file, path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        defer { try? handle.close() }
        let length = Int((try? handle.seekToEnd()) ?? 0)
        var members = [Member]()
        var offset = 0
        var longName: String?, paxPath: String?
        var ended = false
        while offset + 512 <= length {
            let header = try read(handle, offset..<(offset + 512), path)
            if header.allSatisfy({ $0 == 0 }) {
                ended = true
                break
            }
            func text(_ start: Int, _ count: Int) -> String {
                let field = header[start..<(start + count)]
                return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
            }
            var checksum = 0
            for i in 0..<512 { checksum += (148..<156).contains(i) ? 32 : Int(header[i]) }
            let stored = Int(text(148, 8).trimmingCharacters(in: CharacterSet(charactersIn: " \0")), radix: 8)
            guard stored == checksum else {
                throw DescentError(
                    .file, path, "not a tar archive, or corrupt: header at byte \(offset) has a bad checksum")
            }
            let sizeText = text(124, 12).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            guard let size = Int(sizeText.isEmpty ? "0" : sizeText, radix: 8), size >= 0 else {
                throw DescentError(.file, path, "tar header at byte \(offset) has a bad size field \"\(sizeText)\"")
            }
            var name = text(0, 100)
            if text(257, 5) == "ustar" {
                let prefix = text(345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            let start = offset + 512
            guard size <= length - start else {
                throw DescentError(
                    .file, path,
                    "truncated tar archive: entry \"\(name)\" declares \(size) bytes at byte \(start), but the archive has \(length)"
                )
            }
            switch header[156] {
            case UInt8(ascii: "L"):
                let bytes = try read(handle, start..<(start + min(size, 65_536)), path)
                longName = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            case UInt8(ascii: "x"):
                let records = String(
                    decoding: try read(handle, start..<(start + min(size, 65_536)), path), as: UTF8.self)
                for line in records.split(separator: "\n") {
                    if let r = line.range(of: " path=") { paxPath = String(line[r.upperBound...]) }
                }
            case 0, UInt8(ascii: "0"):
                members.append(Member(name: paxPath ?? longName ?? name, range: start..<(start + size)))
                (longName, paxPath) = (nil, nil)
            default:
                (longName, paxPath) = (nil, nil)
            }
            offset = start + (size + 511) / 512 * 512
        }
        guard length >= 512 else {
            throw DescentError(.file, path, "not a tar archive (\(length) bytes, shorter than one 512-byte header)")
        }
        // A missing end (two zero blocks) is accepted, as from sloppy writers, but not a header cut short.
        guard ended || offset >= length else {
            throw DescentError(
                .file, path,
                "truncated tar archive: it ends \(length - offset) bytes into the header at byte \(offset)")
        }
        return members
    }

    /// The bytes `range` of the file at `url` (a member's contents).
    ///
    /// - Throws: ``DescentError`` naming the file when it cannot be opened or is shorter than `range`.
    public static func read(_ range: Range<Int>, from url: URL) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw DescentError(.file, url.path, "cannot be read (it was there when the shards were indexed)")
        }
        defer { try? handle.close() }
        return try read(handle, range, url.path)
    }

    static func read(_ handle: FileHandle, _ range: Range<Int>, _ path: String) throws -> Data {
        do {
            try handle.seek(toOffset: UInt64(range.lowerBound))
            let data = try handle.read(upToCount: range.count) ?? Data()
            guard data.count == range.count else {
                throw DescentError(
                    .file, path,
                    "truncated: \(range.count) bytes expected at byte \(range.lowerBound), \(data.count) read")
            }
            return data
        } catch let e as DescentError {
            throw e
        } catch {
            throw DescentError(.file, path, "cannot be read (\(error.localizedDescription))")
        }
    }
}

/// Writes a tar archive (ustar, regular files only) member by member to a file, never holding it whole.
public final class TarWriter {
    let handle: FileHandle
    let path: String

    /// A new archive at `url` (replacing any file there).
    ///
    /// - Throws: ``DescentError`` naming the file when it cannot be created.
    public init(creating url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: url.path)
        else { throw DescentError(.file, url.path, "cannot be created") }
        self.handle = handle
        self.path = url.path
    }

    /// Appends the regular file `name` (at most 100 bytes of UTF-8) with `contents` (mode 0644, owner 0, time 0).
    public func add(_ name: String, _ contents: Data) throws {
        let nameBytes = Array(name.utf8)
        precondition(!nameBytes.isEmpty && nameBytes.count <= 100, "TarWriter: name \"\(name)\" is not 1–100 bytes")
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ offset: Int, _ bytes: [UInt8]) { for (i, b) in bytes.enumerated() { header[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
        }
        put(0, nameBytes)
        put(100, octal(0o644, width: 8))
        put(108, octal(0, width: 8))
        put(116, octal(0, width: 8))
        put(124, octal(contents.count, width: 12))
        put(136, octal(0, width: 12))
        header[156] = UInt8(ascii: "0")
        put(257, Array("ustar".utf8) + [0] + Array("00".utf8))
        put(148, [UInt8](repeating: 32, count: 8))
        let sum = header.reduce(0) { $0 + Int($1) }
        put(148, octal(sum, width: 7) + [32])
        let padding = (512 - contents.count % 512) % 512
        try write(Data(header) + contents + Data(count: padding))
    }

    /// Ends the archive (two zero blocks) and closes the file.
    public func finish() throws {
        try write(Data(count: 1024))
        try handle.close()
    }

    func write(_ data: Data) throws {
        do { try handle.write(contentsOf: data) } catch {
            throw DescentError(.file, path, "cannot be written (\(error.localizedDescription))")
        }
    }
}
