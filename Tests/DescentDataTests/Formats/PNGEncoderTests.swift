import Foundation
import Testing

@testable import DescentData

@Suite struct PNGEncoderTests {
    @Test func crcAndAdlerMatchKnownValues() {
        #expect(PNGEncoder.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        let z = PNGEncoder.zlibStored(Array("Wikipedia".utf8))
        #expect(Array(z.suffix(4)) == [0x11, 0xE6, 0x03, 0x98])  // Adler-32 of "Wikipedia"
    }

    @Test func encodesAValidHeader() {
        let png = PNGEncoder.encodeGrey(width: 3, height: 2, values: [0, 0.5, 1, 1, 0.5, 0])
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Array(png[16..<24]) == [0, 0, 0, 3, 0, 0, 0, 2])
        #expect(Array(png.suffix(8)) == [0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }
}
