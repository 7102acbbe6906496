import Descent
import Foundation
import Testing

@testable import DescentTrain

/// Damaged and hostile event files are refused with a `DescentError` naming the file and the record's byte offset.
@Suite struct TensorBoardHostileFileTests {
    /// A valid two-record file: the file-version event and one scalar.
    private func validFile() -> [UInt8] {
        TFRecord.frame(TensorBoardEvent.encode(wallTime: 1, step: 0, fileVersion: "brain.Event:2"))
            + TFRecord.frame(TensorBoardEvent.encode(wallTime: 2, step: 7, values: [.scalar(tag: "loss", value: 0.5)]))
    }

    /// The error reading `bytes` as an event file gives, or nil when it reads; reading the same bytes from memory
    /// (`TensorBoardReader(data:name:)`, what `scripts/fuzz tensorboard` feeds) gives the same events or reason.
    private func error(reading bytes: [UInt8]) throws -> DescentError? {
        let fromFile = try fileError(reading: bytes)
        let name = "events.out.tfevents.hostile"
        do {
            _ = try TensorBoardReader.events(decoding: Data(bytes), name: name)
            #expect(fromFile == nil)
        } catch let error as DescentError {
            #expect(error.location == name && error.reason == fromFile?.reason)
        }
        return fromFile
    }

    /// The error reading `bytes` from a file gives, or nil when it reads.
    private func fileError(reading bytes: [UInt8]) throws -> DescentError? {
        let directory = TensorBoardTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("events.out.tfevents.hostile")
        try Data(bytes).write(to: url)
        do {
            _ = try TensorBoardReader.events(in: url)
            return nil
        } catch let error as DescentError {
            #expect(error.kind == .file && error.location == url.path)
            return error
        }
    }

    @Test func validFileReads() throws {
        #expect(try error(reading: validFile()) == nil)
        #expect(try error(reading: []) == nil)
    }

    @Test func truncatedFilesAreRefused() throws {
        let bytes = validFile()
        let first = 12 + 24 + 4
        #expect(
            try error(reading: Array(bytes[..<(first + 5)]))?.reason
                == "record at byte 40: truncated record: 5 bytes left, a record header takes 12")
        let cut = try #require(try error(reading: Array(bytes.dropLast(1)))?.reason)
        #expect(
            cut == "record at byte 40: record length 26 runs past the end of the file (29 bytes left after the "
                + "header, including the 4-byte data checksum)")
    }

    @Test func flippedChecksumOrDataBytesAreRefused() throws {
        var lengthCRC = validFile()
        lengthCRC[40 + 9] ^= 0x01
        #expect(try error(reading: lengthCRC)?.reason.hasPrefix("record at byte 40: length checksum mismatch") == true)
        var dataCRC = validFile()
        dataCRC[dataCRC.count - 1] ^= 0x80
        #expect(try error(reading: dataCRC)?.reason.hasPrefix("record at byte 40: data checksum mismatch") == true)
        var data = validFile()
        data[12 + 3] ^= 0x10
        let reason = try #require(try error(reading: data)?.reason)
        #expect(reason.hasPrefix("record at byte 0: data checksum mismatch (stored 0x"))
    }

    @Test func hugeLengthWithAValidChecksumIsRefusedBeforeReading() throws {
        let length = TFRecord.littleEndian(UInt64.max - 3)
        let header = length + TFRecord.littleEndian(CRC32C.maskedChecksum(length))
        #expect(
            try error(reading: validFile() + header + [0, 0, 0, 0])?.reason == "record at byte 82: record length "
                + "18446744073709551612 runs past the end of the file (4 bytes left after the header, including the "
                + "4-byte data checksum)")
    }

    @Test func malformedEventWithValidChecksumsIsRefused() throws {
        let bad = TFRecord.frame([0x2A, 0x7F, 0x0A])
        #expect(
            try error(reading: validFile() + bad)?.reason
                == "record at byte 82: malformed event: field 5 at byte 0 claims 127 bytes but only 1 remain")
        let nested = TFRecord.frame([0x2A, 0x03, 0x0A, 0x01, 0x0F])
        #expect(
            try error(reading: nested)?.reason
                == "record at byte 0: malformed event: unsupported wire type 7 for field 1 at byte 0")
    }

    @Test func missingFileIsAClearError() {
        let url = TensorBoardTestFiles.temporaryDirectory().appendingPathComponent("events.out.tfevents.none")
        #expect(throws: DescentError.self) { try TensorBoardReader.events(in: url) }
    }
}
