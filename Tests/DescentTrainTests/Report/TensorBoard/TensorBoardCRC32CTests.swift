import Foundation
import Testing

@testable import DescentTrain

/// CRC-32C and the TFRecord mask against published vectors (RFC 3720 B.4) and TensorBoard's `masked_crc32c`.
@Suite struct TensorBoardCRC32CTests {
    /// The bit-at-a-time definition, to check the slicing-by-8 tables against.
    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    /// Values of `tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c` (TensorBoard 2.21.0).
    @Test func maskedValuesMatchTensorBoard() {
        #expect(CRC32C.mask(0xE306_9283) == 0xC78A_B0E5)
        #expect(CRC32C.maskedChecksum(Array("123456789".utf8)) == 0xC78A_B0E5)
        #expect(CRC32C.maskedChecksum([UInt8]()) == 0xA282_EAD8)
        #expect(CRC32C.maskedChecksum([UInt8](repeating: 0, count: 8)) == 0x0798_0329)
        #expect(CRC32C.maskedChecksum(TFRecord.littleEndian(UInt64(24))) == 0x224B_7FA3)
    }

    @Test func slicingByEightMatchesTheBitwiseDefinitionAtEveryLengthAndAlignment() {
        var state: UInt32 = 12345
        let bytes: [UInt8] = (0..<300).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        for start in 0..<9 {
            for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 291 - start] {
                let slice = Array(bytes[start..<(start + length)])
                #expect(CRC32C.checksum(slice) == bitwise(slice), "start \(start), length \(length)")
            }
        }
        #expect(CRC32C.checksum(Data(bytes)) == bitwise(bytes))
    }
}
