import Foundation

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8, and the TFRecord mask.
///
/// TFRecord files (TensorBoard event files among them) guard each record's length and data with
/// `mask(crc32c(bytes))`; see `tensorflow/core/lib/hash/crc32c.h` and `tensorboard/summary/writer/record_writer.py`.
enum CRC32C {
    /// The eight 256-entry tables of slicing-by-8: `tables[0]` is the byte-at-a-time table, `tables[k][b]` the CRC
    /// of byte `b` followed by `k` zero bytes.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let previous = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC-32C of `bytes` (initial value and final XOR 0xFFFFFFFF, as iSCSI and TFRecord use it).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            var crc: UInt32 = 0xFFFF_FFFF
            var i = 0
            let n = bytes.count
            while i + 8 <= n {
                let lo =
                    crc
                    ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                        | UInt32(bytes[i + 3]) << 24)
                crc =
                    t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])]
                    ^ t[256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
                i += 8
            }
            while i < n {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(bytes[i])) & 0xFF)]
                i += 1
            }
            return ~crc
        }
    }

    /// The CRC-32C of `bytes`.
    static func checksum(_ bytes: some ContiguousBytes) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The TFRecord mask of a CRC: rotated right by 15 bits plus 0xA282EAD8, so that CRCs of data that itself
    /// contains CRCs stay well distributed.
    static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// `mask(checksum(bytes))`, the value TFRecord stores.
    static func maskedChecksum(_ bytes: some ContiguousBytes) -> UInt32 {
        mask(checksum(bytes))
    }
}
