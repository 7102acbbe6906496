import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent augment`: a PNG grid showing what each image augmentation does to a few dataset samples.
struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract:
            "Write a PNG grid of dataset samples (first column) and their augmentations (one column per transform); audio is shown as log-mel spectrograms."
    )

    @Option(
        help:
            "Dataset: \(AugmentCommand.datasets.map(\.rawValue).joined(separator: ", ")) (cifar10 shown as grey; free-spoken-digits as log-mel spectrograms; from --data-dir)."
    )
    var dataset: String = "shapes"

    @Option(
        help:
            "Comma-separated transforms, with the names of a config's data.augment; images: \(AugmentCommand.imageTransforms.map(\.rawValue).joined(separator: ", ")); audio: \(AugmentCommand.audioTransforms.map(\.rawValue).joined(separator: ", ")) (default: all of the kind)."
    )
    var transforms: String?

    @Option(help: "Number of samples (grid rows), taken from the start of the test split.")
    var count: Int = 8

    @Option(help: "Seed of the augmentations' random numbers.")
    var seed: UInt64 = 0

    @Option(help: "Path of the PNG to write.")
    var output: String = "augment.png"

    @Option(help: "Folder holding the datasets (default: $DESCENT_DATA).")
    var dataDir: String?

    /// The image transforms (the config's transform names).
    static let imageTransforms = AugmentConfig.Kind.allCases.filter { !$0.isAudio }
    /// The spectrogram transforms, applied to log-mel spectrograms.
    static let audioTransforms = AugmentConfig.Kind.allCases.filter(\.isAudio)
    /// The catalogue's datasets the command can draw: the image datasets and the spoken digits.
    static let datasets = DatasetName.builtIn.filter { $0.isImage || $0 == .freeSpokenDigits }

    var isAudio: Bool { DatasetName(lookup: dataset) == .freeSpokenDigits }

    var transformNames: [String] {
        guard let transforms else { return (isAudio ? Self.audioTransforms : Self.imageTransforms).map(\.rawValue) }
        return transforms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
        guard let name = DatasetName(lookup: dataset), Self.datasets.contains(name) else {
            throw ValidationError(
                "--dataset: unknown dataset '\(dataset)' (available: \(Self.datasets.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard !transformNames.isEmpty else { throw ValidationError("--transforms: give at least one transform") }
        let known = (isAudio ? Self.audioTransforms : Self.imageTransforms).map(\.rawValue)
        for name in transformNames where !known.contains(name) {
            throw ValidationError(
                "--transforms: unknown transform '\(name)' for \(dataset) (available: \(known.joined(separator: ", ")))"
            )
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
        let shape = originals[0].input.shape
        let transforms = try names.map {
            try AugmentConfig.preview(AugmentConfig.Kind(rawValue: $0)!).makeTransform(
                sampleShape: shape, location: "--transforms \($0)")
        }
        var cells: [Tensor] = []
        for (i, sample) in originals.enumerated() {
            cells.append(try Self.displayable(sample.input))
            for (column, t) in transforms.enumerated() {
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
    /// clip, then the SpecAugment masks, low frequencies at the bottom.
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
                var preview = AugmentConfig.preview(AugmentConfig.Kind(rawValue: name)!)
                preview.options["mask_value"] = .number(Double(floor))
                let mask = try preview.makeTransform(sampleShape: original.shape, location: "--transforms \(name)")
                cells.append(
                    picture(try mask(Sample(input: original, target: sample.target), generator: generator).input))
            }
        }
        var grid = ImageGrid(images: cells, columns: names.count + 1)
        grid.scale = 3
        do {
            try grid.png().write(to: URL(fileURLWithPath: output))
        } catch {
            throw DescentError(.file, output, "cannot write the PNG: \(error.localizedDescription)")
        }
        print(
            "wrote \(output): \(rows) log-mel spectrograms of \(dataset) × columns original, \(names.joined(separator: ", "))"
        )
    }
}
