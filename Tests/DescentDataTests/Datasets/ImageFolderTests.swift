import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// `ImageFolder` on folders made from the committed image fixtures.
@Suite struct ImageFolderTests {
    /// A folder `cats/` (rgb.jpg, nested/exif3.jpg), `dogs/` (rgb.png, lossless.webp, notes.txt) and an empty
    /// `.hidden/`, plus `extra` files written into `dogs/`.
    static func folder(_ extra: [String: Data] = [:]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("imagefolder-\(UUID().uuidString)")
        let fm = FileManager.default
        for sub in ["cats/nested", "dogs", ".hidden"] {
            try fm.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for (name, target) in [
            ("rgb.jpg", "cats/a.jpg"), ("exif3.jpg", "cats/nested/b.JPEG"), ("rgb.png", "dogs/c.png"),
            ("lossless.webp", "dogs/d.webp"),
        ] {
            try fm.copyItem(at: ImageFileTests.url(name), to: root.appendingPathComponent(target))
        }
        try Data("not an image".utf8).write(to: root.appendingPathComponent("dogs/notes.txt"))
        for (name, data) in extra { try data.write(to: root.appendingPathComponent("dogs/\(name)")) }
        return root
    }

    @Test func classesAreSortedFolderNamesAndFilesAreFoundRecursively() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try ImageFolder(root: root)
        #expect(data.classes == ["cats", "dogs"])
        #expect(data.files.map(\.url.lastPathComponent) == ["a.jpg", "b.JPEG", "c.png", "d.webp"])
        #expect(data.files.map(\.label) == [0, 0, 1, 1])
        #expect(data.sampleShape == [3, 9, 13])
        let sample = try data.loadSample(at: 2)
        #expect(sample.target.classIndex == 1)
        // The PNG's first pixel, scaled to [0, 1], in planes R, G, B.
        let png = try ImageFile.decode(contentsOf: ImageFileTests.url("rgb.png"))
        #expect(sample.input.scalars[0] == Float(png.pixels[0]) / 255)
        #expect(sample.input.scalars[9 * 13] == Float(png.pixels[1]) / 255)
    }

    @Test func imagesOfAnotherSizeAreResizedOrRefused() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.copyItem(
            at: ImageFileTests.url("exif6.jpg"), to: root.appendingPathComponent("dogs/e.jpg"))  // 9×13 turned
        do {
            _ = try ImageFolder(root: root)
            Issue.record("images of two sizes were read without a size")
        } catch let e as DescentError {
            #expect(e.location == root.appendingPathComponent("dogs/e.jpg").path)
            #expect(e.reason == "is 9×13, the first image 13×9 (set data.image_size to resize them all)")
        }
        let grey = try ImageFolder(root: root, channels: 1, size: (8, 8))
        #expect(grey.count == 5 && grey.sampleShape == [1, 8, 8])
        #expect(try grey.loadSample(at: 4).input.shape == [1, 8, 8])
    }

    @Test func badFilesAreNamedOrSkippedAndCounted() throws {
        let jpeg = try Data(contentsOf: ImageFileTests.url("rgb.jpg"))
        let root = try Self.folder([
            "empty.png": Data(), "cut.jpg": jpeg.prefix(jpeg.count - 40), "text.jpg": Data("hello".utf8),
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        do {
            _ = try ImageFolder(root: root)
            Issue.record("a corrupt file was read")
        } catch let e as DescentError {
            #expect(e.location == root.appendingPathComponent("dogs/cut.jpg").path)
            #expect(e.reason.hasPrefix("corrupt or truncated JPEG"))
        }
        let data = try ImageFolder(root: root, onBadFile: .skip)
        #expect(data.count == 4)
        #expect(data.skipped.map { ($0.path as NSString).lastPathComponent } == ["cut.jpg", "empty.png", "text.jpg"])
        #expect(data.skipped[1].reason == "empty file (0 bytes), not an image")
    }

    @Test func aFolderWithoutClassesOrImagesIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("imagefolder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: DescentError.self) { try ImageFolder(root: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a"), withIntermediateDirectories: true)
        do {
            _ = try ImageFolder(root: root)
            Issue.record("a folder without images was read")
        } catch let e as DescentError {
            #expect(e.reason == "has no images (.jpg, .jpeg, .png, .webp) in its 1 class folders")
        }
    }

    @Test func aListNamesTheFilesAndClasses() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let png = root.appendingPathComponent("dogs/c.png").path
        let list = root.appendingPathComponent("list.csv")
        try Data("path,label\ndogs/d.webp,puppy\ncats/a.jpg,kitten\n\(png),puppy\n".utf8).write(to: list)
        let data = try ImageFolder(list: list)
        #expect(data.classes == ["kitten", "puppy"])
        #expect(data.files.map(\.url.lastPathComponent) == ["d.webp", "a.jpg", "c.png"])
        #expect(data.files.map(\.label) == [1, 0, 1])
        #expect(
            try data.loadSample(at: 2).input.scalars == (try ImageFolder(root: root).loadSample(at: 2).input.scalars))
        // A missing file is named with the list's line, or skipped; an undecodable one as in a folder.
        try Data("dogs/d.webp,1\ndogs/gone.png,0\ndogs/notes.txt,0\ncats,1\n".utf8).write(to: list)
        do {
            _ = try ImageFolder(list: list)
            Issue.record("a missing file was read")
        } catch let e as DescentError {
            #expect(e.location == list.path + ":2")
            #expect(e.reason == "no such file: dogs/gone.png (paths are relative to the list's folder)")
        }
        let kept = try ImageFolder(list: list, onBadFile: .skip)
        #expect(kept.count == 1 && kept.classes == ["0", "1"])
        #expect(kept.skipped.map { ($0.path as NSString).lastPathComponent } == ["gone.png", "cats", "notes.txt"])
        #expect(kept.skipped[1].reason.hasPrefix("is a folder, not an image: cats"))
    }

    @Test func greyFromRGBIsPillowsLuma() {
        let image = DecodedImage(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 10, 200, 30])
        let grey = ImageFolder.planes(image, channels: 1)
        // Pillow: Image.new("RGB", …).convert("L") gives 76 and 124 for these pixels.
        #expect(grey.map { Int(($0 * 255).rounded()) } == [76, 124])
    }
}
