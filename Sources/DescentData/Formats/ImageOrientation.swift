import Foundation

/// The EXIF orientation of a JPEG (tag 0x0112 of the first IFD in its APP1 `Exif` segment), applied as Pillow's
/// `ImageOps.exif_transpose` applies it: 2 mirrors left–right, 3 turns 180°, 4 mirrors top–bottom, 5 transposes,
/// 6 turns 90° clockwise, 7 transverses, 8 turns 90° counter-clockwise.
struct ImageOrientation: Equatable {
    /// The tag's value, 2…8 (1, the identity, is not kept).
    let value: Int

    /// The orientation in `jpeg`'s EXIF data; `nil` when there is none, it is 1, or the segment is malformed (a
    /// damaged EXIF block does not stop the image from being read, as in Pillow).
    init?(exifOf jpeg: Data) {
        let b = [UInt8](jpeg)
        var i = 2  // after SOI
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1], length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            if marker == 0xDA || marker == 0xD9 || length < 2 { return nil }  // start of scan: no EXIF before it
            let start = i + 4, end = i + 2 + length
            guard end <= b.count else { return nil }
            if marker == 0xE1, end - start >= 14, b[start..<(start + 6)].elementsEqual(Array("Exif\0\0".utf8)) {
                guard let v = Self.orientation(tiff: Array(b[(start + 6)..<end])), (2...8).contains(v) else {
                    return nil
                }
                value = v
                return
            }
            i = end
        }
        return nil
    }

    /// Tag 0x0112 of IFD0 in a TIFF block, bounds-checked.
    static func orientation(tiff t: [UInt8]) -> Int? {
        guard t.count >= 8 else { return nil }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for k in 0..<count {
            let entry = ifd + 2 + 12 * k
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 { return u16(entry + 8) }
        }
        return nil
    }

    /// `image` turned or mirrored upright: output pixel `(x, y)` reads the source pixel this orientation maps there.
    func apply(to image: DecodedImage) -> DecodedImage {
        let (w, h, c) = (image.width, image.height, image.channels)
        let swaps = value >= 5
        let (ow, oh) = swaps ? (h, w) : (w, h)
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        for oy in 0..<oh {
            for ox in 0..<ow {
                let (sx, sy): (Int, Int)
                switch value {
                case 2: (sx, sy) = (w - 1 - ox, oy)
                case 3: (sx, sy) = (w - 1 - ox, h - 1 - oy)
                case 4: (sx, sy) = (ox, h - 1 - oy)
                case 5: (sx, sy) = (oy, ox)
                case 6: (sx, sy) = (oy, h - 1 - ox)
                case 7: (sx, sy) = (w - 1 - oy, h - 1 - ox)
                default: (sx, sy) = (w - 1 - oy, ox)
                }
                let o = (oy * ow + ox) * c, s = (sy * w + sx) * c
                for k in 0..<c { out[o + k] = image.pixels[s + k] }
            }
        }
        return DecodedImage(width: ow, height: oh, channels: c, pixels: out)
    }
}
