import ArgumentParser
import Descent
import DescentData
import DescentTrain
import Foundation

/// `descent gan`: trains a DCGAN pair (`train`), samples labelled images from a trained generator (`sample`) and
/// checks conditional samples with a classifier trained on real data (`check`).
struct GANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train a DCGAN (optionally class-conditional), sample from it, check its samples.",
        subcommands: [GANTrainCommand.self, GANSampleCommand.self, GANCheckCommand.self])
}

/// `descent gan train CONFIG`.
struct GANTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a DCGAN from a YAML/JSON config (keys: docs/config.md, GAN configuration).",
        discussion: """
            Prints a progress line with both losses, D(x) and D(G(z)); writes a PNG grid of fixed-noise samples \
            after every epoch (samples/epoch-NNN.png), checkpoints (both models, both optimizers, the noise \
            state), and at the end generator.safetensors, discriminator.safetensors, gan.json, history.json, \
            metrics.json (the discriminator's accuracy on held-out real images against fakes, the samples' pixel \
            variance) and report.html. Ctrl-C saves a checkpoint; --resume RUN continues exactly.
            """)

    @Argument(help: "A YAML or JSON GAN config file; omit it with --resume.")
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override a config key, e.g. --set training.epochs=2 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(
        help: ArgumentHelp(
            "Continue the run in this folder from its newest checkpoint, with its config.yaml.",
            valueName: "run-folder"))
    var resume: String?

    @Option(help: "Shorthand for --set output=DIR.")
    var output: String?

    @Option(help: "Shorthand for --set threads=N (default: all cores).")
    var threads: Int?

    func validate() throws {
        if (config == nil) == (resume == nil) {
            throw ValidationError("give a CONFIG file or --resume RUN (one of them)")
        }
        if resume != nil && output != nil {
            throw ValidationError("--resume continues in the run folder it names: --output cannot be combined with it")
        }
    }

    func run() throws {
        InterruptSignal.install()
        var sets: [String] = []
        if let output { sets.append("output=\(output)") }
        if let threads { sets.append("threads=\(threads)") }
        let gan: GANConfig
        var directory: URL?
        if let resume {
            let folder = URL(fileURLWithPath: resume)
            _ = try GANManifest.read(from: folder)
            gan = try GANConfig.load(
                contentsOf: folder.appendingPathComponent("config.yaml"), overrides: sets + overrides)
            directory = folder
        } else {
            gan = try GANConfig.load(contentsOf: URL(fileURLWithPath: config!), overrides: sets + overrides)
        }
        let outcome = try GANRun(config: gan, directory: directory).start(resume: resume != nil)
        if outcome.interrupted { throw ExitCode(130) }
    }
}

/// `descent gan sample RUN --count N --output FILE`.
struct GANSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write N images from a trained generator, with their labels, as NPY or IDX (and a PNG grid).",
        discussion: """
            FILE ending in .npy: the images as float32 [N, C, H, W] in [0, 1] and the labels as int64 [N] in \
            FILE-stem.labels.npy. Any other FILE (e.g. samples.idx): IDX, the images as unsigned bytes [N, H, W] \
            (C = 1) and the labels in FILE-stem.labels.idx. A conditional generator's labels are balanced \
            (sample i has class i mod classes, or --label for all); an unconditional one's are all 0. A grid of \
            the first samples (one class per column) goes to FILE-stem.png.
            """)

    @Argument(help: "A finished `descent gan train` run folder.")
    var runFolder: String

    @Option(help: "Number of samples (≥ 1).")
    var count: Int

    @Option(help: "The file to write (.npy, or IDX otherwise).")
    var output: String

    @Option(help: "Seed of the noise.")
    var seed: UInt64 = 0

    @Option(help: "Ask every sample for this class (conditional generators).")
    var label: Int?

    @Option(help: "Samples in the PNG grid (0: no grid).")
    var grid: Int = 100

    func run() throws {
        guard count >= 1 else { throw DescentError(.argument, "--count \(count)", "must be at least 1") }
        let (manifest, generator) = try GANManifest.loadGenerator(from: URL(fileURLWithPath: runFolder))
        if let label {
            guard manifest.classes > 0 else {
                throw DescentError(.argument, "--label \(label)", "the generator in \(runFolder) is unconditional")
            }
            guard (0..<manifest.classes).contains(label) else {
                throw DescentError(.argument, "--label \(label)", "must be in 0..<\(manifest.classes)")
            }
        }
        let sampler = GANSampler(generator: generator)
        let labels = label.map { Array(repeating: $0, count: count) }
        let (images, drawn) = sampler.sample(count, labels: labels, random: RandomGenerator(seed: seed))
        let written = try GANSampleFiles.write(
            images: images, labels: manifest.classes > 0 ? drawn : Array(repeating: 0, count: count),
            to: URL(fileURLWithPath: output))
        if grid > 0 {
            let n = Swift.min(grid, count)
            let png = GANSampler.grid(
                images.slice(axis: 0, 0..<n),
                columns: manifest.classes > 0 && label == nil
                    ? manifest.classes : Int(Double(n).squareRoot().rounded(.up)))
            let url = written.images.deletingPathExtension().appendingPathExtension("png")
            try AtomicFile.write(png, to: url)
            print("grid: \(url.path)")
        }
        print("wrote \(count) samples: \(written.images.path), labels \(written.labels.path)")
    }
}

/// `descent gan check RUN --classifier CLASSIFIER_RUN`.
struct GANCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Classify a conditional generator's samples with a classifier trained on real data.",
        discussion: """
            Prints the share of N samples (balanced classes) that the classifier of a `descent train` run labels as \
            the class they were generated for, overall and per class.
            """)

    @Argument(help: "A finished `descent gan train` run folder with a conditional generator.")
    var runFolder: String

    @Option(help: "A finished `descent train` run folder (its classifier).")
    var classifier: String

    @Option(help: "Number of samples (≥ 1).")
    var count: Int = 1_000

    @Option(help: "Seed of the noise.")
    var seed: UInt64 = 0

    func run() throws {
        let check = try GANClassifierCheck.run(
            generatorRun: URL(fileURLWithPath: runFolder), classifierRun: URL(fileURLWithPath: classifier),
            count: count,
            seed: seed)
        let perClass = check.perClass.enumerated().map { String(format: "%d:%.0f%%", $0, 100 * $1) }
        print(
            String(
                format: "classifier agreement %.2f%% of %d conditional samples (per class %@)", 100 * check.agreement,
                check.samples, perClass.joined(separator: " ")))
    }
}
