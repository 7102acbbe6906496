import Testing

@testable import DescentTrain

/// The protobuf wire encoder and decoder: exact bytes of each wire type, and refusal of malformed input.
@Suite struct TensorBoardProtobufTests {
    @Test func varintsAreBase128LeastSignificantGroupFirst() {
        var e = ProtobufEncoder()
        e.varint(1, 0)
        e.varint(1, 1)
        e.varint(1, 150)
        e.varint(2, 1 << 40)
        e.varint(2, -1)
        #expect(
            e.output == [
                0x08, 0x00, 0x08, 0x01, 0x08, 0x96, 0x01, 0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20,
                0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
            ])
    }

    @Test func fixedWidthAndLengthDelimitedFields() {
        var e = ProtobufEncoder()
        e.double(1, 1.5)
        e.float(2, -2)
        e.string(3, "hé")
        e.message(5) { $0.varint(1, 3) }
        #expect(
            e.output == [
                0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x15, 0, 0, 0, 0xC0, 0x1A, 3, 0x68, 0xC3, 0xA9,
                0x2A, 2, 0x08, 3,
            ])
    }

    @Test func decoderReadsBackWhatTheEncoderWrote() throws {
        var e = ProtobufEncoder()
        e.varint(2, -7)
        e.double(1, 0.1)
        e.float(2, 0.25)
        e.bytes(300, [1, 2, 3])
        var d = ProtobufDecoder(e.output)
        guard case .varint(2, let v) = try d.next() else { Issue.record("expected a varint"); return }
        #expect(Int64(bitPattern: v) == -7)
        guard case .fixed64(1, let bits) = try d.next() else { Issue.record("expected a double"); return }
        #expect(Double(bitPattern: bits) == 0.1)
        guard case .fixed32(2, let f) = try d.next() else { Issue.record("expected a float"); return }
        #expect(Float(bitPattern: f) == 0.25)
        guard case .bytes(300, let b) = try d.next() else { Issue.record("expected bytes"); return }
        #expect(Array(b) == [1, 2, 3])
        #expect(try d.next() == nil)
    }

    @Test func packedRepeatedValues() throws {
        #expect(try ProtobufDecoder.floats(.bytes(5, [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])) == [1, -2])
        #expect(try ProtobufDecoder.doubles(.bytes(6, [0, 0, 0, 0, 0, 0, 0xF8, 0x3F])) == [1.5])
        #expect(throws: ProtobufDecodingError.self) { try ProtobufDecoder.floats(.bytes(5, [0, 0, 0])) }
    }

    @Test func malformedMessagesAreRefusedWithTheirOffset() {
        let cases: [([UInt8], String)] = [
            ([0x0A, 0x05, 1, 2], "field 1 at byte 0 claims 5 bytes but only 2 remain"),
            ([0x08], "varint at byte 1 runs past the end of the message"),
            ([0x08] + [UInt8](repeating: 0xFF, count: 11), "varint at byte 1 is longer than 10 bytes"),
            ([0x09, 1, 2, 3], "8-byte field at byte 1 runs past the end of the message"),
            ([0x0B], "unsupported wire type 3 for field 1 at byte 0"),
            ([0x00], "invalid field number 0 at byte 0"),
            (
                [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
                "field 1 at byte 0 claims 9223372036854775807 bytes but only 0 remain"
            ),
        ]
        for (bytes, message) in cases {
            var d = ProtobufDecoder(bytes)
            do {
                while try d.next() != nil {}
                Issue.record("\(bytes) was accepted")
            } catch let error as ProtobufDecodingError {
                #expect(error.description == message)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}
