import Foundation

/// Writes 8-bit greyscale or RGB PNG images (zlib "stored" blocks: valid in every viewer, no compression).
public enum PNGEncoder {
    /// PNG bytes for a `width×height` image; `pixels` has 1 (grey) or 3 (RGB) bytes per pixel, row-major.
    public static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> Data {
        precondition(channels == 1 || channels == 3, "PNGEncoder: channels must be 1 or 3")
        precondition(
            pixels.count == width * height * channels,
            "PNGEncoder: \(pixels.count) bytes for \(width)×\(height)×\(channels)")
        var raw = [UInt8]()
        raw.reserveCapacity((width * channels + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(y * width * channels)..<((y + 1) * width * channels)])
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = [UInt8]()
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlibStored(raw))
        png += chunk("IEND", [])
        return png
    }

    /// PNG bytes for a greyscale image from floats in [0, 1] (clamped).
    public static func encodeGrey(width: Int, height: Int, values: [Float]) -> Data {
        encode(
            width: width, height: height, channels: 1,
            pixels: values.map { UInt8((Swift.min(Swift.max($0, 0), 1) * 255).rounded()) })
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)]
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> Data {
        let typeBytes = Array(type.utf8)
        var d = Data(bigEndian(UInt32(body.count)))
        d += typeBytes + body
        d += bigEndian(crc32(typeBytes + body))
        return d
    }

    /// zlib stream of uncompressed deflate blocks (at most 65,535 bytes each) with its Adler-32 checksum.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = Swift.min(65_535, data.count - i)
            let last: UInt8 = i + n >= data.count ? 1 : 0
            out += [last, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        return out + bigEndian(b << 16 | a)
    }

    /// CRC-32 (ISO-HDLC, as PNG uses).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }
}
