import ArgumentParser
import Descent
import DescentData
import Foundation

/// `descent augment`: a PNG grid showing what each image augmentation does to a few dataset samples.
struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Write a PNG grid of dataset samples (first column) and their augmentations (one column per transform)."
    )

    @Option(help: "Dataset: shapes (generated, no files needed), mnist, fashion-mnist or cifar10 (shown as grey; from --data-dir).")
    var dataset: String = "shapes"

    @Option(help: "Comma-separated transforms: \(AugmentCommand.available.joined(separator: ", ")).")
    var transforms: String = "flip,rotate,affine,perspective,crop,resized-crop,jitter,noise,erase"

    @Option(help: "Number of samples (grid rows), taken from the start of the test split.")
    var count: Int = 8

    @Option(help: "Seed of the augmentations' random numbers.")
    var seed: UInt64 = 0

    @Option(help: "Path of the PNG to write.")
    var output: String = "augment.png"

    @Option(help: "Folder holding the datasets (default: $DESCENT_DATA).")
    var dataDir: String?

    /// Transform names the command knows.
    static let available = ["flip", "vflip", "rotate", "affine", "perspective", "crop", "resized-crop", "jitter",
                            "noise", "erase", "mixup"]
    /// Dataset names the command knows.
    static let datasets = ["shapes", "mnist", "fashion-mnist", "cifar10"]

    var transformNames: [String] {
        transforms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
        guard Self.datasets.contains(dataset.lowercased()) else {
            throw ValidationError("--dataset: unknown dataset '\(dataset)' (available: \(Self.datasets.joined(separator: ", ")))")
        }
        guard !transformNames.isEmpty else { throw ValidationError("--transforms: give at least one transform") }
        for name in transformNames where !Self.available.contains(name) {
            throw ValidationError("--transforms: unknown transform '\(name)' (available: \(Self.available.joined(separator: ", ")))")
        }
    }

    /// The per-sample transform called `name`, at a strength that shows clearly on a 28×28 image.
    static func transform(_ name: String, height: Int, width: Int) -> any Transform {
        switch name {
        case "flip": return RandomHorizontalFlip(p: 1)
        case "vflip": return RandomVerticalFlip(p: 1)
        case "rotate": return RandomRotation(degrees: 30)
        case "affine": return RandomAffine(degrees: 15, translate: (x: 0.1, y: 0.1), scale: 0.8...1.2, shear: 10)
        case "perspective": return RandomPerspective(distortionScale: 0.5, p: 1)
        case "crop": return RandomCrop(height: height, width: width, padding: max(1, height / 7))
        case "resized-crop": return RandomResizedCrop(height: height, width: width, scale: 0.3...1)
        case "jitter": return ColorJitter(brightness: 0.5, contrast: 0.5)
        case "noise": return GaussianNoise(std: 0.1)
        default: return RandomErasing(p: 1)
        }
    }

    /// A `[H, W]` grey image in [0, 1] for the grid: channel 0 of a grey image, the luminance of an RGB one.
    static func displayable(_ image: Tensor) throws -> Tensor {
        let l = try ImageLayout(image, transform: "augment")
        let plane = l.height * l.width
        let v = image.scalars
        var grey = [Float](repeating: 0, count: plane)
        for k in 0..<plane {
            let g = l.channels == 3 ? 0.2989 * v[k] + 0.587 * v[plane + k] + 0.114 * v[2 * plane + k] : v[k]
            grey[k] = min(max(g, 0), 1)
        }
        return Tensor(grey, shape: [l.height, l.width])
    }

    func run() throws {
        let names = transformNames
        let directory = dataDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
        let data = try DatasetCatalog.load(dataset, split: .test, directory: directory)
        let rows = min(count, data.count)
        guard rows > 0 else { throw DescentError(.file, dataset, "the dataset has no samples") }
        let originals = (0..<rows).map { data.sample(at: $0) }
        let first = try ImageLayout(originals[0].input, transform: "augment")

        var mixed: Tensor? = nil
        if names.contains("mixup") {
            let shape = originals[0].input.shape
            let flat = originals.flatMap(\.input.scalars)
            var oneHot = [Float](repeating: 0, count: rows * 10)
            for (i, s) in originals.enumerated() { oneHot[i * 10 + min(max(s.target.classIndex ?? 0, 0), 9)] = 1 }
            let batch = try Mixup(alpha: 1).callAsFunction(
                inputs: Tensor(flat, shape: [rows] + shape), targets: Tensor(oneHot, shape: [rows, 10]),
                generator: RandomGenerator(seed: seed, stream: UInt64.max - 1))
            mixed = batch.inputs
        }

        var cells: [Tensor] = []
        for (i, sample) in originals.enumerated() {
            cells.append(try Self.displayable(sample.input))
            for (column, name) in names.enumerated() {
                if name == "mixup", let m = mixed {
                    let size = m.count / rows
                    let row = Array(m.scalars[(i * size)..<((i + 1) * size)])
                    cells.append(try Self.displayable(Tensor(row, shape: sample.input.shape)))
                    continue
                }
                let t = Self.transform(name, height: first.height, width: first.width)
                let generator = SampleRandomness.generator(seed: seed, epoch: column, index: i)
                cells.append(try Self.displayable(t(sample, generator: generator).input))
            }
        }
        var grid = ImageGrid(images: cells, columns: names.count + 1)
        grid.scale = 3
        let url = URL(fileURLWithPath: output)
        do {
            try grid.png().write(to: url)
        } catch {
            throw DescentError(.file, output, "cannot write the PNG: \(error.localizedDescription)")
        }
        print("wrote \(output): \(rows) samples of \(dataset) × columns original, \(names.joined(separator: ", "))")
    }
}
