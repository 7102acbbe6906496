import CImageCodecs
import Descent
import Foundation

/// An image decoded to 8-bit samples, row-major `height × width × channels` (1 grey, 3 RGB, 4 RGBA).
public struct DecodedImage: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Samples per pixel: 1 (grey), 3 (RGB) or 4 (RGBA).
    public let channels: Int
    /// The samples, `(y · width + x) · channels + c`.
    public var pixels: [UInt8]

    /// An image of `pixels` (`height · width · channels` of them).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "DecodedImage: \(pixels.count) samples")
        (self.width, self.height, self.channels, self.pixels) = (width, height, channels, pixels)
    }
}

/// Reads JPEG, PNG and WebP files with the libraries the field uses — libjpeg-turbo (TurboJPEG, accurate integer
/// IDCT and fancy upsampling, Pillow's defaults), libpng (palette, 16-bit and grey+alpha files expanded) and libwebp
/// — never a hand-written decoder. The format comes from the bytes, not the name; a JPEG's EXIF orientation is
/// applied (Pillow's `ImageOps.exif_transpose`).
public enum ImageFile {
    /// The formats read.
    public enum Format: String, Sendable, CaseIterable {
        case jpeg, png, webp
    }

    /// The file extensions of images in a folder (lower-cased).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png", "webp"]

    /// The largest width or height read (a larger header is refused before any allocation).
    public static let maximumSide = 1 << 15

    /// The format of `data` from its first bytes (`nil`: none of them).
    public static func format(of data: Data) -> Format? {
        let b = [UInt8](data.prefix(12))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        if b.count >= 8, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if b.count >= 12, b[0..<4] == [0x52, 0x49, 0x46, 0x46], b[8..<12] == [0x57, 0x45, 0x42, 0x50] { return .webp }
        return nil
    }

    /// Decodes the image file at `url`.
    ///
    /// - Throws: ``DescentError`` naming the file when it cannot be read, is empty, is not a JPEG, PNG or WebP
    ///   image, is truncated or corrupt (the library's reason), or is larger than ``maximumSide`` on a side.
    public static func decode(contentsOf url: URL) throws -> DecodedImage {
        try decode(try FileBytes.read(url), path: url.path)
    }

    /// Decodes image bytes; `path` names them in errors.
    public static func decode(_ data: Data, path: String) throws -> DecodedImage {
        guard !data.isEmpty else { throw DescentError(.file, path, "empty file (0 bytes), not an image") }
        guard let format = format(of: data) else {
            throw DescentError(.file, path, "not a JPEG, PNG or WebP image (unrecognised first bytes)")
        }
        switch format {
        case .jpeg: return try jpeg(data, path: path)
        case .png: return try png(data, path: path)
        case .webp: return try webp(data, path: path)
        }
    }

    /// Refuses sizes outside `1...maximumSide`.
    static func checkSize(_ width: Int, _ height: Int, path: String, format: Format) throws {
        guard width >= 1, height >= 1, width <= maximumSide, height <= maximumSide else {
            throw DescentError(
                .file, path,
                "\(format.rawValue.uppercased()) header gives \(width)×\(height) pixels; sides of 1 to \(maximumSide) are read"
            )
        }
    }

