import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent images`: a built-in image dataset written as an image folder (`train/CLASS/N.png`, `test/CLASS/N.png`),
/// what `data.dataset: folder` reads — to try the folder route on known data, or to look at the images.
struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract:
            "Write a built-in image dataset as PNG files in one folder per class (OUTPUT/train/CLASS/N.png, OUTPUT/test/…), the layout data.dataset: folder reads."
    )

    @Argument(help: "Dataset: \(ImagesCommand.datasets.map(\.rawValue).joined(separator: ", ")).")
    var dataset: String

    @Option(help: "Folder to write (created; must not exist or be empty).")
    var output: String

    @Option(help: "Splits to write: train, test or all.")
    var split: String = "all"

    @Option(help: "Folder holding the datasets (default: $DESCENT_DATA, then the cache).")
    var dataDir: String?

    /// The catalogue's image datasets.
    static let datasets = DatasetName.builtIn.filter(\.isImage)

    func validate() throws {
        guard let name = DatasetName(lookup: dataset), Self.datasets.contains(name) else {
            throw ValidationError(
                "unknown image dataset '\(dataset)' (available: \(Self.datasets.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard ["train", "test", "all"].contains(split) else {
            throw ValidationError("--split must be train, test or all, got '\(split)'")
        }
    }

    func run() throws {
        let name = DatasetName(lookup: dataset)!
        let root = URL(fileURLWithPath: output)
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: root.path), !existing.isEmpty {
            throw DescentError(.file, output, "is not empty (images are written only into a new or empty folder)")
        }
        let classNames = name.classNames ?? []
        // The data is read before the output folder is made, so a missing dataset leaves nothing behind.
        let parts = try (split == "all" ? [OfficialSplit.train, .test] : [split == "train" ? .train : .test]).map {
            ($0, try DatasetCatalog.load(name, split: $0, directory: dataDir.map { URL(fileURLWithPath: $0) }))
        }
        try RunFolder.prepareOutput(root)
        for (part, data) in parts {
            let folder = root.appendingPathComponent(part == .train ? "train" : "test")
            let start = Date()
            let counts = try ImageFolderWriter.write(data, classNames: classNames, to: folder)
            print(
                String(
                    format: "descent images: %d %@ images of %d classes in %@ (%.1f s)", counts.reduce(0, +),
                    part == .train ? "training" : "test", classNames.count, folder.path,
                    Date().timeIntervalSince(start)))
        }
    }
}
