import ArgumentParser
import Descent
import DescentData
import Foundation

/// `descent augment`: a PNG grid showing what each image augmentation does to a few dataset samples.
struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Write a PNG grid of dataset samples (first column) and their augmentations (one column per transform); audio is shown as log-mel spectrograms."
    )

    @Option(help: "Dataset: shapes (generated, no files needed), mnist, fashion-mnist, cifar10 (shown as grey) or free-spoken-digits (audio; from --data-dir).")
    var dataset: String = "shapes"

    @Option(help: "Comma-separated transforms; images: \(AugmentCommand.available.joined(separator: ", ")); audio: \(AugmentCommand.audioTransforms.joined(separator: ", ")) (default: all but mixup).")
    var transforms: String?

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
    /// Audio transform names, applied to log-mel spectrograms.
    static let audioTransforms = ["time-mask", "freq-mask", "stretch"]
    /// Dataset names the command knows.
    static let datasets = ["shapes", "mnist", "fashion-mnist", "cifar10", "free-spoken-digits"]

    var isAudio: Bool { dataset.lowercased() == "free-spoken-digits" }

    var transformNames: [String] {
        guard let transforms else { return isAudio ? Self.audioTransforms : Array(Self.available.dropLast()) }
        return transforms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
        guard Self.datasets.contains(dataset.lowercased()) else {
            throw ValidationError("--dataset: unknown dataset '\(dataset)' (available: \(Self.datasets.joined(separator: ", ")))")
        }
        guard !transformNames.isEmpty else { throw ValidationError("--transforms: give at least one transform") }
        let known = isAudio ? Self.audioTransforms : Self.available
        for name in transformNames where !known.contains(name) {
            throw ValidationError("--transforms: unknown transform '\(name)' for \(dataset) (available: \(known.joined(separator: ", ")))")
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
        if isAudio { return try runAudio(data, rows: rows, names: names) }
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

    /// Spectrogram grid for audio: the log-mel spectrogram (40 bands, n_fft 256, hop 128, 48 frames) of each
    /// clip, then SpecAugment masks and a phase-vocoder time stretch (rate 0.8–1.25), low frequencies at the bottom.
    func runAudio(_ data: any Dataset, rows: Int, names: [String]) throws {
        let stft = STFT(nFFT: 256, hopLength: 128)
        let mel = MelScale(nMels: 40, sampleRate: 8_000, nFreq: stft.nFreq)
        let toDB = AmplitudeToDB(stype: .power, topDB: 80)
        func logMel(_ complex: Tensor) throws -> Tensor {
            toDB(try mel(try Spectrogram.magnitude(ofComplex: complex, power: 2)))
        }
        func picture(_ spectrogram: Tensor) -> Tensor {
            let bands = spectrogram.shape[spectrogram.rank - 2], width = spectrogram.shape[spectrogram.rank - 1]
            let v = spectrogram.scalars
            let lo = v.min() ?? 0, hi = v.max() ?? 1
            var out = [Float](repeating: 0, count: bands * width)
            for b in 0..<bands {
                for t in 0..<width { out[(bands - 1 - b) * width + t] = (v[b * width + t] - lo) / max(hi - lo, 1e-6) }
            }
            return Tensor(out, shape: [bands, width])
        }
        var cells: [Tensor] = []
        for i in 0..<rows {
            let sample = data.sample(at: i)
            let complex = try stft(sample.input)
            let unpadded = try logMel(complex)
            let floor = unpadded.min().item
            // Short clips are padded with their quietest level, long ones cropped, to 48 frames.
            let frames = FixedLength(length: 48, padValue: floor)
            let original = try frames(unpadded)
            cells.append(picture(original))
            for (column, name) in names.enumerated() {
                let generator = SampleRandomness.generator(seed: seed, epoch: column, index: i)
                let input = Sample(input: original, target: sample.target)
                switch name {
                case "time-mask": cells.append(picture(try TimeMasking(timeMaskParam: 16, maskValue: floor)(input, generator: generator).input))
                case "freq-mask": cells.append(picture(try FrequencyMasking(freqMaskParam: 12, maskValue: floor)(input, generator: generator).input))
                default:
                    let rate = 0.8 + 0.45 * Double(generator.uniformFloat())
                    let stretched = try TimeStretch(hopLength: 128, nFreq: stft.nFreq)(complex, rate: rate)
                    cells.append(picture(try frames(try logMel(stretched))))
                }
            }
        }
        var grid = ImageGrid(images: cells, columns: names.count + 1)
        grid.scale = 3
        do {
            try grid.png().write(to: URL(fileURLWithPath: output))
        } catch {
            throw DescentError(.file, output, "cannot write the PNG: \(error.localizedDescription)")
        }
        print("wrote \(output): \(rows) log-mel spectrograms of \(dataset) × columns original, \(names.joined(separator: ", "))")
    }
}
