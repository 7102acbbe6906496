import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct PNGEncoderTests {
    @Test func crcMatchesKnownValue() {
        #expect(PNGEncoder.crc32(Array("IEND".utf8)) == 0xAE42_6082)
    }

    /// The image data of `png` (IDAT inflated and unfiltered), read back independently of the encoder's filter
    /// choice: PNG's inverse filters applied to what zlib returns.
    static func decode(_ png: Data, width: Int, height: Int, channels: Int) throws -> [UInt8] {
        let bytes = [UInt8](png)
        var offset = 8, idat = [UInt8]()
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            if type == "IDAT" { idat += bytes[(offset + 8)..<(offset + 8 + length)] }
            offset += 12 + length
        }
        let stride = width * channels
        let raw = try #require(Gzip.zlibUncompress(Data(idat), size: (stride + 1) * height))
        var out = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let type = raw[y * (stride + 1)]
            for i in 0..<stride {
                let f = Int(raw[y * (stride + 1) + 1 + i])
                let a = i >= channels ? Int(out[y * stride + i - channels]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + i]) : 0
                let c = y > 0 && i >= channels ? Int(out[(y - 1) * stride + i - channels]) : 0
                let predicted = [0, a, b, (a + b) / 2, PNGEncoder.paeth(a, b, c)][Int(type)]
                out[y * stride + i] = UInt8((f + predicted) & 255)
            }
        }
        return out
    }

    @Test func compressedImageDataDecodesToThePixels() throws {
        let (w, h) = (37, 23)
        var rgb = [UInt8]()
        for y in 0..<h { for x in 0..<w { rgb += [UInt8(x * 6), UInt8(y * 11), UInt8((x * y) % 251)] } }
        let png = PNGEncoder.encode(width: w, height: h, channels: 3, pixels: rgb)
        #expect(try Self.decode(png, width: w, height: h, channels: 3) == rgb)
        // Smooth gradients filter to near-constant rows: far smaller than the raw bytes.
        #expect(png.count < rgb.count / 2)
        let noise = RandomGenerator(seed: 5)
        let grey = (0..<(w * h)).map { _ in UInt8(noise.integer(in: 0..<256)) }
        let greyPNG = PNGEncoder.encode(width: w, height: h, channels: 1, pixels: grey)
        #expect(try Self.decode(greyPNG, width: w, height: h, channels: 1) == grey)
    }

    /// libpng (through ``ImageFile``, whose pixels equal Pillow's) reads back exactly the pixels written, and the
    /// compressed file is smaller than the same image in stored (uncompressed) deflate blocks would be.
    @Test func libpngReadsBackThePixels() throws {
        let (w, h) = (40, 30)
        var rgb = [UInt8]()
        for y in 0..<h { for x in 0..<w { rgb += [UInt8(x * 6), UInt8(y * 8), UInt8((x + y) % 7 * 30)] } }
        let grey = rgb.enumerated().filter { $0.offset % 3 == 1 }.map(\.element)
        for (channels, pixels) in [(3, rgb), (1, grey)] {
            let png = PNGEncoder.encode(width: w, height: h, channels: channels, pixels: pixels)
            let image = try ImageFile.decode(png, path: "round-trip.png")
            #expect(image.width == w && image.height == h && image.channels == channels)
            #expect(image.pixels == pixels)
            // Stored blocks: the filter byte per row, 5 bytes per 65,535-byte block, zlib's 6, the 57 of the chunks.
            let raw = (w * channels + 1) * h
            let stored = raw + 5 * ((raw + 65_534) / 65_535) + 6 + 57
            #expect(png.count < stored / 3, "\(png.count) bytes, \(stored) stored")
        }
    }

    @Test func encodesAValidHeader() {
        let png = PNGEncoder.encodeGrey(width: 3, height: 2, values: [0, 0.5, 1, 1, 0.5, 0])
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Array(png[16..<24]) == [0, 0, 0, 3, 0, 0, 0, 2])
        #expect(Array(png.suffix(8)) == [0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }
}
