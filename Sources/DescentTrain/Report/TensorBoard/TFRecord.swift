/// The TFRecord framing of TensorBoard event files: each record is
/// `uint64 length, uint32 masked_crc32c(length), byte data[length], uint32 masked_crc32c(data)`, little-endian
/// (`tensorflow/core/lib/io/record_writer.cc`, `tensorboard/summary/writer/record_writer.py`).
enum TFRecord {
    /// The bytes before the data: the length and its masked CRC.
    static let headerSize = 12
    /// The bytes after the data: its masked CRC.
    static let footerSize = 4

    /// `data` framed as one record.
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(headerSize + data.count + footerSize)
        let length = littleEndian(UInt64(data.count))
        record += length
        record += littleEndian(CRC32C.maskedChecksum(length))
        record += data
        record += littleEndian(CRC32C.maskedChecksum(data))
        return record
    }

    /// The little-endian bytes of `value`.
    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// The little-endian integer in `bytes`.
    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ bytes: ArraySlice<UInt8>) -> T {
        bytes.reversed().reduce(T.zero) { $0 << 8 | T($1) }
    }
}
