import DescentData
import Foundation
import Testing

/// `descent images`: a built-in dataset written as class folders of PNG files that `ImageFolder` reads back.
@Suite struct ImagesCommandTests {
    @Test func writesClassFoldersThatReadBack() throws {
        let folder = TemporaryFolder.make("images")
        #expect(
            CommandOutcome.of(["images", "shapes", "--output", "$TMP/out", "--split", "test"], inFolder: folder)
                == .success)
        let images = try ImageFolder(root: folder.appendingPathComponent("out/test"), channels: 1)
        #expect(images.count == 2000)
        #expect(images.classes == GeneratedShapes.classNames.sorted())
        #expect(images.sampleShape == [1, 28, 28])
        // The PNG holds the sample's pixels, rounded to 8 bits.
        let original = DatasetCatalog.shapes(.test, seed: 0).sample(at: 0)
        let name = GeneratedShapes.classNames[original.target.classIndex!]
        let read = try ImageFile.decode(
            contentsOf: folder.appendingPathComponent("out/test/\(name)/0000.png"))
        #expect(read.pixels.map { Float($0) } == original.input.scalars.map { ($0 * 255).rounded() })
        #expect(
            CommandOutcome.of(["images", "shapes", "--output", "$TMP/out"], inFolder: folder)
                == .failure("$TMP/out: is not empty (images are written only into a new or empty folder)")
                .inFolder(folder))
        #expect(
            CommandOutcome.of(["images", "csv", "--output", "$TMP/x"], inFolder: folder)
                == .usage("unknown image dataset 'csv' (available: shapes, mnist, fashion-mnist, cifar10)"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path))
    }
}
