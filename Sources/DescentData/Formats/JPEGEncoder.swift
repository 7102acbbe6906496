import CImageCodecs
import Descent
import Foundation

/// Writes 8-bit RGB or grey JPEG images through libjpeg-turbo (TurboJPEG's `tjCompress2`, 4:2:0 chroma subsampling
/// for RGB): test and benchmark folders of JPEG files.
public enum JPEGEncoder {
    /// JPEG bytes for a `width×height` image; `pixels` has 1 (grey) or 3 (RGB) bytes per pixel, row-major;
    /// `quality` 1…100.
    public static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8], quality: Int = 90) -> Data {
        precondition(channels == 1 || channels == 3, "JPEGEncoder: channels must be 1 or 3")
        precondition(pixels.count == width * height * channels, "JPEGEncoder: \(pixels.count) bytes")
        precondition((1...100).contains(quality), "JPEGEncoder: quality must be 1…100")
        guard let handle = tjInitCompress() else { preconditionFailure("JPEGEncoder: cannot start libjpeg-turbo") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = pixels.withUnsafeBufferPointer {
            tjCompress2(
                handle, $0.baseAddress, Int32(width), 0, Int32(height),
                Int32(channels == 1 ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), &output, &size,
                Int32(channels == 1 ? TJSAMP_GRAY.rawValue : TJSAMP_420.rawValue), Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        precondition(status == 0, "JPEGEncoder: \(String(cString: tjGetErrorStr2(handle)))")
        return Data(bytes: output!, count: Int(size))
    }
}
