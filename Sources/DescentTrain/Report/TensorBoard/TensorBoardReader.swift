import Descent
import Foundation

/// Reads a TensorBoard event file record by record, checking every length against the file size and both masked
/// CRC-32Cs of every record before decoding it; anything malformed throws a `DescentError` naming the file and the
/// byte offset of the record.
public final class TensorBoardReader {
    /// The event file (for bytes, a file URL of the name they were given).
    public let url: URL
    /// Where the records come from: an open file, or bytes already in memory.
    private enum Source {
        case file(FileHandle)
        case bytes(Data)
    }
    /// The open file or the bytes.
    private let source: Source
    /// What errors name: the file's path, or the name the bytes were given.
    private let name: String
    /// The file's size when it was opened.
    private let fileSize: UInt64
    /// The byte offset of the next record.
    private var offset: UInt64 = 0

    /// Opens the event file at `url`.
    public init(url: URL) throws {
        self.url = url
        name = url.path
        do {
            let handle = try FileHandle(forReadingFrom: url)
            source = .file(handle)
            fileSize = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
        } catch {
            throw DescentError(.file, url.path, "cannot read the event file: \(error.localizedDescription)")
        }
    }

    /// Reads event-file bytes already in memory (what the fuzz target feeds); `name` names them in errors.
    public init(data: Data, name: String) {
        url = URL(fileURLWithPath: name)
        self.name = name
        source = .bytes(data.startIndex == 0 ? data : Data(data))
        fileSize = UInt64(data.count)
    }

    deinit {
        if case .file(let handle) = source { try? handle.close() }
    }

    /// Every event of event-file bytes `data` named `name` in errors, in order.
    public static func events(decoding data: Data, name: String) throws -> [TensorBoardEvent] {
        let reader = TensorBoardReader(data: data, name: name)
        var events: [TensorBoardEvent] = []
        while let event = try reader.next() { events.append(event) }
        return events
    }

    /// Every event of the file at `url`, in file order.
    public static func events(in url: URL) throws -> [TensorBoardEvent] {
        let reader = try TensorBoardReader(url: url)
        var events: [TensorBoardEvent] = []
        while let event = try reader.next() { events.append(event) }
        return events
    }

    /// The next event, or nil at the end of the file.
    public func next() throws -> TensorBoardEvent? {
        guard offset < fileSize else { return nil }
        let start = offset
        let remaining = fileSize - start
        guard remaining >= UInt64(TFRecord.headerSize) else {
            throw failure(start, "truncated record: \(remaining) bytes left, a record header takes 12")
        }
        let header = try read(TFRecord.headerSize, at: start)
        let length = TFRecord.integer(UInt64.self, header[0..<8])
        let lengthCRC = TFRecord.integer(UInt32.self, header[8..<12])
        let expectedLengthCRC = CRC32C.maskedChecksum(Array(header[0..<8]))
        guard lengthCRC == expectedLengthCRC else {
            throw failure(
                start,
                "length checksum mismatch (stored \(hex(lengthCRC)), "
                    + "computed \(hex(expectedLengthCRC)))")
        }
        let available = remaining - UInt64(TFRecord.headerSize)
        guard available >= UInt64(TFRecord.footerSize), length <= available - UInt64(TFRecord.footerSize) else {
            throw failure(
                start,
                "record length \(length) runs past the end of the file (\(available) bytes left "
                    + "after the header, including the 4-byte data checksum)")
        }
        let body = try read(Int(length) + TFRecord.footerSize, at: start + UInt64(TFRecord.headerSize))
        let data = body[0..<Int(length)]
        let dataCRC = TFRecord.integer(UInt32.self, body[Int(length)...])
        let expectedDataCRC = CRC32C.maskedChecksum(Array(data))
        guard dataCRC == expectedDataCRC else {
            throw failure(start, "data checksum mismatch (stored \(hex(dataCRC)), computed \(hex(expectedDataCRC)))")
        }
        offset = start + UInt64(TFRecord.headerSize) + length + UInt64(TFRecord.footerSize)
        do {
            return try TensorBoardEvent(decoding: data)
        } catch let error as ProtobufDecodingError {
            throw failure(start, "malformed event: \(error.description)")
        }
    }

    /// Exactly `count` bytes at `position`.
    private func read(_ count: Int, at position: UInt64) throws -> ArraySlice<UInt8> {
        let handle: FileHandle
        switch source {
        case .bytes(let data):
            guard position <= UInt64(data.count), count <= data.count - Int(position) else {
                throw failure(position, "the file ended while reading \(count) bytes")
            }
            return Array(data[Int(position)..<(Int(position) + count)])[...]
        case .file(let file): handle = file
        }
        let bytes: Data?
        do {
            try handle.seek(toOffset: position)
            bytes = try handle.read(upToCount: count)
        } catch {
            throw failure(position, "cannot read: \(error.localizedDescription)")
        }
        guard let bytes, bytes.count == count else {
            throw failure(position, "the file ended while reading \(count) bytes")
        }
        return Array(bytes)[...]
    }

    /// The error for a problem with the record at byte `position`.
    private func failure(_ position: UInt64, _ reason: String) -> DescentError {
        DescentError(.file, name, "record at byte \(position): \(reason)")
    }

    /// `0x` and eight hexadecimal digits.
    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
