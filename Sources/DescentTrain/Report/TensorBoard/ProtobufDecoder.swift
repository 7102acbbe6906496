/// Reads protocol-buffer wire-format fields from a byte buffer, one at a time, checking every length against the
/// bytes that remain; malformed input throws `ProtobufDecodingError` and never reads out of bounds.
struct ProtobufDecoder {
    /// One field: its number and its payload.
    enum Field {
        /// A varint field's value (`int64`, `int32`, enum, `bool`).
        case varint(Int, UInt64)
        /// A 64-bit field's raw bits (`double`, `fixed64`).
        case fixed64(Int, UInt64)
        /// A length-delimited field's bytes (`string`, `bytes`, embedded message, packed repeated values).
        case bytes(Int, ArraySlice<UInt8>)
        /// A 32-bit field's raw bits (`float`, `fixed32`).
        case fixed32(Int, UInt32)
    }

    /// The message being read.
    private let buffer: ArraySlice<UInt8>
    /// The index of the next unread byte of `buffer`.
    private var position: Int

    /// A decoder for the message `bytes`.
    init(_ bytes: ArraySlice<UInt8>) {
        buffer = bytes
        position = bytes.startIndex
    }

    /// A decoder for the message `bytes`.
    init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    /// The offset of the next unread byte from the start of the message.
    var offset: Int { position - buffer.startIndex }

    /// The next field, or nil at the end of the message.
    mutating func next() throws -> Field? {
        guard position < buffer.endIndex else { return nil }
        let keyOffset = offset
        let key = try readVarint()
        let field = Int(truncatingIfNeeded: key >> 3)
        guard field > 0, key >> 3 <= 0x1FFF_FFFF else {
            throw ProtobufDecodingError("invalid field number \(key >> 3) at byte \(keyOffset)")
        }
        switch key & 7 {
        case 0: return .varint(field, try readVarint())
        case 1: return .fixed64(field, try readFixed(8))
        case 2:
            let length = try readVarint()
            guard length <= UInt64(buffer.endIndex - position) else {
                throw ProtobufDecodingError(
                    "field \(field) at byte \(keyOffset) claims \(length) bytes but only "
                        + "\(buffer.endIndex - position) remain")
            }
            let start = position
            position += Int(length)
            return .bytes(field, buffer[start..<position])
        case 5: return .fixed32(field, UInt32(try readFixed(4)))
        default:
            throw ProtobufDecodingError("unsupported wire type \(key & 7) for field \(field) at byte \(keyOffset)")
        }
    }

    /// Reads a base-128 varint of at most ten bytes.
    private mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard position < buffer.endIndex else {
                throw ProtobufDecodingError("varint at byte \(start) runs past the end of the message")
            }
            guard shift < 64 else { throw ProtobufDecodingError("varint at byte \(start) is longer than 10 bytes") }
            let byte = buffer[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads `count` little-endian bytes.
    private mutating func readFixed(_ count: Int) throws -> UInt64 {
        guard buffer.endIndex - position >= count else {
            throw ProtobufDecodingError("\(count)-byte field at byte \(offset) runs past the end of the message")
        }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(buffer[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    /// The values of a packed repeated `float` field (or the single value of an unpacked one).
    static func floats(_ field: Field) throws -> [Float] {
        switch field {
        case .fixed32(_, let bits): return [Float(bitPattern: bits)]
        case .bytes(_, let packed):
            guard packed.count % 4 == 0 else {
                throw ProtobufDecodingError("packed float field of \(packed.count) bytes")
            }
            return stride(from: packed.startIndex, to: packed.endIndex, by: 4).map { i in
                Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(packed[i + $1]) << (8 * UInt32($1)) })
            }
        default: throw ProtobufDecodingError("float field with the wrong wire type")
        }
    }

    /// The values of a packed repeated `double` field (or the single value of an unpacked one).
    static func doubles(_ field: Field) throws -> [Double] {
        switch field {
        case .fixed64(_, let bits): return [Double(bitPattern: bits)]
        case .bytes(_, let packed):
            guard packed.count % 8 == 0 else {
                throw ProtobufDecodingError("packed double field of \(packed.count) bytes")
            }
            return stride(from: packed.startIndex, to: packed.endIndex, by: 8).map { i in
                Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(packed[i + $1]) << (8 * UInt64($1)) })
            }
        default: throw ProtobufDecodingError("double field with the wrong wire type")
        }
    }
}

/// A malformed protocol-buffer message; the reader adds the file and record it was found in.
struct ProtobufDecodingError: Error, CustomStringConvertible {
    /// What is wrong, with the byte offset inside the message.
    let description: String

    /// An error saying `description`.
    init(_ description: String) {
        self.description = description
    }
}
