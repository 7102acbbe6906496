import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Decoding against Pillow (`Tests/Fixtures/generate_images.py`, Pillow 13 with its bundled libjpeg-turbo 3):
/// every pixel equal for PNG (RGB, RGBA, palette, 16-bit grey scaled as round(v / 257)), lossless WebP and JPEG
/// (RGB 4:2:0, grey, EXIF orientations 3 and 6) decoded by Debian's libjpeg-turbo 2.1 — the same accurate integer
/// IDCT and fancy upsampling.
@Suite struct ImageFileTests {
    struct Expected: Decodable {
        let height: Int, width: Int, channels: Int
        let pixels: [Int]
    }
    struct Fixture: Decodable {
        let files: [String: Expected]
    }

    static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "images", withExtension: nil, subdirectory: "Fixtures")!
        let data = try! Data(contentsOf: url.appendingPathComponent("images.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()

    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "images", withExtension: nil, subdirectory: "Fixtures")!
            .appendingPathComponent(name)
    }

    @Test(arguments: [
        "rgb.png", "rgba.png", "palette.png", "grey16.png", "lossless.webp", "rgb.jpg", "grey.jpg", "exif6.jpg",
        "exif3.jpg",
    ])
    func decodesLikePillow(_ name: String) throws {
        let expected = try #require(Self.fixture.files[name])
        let image = try ImageFile.decode(contentsOf: Self.url(name))
        let shape: [Int] = [image.height, image.width, image.channels]
        #expect(shape == [expected.height, expected.width, expected.channels])
        #expect(image.pixels.map(Int.init) == expected.pixels, "\(name)")
    }

    @Test func theFormatComesFromTheBytes() throws {
        let png = try Data(contentsOf: Self.url("rgb.png"))
        #expect(ImageFile.format(of: png) == .png)
        // A PNG named .jpg is read as the PNG it is.
        let image = try ImageFile.decode(png, path: "x.jpg")
        #expect(image.channels == 3 && image.width == 13)
    }

    @Test func brokenFilesAreRefusedWithOneLine() throws {
        let jpeg = try Data(contentsOf: Self.url("rgb.jpg")), png = try Data(contentsOf: Self.url("rgb.png"))
        let webp = try Data(contentsOf: Self.url("lossless.webp"))
        func message(_ data: Data) -> String {
            do {
                _ = try ImageFile.decode(data, path: "i")
                return "read"
            } catch let e as DescentError {
                #expect(!e.description.contains("\n"))
                return e.description
            } catch { return "\(error)" }
        }
        #expect(message(Data()) == "i: empty file (0 bytes), not an image")
        #expect(message(Data("GIF89a".utf8)) == "i: not a JPEG, PNG or WebP image (unrecognised first bytes)")
        #expect(message(jpeg.prefix(jpeg.count - 40)).hasPrefix("i: corrupt or truncated JPEG (libjpeg-turbo: "))
        #expect(
            message(jpeg.prefix(jpeg.count / 2))
                == "i: corrupt JPEG header (libjpeg-turbo: Invalid JPEG file structure: missing SOS marker)")
        #expect(message(jpeg.prefix(20)) == "i: JPEG header gives 0×0 pixels; sides of 1 to 32768 are read")
        #expect(message(png.prefix(png.count - 30)).hasPrefix("i: corrupt or truncated PNG (libpng: "))
        #expect(message(png.prefix(20)).hasPrefix("i: corrupt PNG (libpng: "))
        #expect(message(webp.prefix(webp.count / 2)) == "i: corrupt or truncated WebP (libwebp could not decode it)")
        // A header claiming 40,000 × 40,000 pixels is refused before anything is allocated.
        var huge = [UInt8](png)
        huge[16...23] = [0, 0, 0x9C, 0x40, 0, 0, 0x9C, 0x40]  // IHDR width and height (the CRC is now wrong too)
        #expect(
            message(Data(huge)).hasPrefix("i: corrupt PNG (libpng: ") || message(Data(huge)).contains("40000×40000"))
    }
}
