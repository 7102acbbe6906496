import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// `data.dataset: folder` end to end: generated shapes written as PNG files in class folders, trained from the
/// configuration as a user's image folder would be.
@Suite struct ImageFolderTrainingTests {
    /// 600 generated shapes as grey 28×28 PNGs under `root/CLASS/NNN.png`, plus one corrupt file.
    static func writeFolder(_ root: URL) throws -> [String] {
        let shapes = DatasetCatalog.shapes(.train, seed: 3, count: 600)
        let names = GeneratedShapes.classNames
        for name in names {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        for i in 0..<shapes.count {
            let sample = shapes.sample(at: i)
            let png = PNGEncoder.encodeGrey(width: 28, height: 28, values: sample.input.scalars)
            let label = sample.target.classIndex!
            try png.write(to: root.appendingPathComponent("\(names[label])/\(i).png"))
        }
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: root.appendingPathComponent("\(names[0])/broken.png"))
        return names
    }

    @Test func trainsOnAFolderOfPNGs() throws {
        let folder = temporaryFolder("image-folder-run")
        let root = folder.appendingPathComponent("images")
        let names = try Self.writeFolder(root)
        let yaml = """
            seed: 2
            data: {dataset: folder, path: \(root.path), channels: 1, image_size: 28, on_bad_file: skip,
                   batch_size: 32, test_fraction: 0.2}
            model: {name: cnn}
            optimizer: {name: adam, lr: 0.002}
            training: {epochs: 8}
            """
        let config = try TrainingConfig.parse(yaml: yaml, source: "folder.yaml")
        #expect(config.data.folder?.imageSize == [28, 28])
        #expect(try TrainingConfig.parse(yaml: config.yaml) == config)
        let setup = try config.makeSetup()
        #expect(setup.classNames == names.sorted())
        #expect(setup.inputShape == [1, 28, 28])
        #expect(setup.preprocessing.contains("1 unreadable files skipped"))
        var training = TrainingRun(config: config, directory: folder.appendingPathComponent("run"))
        training.write = { _ in }
        let outcome = try training.start()
        let accuracy = try #require(outcome.test?.accuracy)
        #expect(accuracy >= 0.85, "test accuracy \(accuracy)")
    }

    @Test func folderKeysAreChecked() throws {
        func error(_ yaml: String) -> String {
            do {
                _ = try TrainingConfig.parse(yaml: yaml, source: "f.yaml").makeSetup()
                return "no error"
            } catch let e as DescentError {
                return e.description
            } catch { return "\(error)" }
        }
        #expect(
            error("data: {dataset: folder}")
                == "f.yaml:1 data.path: missing (required by dataset folder: a folder with one sub-folder per class)")
        #expect(
            error("data: {dataset: folder, path: x, channels: 2}")
                == "f.yaml:1 data.channels: expected 1 (grey) or 3 (RGB), got 2")
        #expect(
            error("data: {dataset: folder, path: x, image_size: [1, 2, 3]}")
                == "f.yaml:1 data.image_size: expected a side or [height, width], got 3 numbers")
        #expect(error("data: {dataset: mnist, channels: 1}") == "f.yaml:1 data.channels: only used with dataset folder")
        #expect(
            error("data: {dataset: folder, path: /nonexistent/images}").hasPrefix(
                "f.yaml:1 data.path: /nonexistent/images: no such folder"))
    }
}
