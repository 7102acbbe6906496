import Foundation

/// Writes 8-bit greyscale or RGB PNG images, compressed: each row takes the filter (none, sub, up, average or
/// Paeth) whose output has the smallest sum of absolute values (libpng's heuristic), and the filtered rows are
/// deflated through zlib at level 6.
public enum PNGEncoder {
    /// PNG bytes for a `width×height` image; `pixels` has 1 (grey) or 3 (RGB) bytes per pixel, row-major.
    public static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> Data {
        precondition(channels == 1 || channels == 3, "PNGEncoder: channels must be 1 or 3")
        precondition(
            pixels.count == width * height * channels,
            "PNGEncoder: \(pixels.count) bytes for \(width)×\(height)×\(channels)")
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = [UInt8]()
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]
        png += chunk("IHDR", header)
        png += chunk(
            "IDAT",
            Array(Gzip.zlibCompress(Data(filtered(width: width, height: height, channels: channels, pixels: pixels)))))
        png += chunk("IEND", [])
        return png
    }

    /// The rows, each prefixed by its filter type and filtered with it (PNG filter method 0), the filter
    /// chosen per row by the minimum sum of absolute differences (bytes read as signed).
    static func filtered(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
        let stride = width * channels, bpp = channels
        var out = [UInt8]()
        out.reserveCapacity((stride + 1) * height)
        var candidate = [UInt8](repeating: 0, count: stride)
        var best = [UInt8](repeating: 0, count: stride)
        for y in 0..<height {
            let row = y * stride, prior = (y - 1) * stride
            var bestType: UInt8 = 0, bestCost = Int.max
            for type: UInt8 in 0...4 {
                var cost = 0
                for i in 0..<stride {
                    let x = pixels[row + i]
                    let a = i >= bpp ? Int(pixels[row + i - bpp]) : 0
                    let b = y > 0 ? Int(pixels[prior + i]) : 0
                    let c = y > 0 && i >= bpp ? Int(pixels[prior + i - bpp]) : 0
                    let predicted: Int
                    switch type {
                    case 0: predicted = 0
                    case 1: predicted = a
                    case 2: predicted = b
                    case 3: predicted = (a + b) / 2
                    default: predicted = paeth(a, b, c)
                    }
                    let v = UInt8(truncatingIfNeeded: Int(x) - predicted)
                    candidate[i] = v
                    cost += v < 128 ? Int(v) : 256 - Int(v)
                }
                if cost < bestCost {
                    bestCost = cost
                    bestType = type
                    swap(&candidate, &best)
                }
            }
            out.append(bestType)
            out.append(contentsOf: best)
        }
        return out
    }

    /// PNG's Paeth predictor: of `a` (left), `b` (above) and `c` (above left), the one closest to `a + b − c`.
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
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
