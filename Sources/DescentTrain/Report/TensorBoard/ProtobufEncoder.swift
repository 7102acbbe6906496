/// Appends protocol-buffer wire-format fields to a byte buffer: just the four wire types TensorBoard's event
/// messages use (varint, 64-bit, length-delimited, 32-bit).
struct ProtobufEncoder {
    /// The encoded message so far.
    private(set) var output: [UInt8] = []

    /// Appends `value` as a base-128 varint (least significant group first).
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        output.append(UInt8(v))
    }

    /// Appends a field key: `field << 3 | wireType`.
    private mutating func key(_ field: Int, _ wireType: ProtobufWireType) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// Appends an `int64`/`int32`/enum/`bool` field; a negative value takes ten bytes, as protobuf encodes it.
    mutating func varint(_ field: Int, _ value: Int64) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// Appends a `double` field (little-endian IEEE 754 binary64).
    mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { output.append(contentsOf: $0) }
    }

    /// Appends a `float` field (little-endian IEEE 754 binary32).
    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { output.append(contentsOf: $0) }
    }

    /// Appends a `bytes` field, or an embedded message already encoded.
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        output.append(contentsOf: value)
    }

    /// Appends a `string` field (UTF-8).
    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// Appends an embedded message that `build` encodes.
    mutating func message(_ field: Int, _ build: (inout ProtobufEncoder) -> Void) {
        var inner = ProtobufEncoder()
        build(&inner)
        bytes(field, inner.output)
    }
}

/// The wire types of the protocol-buffer encoding (the low three bits of a field key).
enum ProtobufWireType: UInt8 {
    /// `int32`, `int64`, `uint32`, `uint64`, `sint*`, `bool`, enums.
    case varint = 0
    /// `fixed64`, `sfixed64`, `double`.
    case fixed64 = 1
    /// `string`, `bytes`, embedded messages, packed repeated fields.
    case lengthDelimited = 2
    /// `fixed32`, `sfixed32`, `float`.
    case fixed32 = 5
}
