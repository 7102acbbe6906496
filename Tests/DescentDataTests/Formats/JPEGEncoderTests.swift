import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// `JPEGEncoder`: libjpeg-turbo's encoder, read back by `ImageFile` within JPEG's loss.
@Suite struct JPEGEncoderTests {
    @Test func encodedImagesDecodeCloseToThePixels() throws {
        let (w, h) = (40, 24)
        var rgb = [UInt8]()
        for y in 0..<h { for x in 0..<w { rgb += [UInt8(x * 6), UInt8(y * 10), UInt8(128)] } }
        for (channels, pixels) in [(3, rgb), (1, rgb.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))] {
            let jpeg = JPEGEncoder.encode(width: w, height: h, channels: channels, pixels: pixels, quality: 95)
            #expect(ImageFile.format(of: jpeg) == .jpeg)
            let image = try ImageFile.decode(jpeg, path: "t.jpg")
            #expect(image.width == w && image.height == h && image.channels == channels)
            let worst = zip(image.pixels, pixels).map { abs(Int($0) - Int($1)) }.max()!
            #expect(worst <= 12, "largest difference \(worst)")
            let mean =
                Double(zip(image.pixels, pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(pixels.count)
            #expect(mean < 2, "mean difference \(mean)")
        }
    }
}
