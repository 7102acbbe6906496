import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Inputs that `scripts/fuzz` found crashing a parser (a trap, a sanitizer report, an allocation over libFuzzer's
/// 2 GiB limit), each kept with the one-line error it now gives. The bytes are libFuzzer's, verbatim.
@Suite struct FuzzRegressionTests {
    /// `scripts/fuzz gzip`: two gzip headers, a scrap of deflate data and a trailer whose length field claims
    /// 2.2 GB. Decompression reserved the claimed size (capped at 2 GiB) before inflating a byte; it now caps
    /// the reservation at what deflate can expand 37 bytes to.
    @Test func gzipTrailerClaimingGigabytes() {
        let bytes: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x02, 0x03, 0x63, 0x60, 0x02, 0x03, 0x63, 0x60, 0xe0, 0x65, 0x62, 0x60, 0x60, 0x60, 0x04, 0x62,
            0x26, 0xfb, 0x06, 0x06, 0x86,
        ]
        #expect(
            throws: DescentError(
                .file, "fuzz.gz", "corrupt gzip data in member 1 near byte 15: invalid stored block lengths")
        ) {
            try Gzip.decompress(Data(bytes), name: "fuzz.gz")
        }
    }

    /// `scripts/fuzz text`: a one-column table whose label is the integer 22,666,666,666,666; the class list up to
    /// the largest index was allocated (an allocation ASan refuses). Indices now stop at 65,535.
    @Test func textLabelThatIsAHugeClassIndex() {
        let bytes = Data("22666666666666\n22\n".utf8)
        #expect(
            throws: DescentError(
                .file, "fuzz.csv:1",
                "label 22666666666666 is too large for a class index (at most 65535); give class names instead")
        ) {
            _ = try TextCorpus.table(data: bytes, path: "fuzz.csv", text: .index(0), label: .index(-1), header: .absent)
        }
    }

    /// The one-line message (`DescentError.description`) that reading `bytes` with `parse` throws.
    private func message(_ parse: () throws -> Void) -> String? {
        do {
            try parse()
            return nil
        } catch let error as DescentError {
            #expect(!error.description.contains { $0.isNewline })
            return error.description
        } catch {
            Issue.record("not a DescentError: \(error)")
            return nil
        }
    }

    /// `scripts/fuzz csv`: a cell holding a NUL and a form feed (a line break to a terminal) was quoted verbatim,
    /// splitting the error over two lines; `DescentError.description` now escapes line breaks.
    @Test func csvCellWithFormFeed() {
        let bytes: [UInt8] = [0x00, 0x0c, 0x2c, 0x20, 0x30, 0x33, 0x2c, 0x34, 0x2c, 0x61, 0x0a]
        #expect(
            message { _ = try CSVTable(data: Data(bytes), path: "fuzz.csv", header: .absent) }?
                .hasPrefix("fuzz.csv:1, column 1: cell \"\u{0}\\u{c}") == true)
    }

    /// `scripts/fuzz npy`: an NPY header padded with spaces and a newline, quoted in full in the error.
    @Test func npyHeaderQuotedWithNewline() {
        let bytes: [UInt8] = [
            0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63, 0x72, 0x27,
            0x3a, 0x20, 0x27, 0x3c, 0x66, 0x38, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x20, 0x27, 0x73, 0x68, 0x61,
            0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x32, 0x2c, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
            0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
            0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
            0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
            0x0a, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, 0x9c, 0x75, 0x00, 0x88, 0x3c, 0xe4, 0x37, 0xfe, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x40,
        ]
        let text = message { _ = try NPYArray(data: Data(bytes), path: "fuzz.npy") } ?? ""
        #expect(
            text.hasPrefix(
                "fuzz.npy: malformed NPY header (expected ':' at character 23): {'descr': '<f8', 'for 'shape': (2,), }")
        )
        #expect(text.contains(#"\n"#))
    }

    /// `scripts/fuzz wav`: a chunk id `fmt\r` (carriage return) named in the error.
    @Test func wavChunkIdWithCarriageReturn() {
        let bytes: [UInt8] = [
            0x52, 0x49, 0x46, 0x46, 0x33, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x0d,
            0x20, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x80, 0xbb, 0x7f,
            0x00, 0x00, 0x80, 0x00, 0x40, 0xff, 0xff, 0xff,
        ]
        #expect(
            message { _ = try WAVAudio(data: Data(bytes), path: "fuzz.wav") }
                == #"fuzz.wav: truncated: chunk "fmt\r" declares 4128 bytes, but only 20 follow"#)
    }

    @Test func descriptionEscapesEveryLineBreak() {
        let error = DescentError(.file, "a\nb", "c\r\nd\u{2028}e\u{0B}f\u{85}")
        #expect(error.description == #"a\nb: c\r\nd\u{2028}e\u{b}f\u{85}"#)
        #expect(error.reason == "c\r\nd\u{2028}e\u{0B}f\u{85}")
    }
}
