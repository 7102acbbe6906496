import CZlib
import Descent
import Foundation

/// Gzip (RFC 1952) decompression and compression through the system zlib (and zlib streams, for PNG).
///
/// ``decompress(_:name:)`` reads every member of a multi-member file (what `cat a.gz b.gz` gives, and what
/// `gzip -d` accepts), ignores zero padding after the last member, and reports corrupt or truncated input as
/// a ``DescentError`` that names the data and zlib's reason. Each member's trailer is verified (zlib checks
/// the CRC-32 of the member's data and its length modulo 2³², ISIZE, and a mismatch is an error naming the field).
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes `1f 8b`.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed contents of the gzip data `data`; `name` (a file path) is what errors report.
    ///
    /// - Throws: ``DescentError`` of kind `.file` when the data is not gzip, is corrupt (bad header, bad
    ///   deflate stream, CRC or length mismatch), is truncated, or has non-zero bytes after the last member.
    public static func decompress(_ data: Data, name: String = "gzip data") throws -> Data {
        guard isGzip(data) else {
            throw DescentError(.file, name, "not gzip data (the first bytes are not 1f 8b)")
        }
        var output = Data()
        // The last four bytes of a single-member file hold the uncompressed size modulo 2^32: a good first guess,
        // but only a guess: it is capped by what deflate can expand the input to (at most 1,032 times), so that a
        // tiny file claiming 4 GiB does not reserve 4 GiB (found by fuzzing).
        let hint =
            data.count >= 18 ? data.suffix(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } : 0
        let (expandable, overflow) = data.count.multipliedReportingOverflow(by: 1032)
        output.reserveCapacity(min(max(hint, data.count * 2), overflow ? Int.max : expandable, 1 << 31))
        var stream = z_stream()
        guard descent_inflate_init_gzip(&stream) == Z_OK else {
            throw DescentError(.file, name, "zlib could not start inflating (out of memory)")
        }
        defer { inflateEnd(&stream) }

        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            let base = input.bindMemory(to: UInt8.self).baseAddress!
            let total = input.count
            var consumed = 0  // input bytes fully handled by finished members
            var member = 1
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = UInt32(min(total, Int(UInt32.max)))
            while true {
                let status: Int32 = buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(chunk)
                    let s = inflate(&stream, Z_NO_FLUSH)
                    output.append(out.baseAddress!, count: chunk - Int(stream.avail_out))
                    return s
                }
                let position = base.distance(to: stream.next_in)
                // Refill avail_in for inputs larger than 4 GiB.
                if stream.avail_in == 0 && position < total {
                    stream.avail_in = UInt32(min(total - position, Int(UInt32.max)))
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    consumed = position
                    let rest = input[consumed...]
                    if rest.isEmpty { return }
                    if rest.count >= 2 && rest[rest.startIndex] == 0x1F && rest[rest.startIndex + 1] == 0x8B {
                        member += 1
                        inflateReset(&stream)
                        continue
                    }
                    if rest.allSatisfy({ $0 == 0 }) { return }
                    throw DescentError(
                        .file, name,
                        "\(rest.count) bytes of trailing data after gzip member \(member) (at byte \(consumed)) are not another gzip member"
                    )
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DescentError(
                        .file, name,
                        "truncated gzip data: member \(member) ends after \(total) bytes, before its deflate stream and trailer are complete"
                    )
                case Z_BUF_ERROR:
                    continue
                case Z_MEM_ERROR:
                    throw DescentError(.file, name, "zlib ran out of memory while decompressing")
                default:
                    var message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    // zlib checks each member's trailer: name the field that disagrees.
                    if message == "incorrect data check" {
                        message = "the CRC-32 in the trailer does not match the data (zlib: \(message))"
                    } else if message == "incorrect length check" {
                        message = "the ISIZE in the trailer does not match the data's length (zlib: \(message))"
                    }
                    throw DescentError(
                        .file, name, "corrupt gzip data in member \(member) near byte \(position): \(message)")
                }
            }
        }
        return output
    }

    /// A single-member gzip stream holding `data`, compressed at `level` (0 = stored ... 9 = smallest).
    public static func compress(_ data: Data, level: Int = 6) -> Data {
        deflateStream(data, level: level, zlibWrapper: false)
    }

    /// A zlib (RFC 1950) stream holding `data` — deflate with a 2-byte header and an Adler-32 trailer, what a
    /// PNG's image data is — compressed at `level` (0 = stored ... 9 = smallest).
    public static func zlibCompress(_ data: Data, level: Int = 6) -> Data {
        deflateStream(data, level: level, zlibWrapper: true)
    }

    /// The `size` bytes a zlib stream holds, or `nil` when it is corrupt or holds another size (zlib's
    /// `uncompress`; for checking what ``zlibCompress(_:level:)`` wrote).
    static func zlibUncompress(_ data: Data, size: Int) -> Data? {
        var out = [UInt8](repeating: 0, count: size)
        var length = uLongf(size)
        let status = data.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer {
                uncompress(
                    $0.baseAddress, &length, raw.bindMemory(to: UInt8.self).baseAddress, uLong(data.count))
            }
        }
        return status == Z_OK && Int(length) == size ? Data(out) : nil
    }

    /// Deflates `data` at `level` into a gzip stream, or a zlib stream with `zlibWrapper`.
    private static func deflateStream(_ data: Data, level: Int, zlibWrapper: Bool) -> Data {
        precondition((0...9).contains(level), "Gzip.compress: level \(level) is not in 0...9")
        var stream = z_stream()
        let initStatus =
            zlibWrapper
            ? descent_deflate_init_zlib(&stream, Int32(level)) : descent_deflate_init_gzip(&stream, Int32(level))
        precondition(initStatus == Z_OK, "Gzip.compress: zlib could not start deflating (status \(initStatus))")
        defer { deflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            var position = 0
            var status = Z_OK
            repeat {
                let piece = min(input.count - position, Int(UInt32.max))
                if let base = input.bindMemory(to: UInt8.self).baseAddress {
                    stream.next_in = UnsafeMutablePointer(mutating: base + position)
                }
                stream.avail_in = UInt32(piece)
                let last = position + piece == input.count
                repeat {
                    buffer.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(chunk)
                        status = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
                        output.append(out.baseAddress!, count: chunk - Int(stream.avail_out))
                    }
                } while stream.avail_out == 0
                position += piece
            } while status != Z_STREAM_END
        }
        return output
    }
}
