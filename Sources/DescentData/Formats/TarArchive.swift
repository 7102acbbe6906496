import Descent
import Foundation

/// The regular files of a tar archive (ustar, GNU and pax formats; read-only, in memory), so that datasets
/// distributed as `.tar.gz` (CIFAR-10) can be read without unpacking. A `.gz` archive is decompressed on reading.
public struct TarArchive: Sendable {
    /// The archive's bytes (decompressed).
    let bytes: Data
    /// Each regular file's path inside the archive and the range of its contents in `bytes`.
    public let entries: [String: Range<Int>]
    /// The archive (for messages).
    public let path: String

    /// Reads the tar (or `.tar.gz`) file at `url`.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing, corrupt, or not a tar archive.
    public init(contentsOf url: URL) throws {
        try self.init(data: FileBytes.read(url), path: url.path)
    }

    /// Parses tar bytes; `path` names them in errors.
    public init(data: Data, path: String) throws {
        let data = data.startIndex == 0 ? data : Data(data)
        var entries = [String: Range<Int>]()
        var offset = 0
        var longName: String?
        var paxPath: String?
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            func text(_ start: Int, _ length: Int) -> String {
                var end = start
                while end < start + length && b[end] != 0 { end += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
            }
            while offset + 512 <= b.count {
                // Two zero blocks (or one, in sloppy writers) end the archive.
                if (offset..<(offset + 512)).allSatisfy({ b[$0] == 0 }) { break }
                var checksum = 0
                for i in 0..<512 { checksum += (148..<156).contains(i) ? 32 : Int(b[offset + i]) }
                let stored = Int(
                    text(offset + 148, 8).trimmingCharacters(in: CharacterSet(charactersIn: " \0")), radix: 8)
                guard stored == checksum else {
                    throw DescentError(
                        .file, path, "not a tar archive, or corrupt: header at byte \(offset) has a bad checksum")
                }
                let sizeText = text(offset + 124, 12).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
                guard let size = Int(sizeText.isEmpty ? "0" : sizeText, radix: 8), size >= 0 else {
                    throw DescentError(.file, path, "tar header at byte \(offset) has a bad size field \"\(sizeText)\"")
                }
                let type = b[offset + 156]
                var name = text(offset, 100)
                if text(offset + 257, 5) == "ustar" {
                    let prefix = text(offset + 345, 155)
                    if !prefix.isEmpty { name = prefix + "/" + name }
                }
                let start = offset + 512
                guard start + size <= b.count else {
                    throw DescentError(
                        .file, path,
                        "truncated tar archive: entry \"\(name)\" declares \(size) bytes at byte \(start), but the archive has \(b.count)"
                    )
                }
                switch type {
                case UInt8(ascii: "L"):  // GNU long name for the next entry
                    longName = text(start, size)
                case UInt8(ascii: "x"):  // pax extended header: look for a path record
                    let records = String(
                        decoding: UnsafeBufferPointer(rebasing: b[start..<(start + size)]), as: UTF8.self)
                    for line in records.split(separator: "\n") {
                        if let r = line.range(of: " path=") { paxPath = String(line[r.upperBound...]) }
                    }
                case 0, UInt8(ascii: "0"):
                    let full = paxPath ?? longName ?? name
                    entries[full] = start..<(start + size)
                    longName = nil
                    paxPath = nil
                default:
                    longName = nil
                    paxPath = nil
                }
                offset = start + (size + 511) / 512 * 512
            }
        }
        guard !entries.isEmpty || data.count >= 512 else {
            throw DescentError(.file, path, "not a tar archive (\(data.count) bytes, shorter than one 512-byte header)")
        }
        self.bytes = data
        self.entries = entries
        self.path = path
    }

    /// The contents of the regular file at `name` inside the archive, or `nil` when there is none.
    public func contents(of name: String) -> Data? {
        entries[name].map { bytes.subdata(in: $0) }
    }
}