    static func jpeg(_ data: Data, path: String) throws -> DecodedImage {
        guard let handle = tjInitDecompress() else { throw DescentError(.file, path, "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        let reason = { String(cString: tjGetErrorStr2(handle)) }
        return try data.withUnsafeBytes { raw -> DecodedImage in
            let bytes = raw.bindMemory(to: UInt8.self).baseAddress!
            var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            guard tjDecompressHeader3(handle, bytes, UInt(data.count), &w, &h, &subsampling, &colorspace) == 0 else {
                throw DescentError(.file, path, "corrupt JPEG header (libjpeg-turbo: \(reason()))")
            }
            try checkSize(Int(w), Int(h), path: path, format: .jpeg)
            guard colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue) else {
                throw DescentError(.file, path, "CMYK JPEG images are not read (convert it to RGB)")
            }
            let grey = colorspace == Int32(TJCS_GRAY.rawValue)
            let channels = grey ? 1 : 3
            var pixels = [UInt8](repeating: 0, count: Int(w) * Int(h) * channels)
            let status = pixels.withUnsafeMutableBufferPointer {
                tjDecompress2(
                    handle, bytes, UInt(data.count), $0.baseAddress, w, 0, h,
                    Int32(grey ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), TJFLAG_STOPONWARNING)
            }
            // A warning (a truncated file's "Premature end of JPEG file") stops decoding: the missing rows would be
            // grey (Pillow too refuses truncated images by default).
            guard status == 0 else {
                throw DescentError(.file, path, "corrupt or truncated JPEG (libjpeg-turbo: \(reason()))")
            }
            let image = DecodedImage(width: Int(w), height: Int(h), channels: channels, pixels: pixels)
            return ImageOrientation(exifOf: data).map { $0.apply(to: image) } ?? image
        }
    }

    static func png(_ data: Data, path: String) throws -> DecodedImage {
        var image = png_image()
        image.version = descent_png_image_version()
        defer { png_image_free(&image) }
        let message = { (image: png_image) -> String in
            withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return try data.withUnsafeBytes { raw -> DecodedImage in
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw DescentError(.file, path, "corrupt PNG (libpng: \(message(image)))")
            }
            try checkSize(Int(image.width), Int(image.height), path: path, format: .png)
            let color = descent_png_has_color(image.format) != 0, alpha = descent_png_has_alpha(image.format) != 0
            let wide = descent_png_is_linear(image.format) != 0 && !alpha
            let channels = alpha ? 4 : color ? 3 : 1
            let count = Int(image.width) * Int(image.height) * channels
            if wide {
                // 16-bit grey or RGB: read as 16-bit (no gamma conversion), then v / 257 rounded.
                image.format = color ? descent_png_format_linear_rgb() : descent_png_format_linear_y()
                var wideSamples = [UInt16](repeating: 0, count: count)
                let ok = wideSamples.withUnsafeMutableBytes {
                    png_image_finish_read(&image, nil, $0.baseAddress, 0, nil)
                }
                guard ok != 0 else {
                    throw DescentError(.file, path, "corrupt or truncated PNG (libpng: \(message(image)))")
                }
                let pixels = wideSamples.map { UInt8((UInt32($0) * 2 + 257) / 514) }
                return DecodedImage(
                    width: Int(image.width), height: Int(image.height), channels: channels, pixels: pixels)
            }
            image.format =
                alpha ? descent_png_format_rgba() : color ? descent_png_format_rgb() : descent_png_format_gray()
            var pixels = [UInt8](repeating: 0, count: count)
            let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else {
                throw DescentError(.file, path, "corrupt or truncated PNG (libpng: \(message(image)))")
            }
            return DecodedImage(width: Int(image.width), height: Int(image.height), channels: channels, pixels: pixels)
        }
    }

    static func webp(_ data: Data, path: String) throws -> DecodedImage {
        try data.withUnsafeBytes { raw -> DecodedImage in
            let bytes = raw.bindMemory(to: UInt8.self).baseAddress!
            var features = WebPBitstreamFeatures()
            guard WebPGetFeatures(bytes, raw.count, &features) == VP8_STATUS_OK else {
                throw DescentError(.file, path, "corrupt WebP header (libwebp could not read its features)")
            }
            let (w, h) = (Int(features.width), Int(features.height))
            try checkSize(w, h, path: path, format: .webp)
            let channels = features.has_alpha != 0 ? 4 : 3
            var pixels = [UInt8](repeating: 0, count: w * h * channels)
            let decoded = pixels.withUnsafeMutableBufferPointer { out in
                channels == 4
                    ? WebPDecodeRGBAInto(bytes, raw.count, out.baseAddress, out.count, Int32(w * 4))
                    : WebPDecodeRGBInto(bytes, raw.count, out.baseAddress, out.count, Int32(w * 3))
            }
            guard decoded != nil else {
                throw DescentError(.file, path, "corrupt or truncated WebP (libwebp could not decode it)")
            }
            return DecodedImage(width: w, height: h, channels: channels, pixels: pixels)
        }
    }
}
