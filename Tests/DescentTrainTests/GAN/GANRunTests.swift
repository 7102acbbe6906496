import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// A tiny conditional GAN on 64 generated shapes: 4 steps per epoch.
private func tinyConfig(_ output: URL, extra: [String] = []) throws -> GANConfig {
    try GANConfig.parse(
        yaml: """
            seed: 3
            output: \(output.path)
            data: {dataset: shapes, train_samples: 64, batch_size: 16, workers: 0}
            model: {latent: 8, generator_features: 4, discriminator_features: 4}
            training: {epochs: 2, log_every: 2, grid_samples: 12, evaluate_samples: 32}
            """, overrides: extra)
}

@Suite struct GANRunTests {
    @Test func exampleParsesAndReadsBackEqual() throws {
        let examples = ConfigFiles.ganConfigs
        #expect(examples.map(\.lastPathComponent) == ["gan-mnist.yaml"])
        for url in examples {
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.contains("# Run: descent gan train examples/\(url.lastPathComponent)"))
            let c = try GANConfig.load(contentsOf: url)
            #expect(try GANConfig.parse(yaml: c.yaml) == c)
            #expect(c.output == "runs/" + url.deletingPathExtension().lastPathComponent)
            #expect(c.conditional && c.classes == 10 && c.lr == 2e-4 && c.beta1 == 0.5)
        }
        let defaults = try GANConfig.parse(yaml: "")
        #expect(defaults == GANConfig() && defaults.latent == 100 && defaults.generatorFeatures == 64)
    }

    @Test func badConfigsAreOneLineErrors() {
        let cases: [(String, String)] = [
            ("data: {dataset: cifar10}", "config:1 data.dataset: unknown dataset for a GAN 'cifar10'"),
            ("model: {latnet: 3}", "config:1 model.latnet: unknown key (did you mean 'latent'?)"),
            ("training: {epochs: 0}", "config:1 training.epochs: must be at least 1, got 0"),
            ("optimizer: {beta1: 1.5}", "config:1 optimizer.beta1: must be in [0, 1), got 1.5"),
        ]
        for (yaml, message) in cases {
            #expect(throws: DescentError.self) { try GANConfig.parse(yaml: yaml) }
            do {
                _ = try GANConfig.parse(yaml: yaml)
            } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
                #expect(!"\(error)".contains("\n"))
            }
        }
    }

    @Test func runWritesGridsWeightsFiguresAndReport() throws {
        let folder = temporaryFolder("gan-run")
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines: [String] = []
        var run = GANRun(config: try tinyConfig(folder))
        run.write = { lines.append($0) }
        let outcome = try run.start()
        #expect(!outcome.interrupted && outcome.step.history.map(\.epoch) == [1, 2])
        #expect(outcome.step.history.allSatisfy { $0.steps == 4 && $0.lossD > 0 && $0.lossG > 0 })
        #expect(lines.contains { $0.hasPrefix("epoch 1/2  step 2/4  loss_D ") && $0.contains("D(G(z))") })
        for name in [
            "samples/epoch-001.png", "samples/epoch-002.png", "generator.safetensors", "discriminator.safetensors",
            "gan.json", "config.yaml", "history.json", "metrics.json", "report.html", "losses.svg",
        ] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        let metrics = try #require(outcome.metrics)
        #expect(metrics.steps == 8 && metrics.evaluatedImages == 32)
        #expect((0...1).contains(try #require(metrics.discriminatorAccuracy)))
        #expect(try #require(metrics.sampleVariance) > 0)
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("data:image/png;base64,") && html.contains("L_D") && html.contains("D(G(z))"))
        // The generator reloads from the folder and makes the same images.
        let (manifest, g) = try GANManifest.loadGenerator(from: folder)
        #expect(manifest.classes == GeneratedShapes.classNames.count && manifest.latent == 8)
        let z = RandomGenerator(seed: 1).normal([3, 8])
        let mine = GANSampler(generator: outcome.step.generator).images(noise: z, labels: [0, 1, 2])
        #expect(GANSampler(generator: g).images(noise: z, labels: [0, 1, 2]).scalars == mine.scalars)
    }

    /// Stopping after 5 steps (part-way through epoch 2) and resuming from the checkpoint ends with the same bytes
    /// as the uninterrupted run: both models, both optimizers (through the weights), the history's figures.
    @Test func resumedRunEndsBitwiseEqual() throws {
        let straight = temporaryFolder("gan-straight"), resumed = temporaryFolder("gan-resumed")
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: resumed)
        }
        var a = GANRun(config: try tinyConfig(straight))
        a.write = { _ in }
        let full = try a.start()
        var b = GANRun(config: try tinyConfig(resumed, extra: ["training.max_steps=5", "checkpoint.every_steps=1"]))
        b.write = { _ in }
        _ = try b.start()
        var c = GANRun(config: try tinyConfig(resumed))
        c.write = { _ in }
        let continued = try c.start(resume: true)
        for name in [GANManifest.generatorFile, GANManifest.discriminatorFile] {
            let x = try Data(contentsOf: straight.appendingPathComponent(name))
            let y = try Data(contentsOf: resumed.appendingPathComponent(name))
            #expect(x == y, "\(name) differs after resuming")
        }
        #expect(full.step.history.map(\.lossD) == continued.step.history.map(\.lossD))
        #expect(full.step.history.map(\.dFake) == continued.step.history.map(\.dFake))
        #expect(full.step.trace == continued.step.trace)
        #expect(full.metrics?.discriminatorAccuracy == continued.metrics?.discriminatorAccuracy)
    }

    @Test func sampleFilesReadBack() throws {
        let folder = temporaryFolder("gan-files")
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = Tensor([0, 0.5, 1, 0.25, 0.75, 1, 0, 0.5], shape: [2, 1, 2, 2])
        let npy = try GANSampleFiles.write(images: images, labels: [3, 7], to: folder.appendingPathComponent("s.npy"))
        #expect(npy.labels.lastPathComponent == "s.labels.npy")
        #expect(try NPYArray(contentsOf: npy.images).tensor().scalars == images.scalars)
        #expect(try NPYArray(contentsOf: npy.labels).integers() == [3, 7])
        let idx = try GANSampleFiles.write(images: images, labels: [3, 7], to: folder.appendingPathComponent("s.idx"))
        let read = try IDXArray(contentsOf: idx.images)
        #expect(read.shape == [2, 2, 2])
        #expect(try read.integers() == [0, 128, 255, 64, 191, 255, 0, 128])
        #expect(try IDXArray(contentsOf: idx.labels).integers() == [3, 7])
    }

    @Test func foldersWithoutAGeneratorAreRefused() throws {
        let folder = temporaryFolder("gan-empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try GANManifest.loadGenerator(from: folder)
            Issue.record("no error")
        } catch {
            #expect(
                "\(error)" == "\(folder.path): is not a GAN run folder (no gan.json; train one with descent gan train)")
        }
        try GANConfig().manifest.write(to: folder)
        do {
            _ = try GANManifest.loadGenerator(from: folder)
            Issue.record("no error")
        } catch {
            #expect(
                "\(error)"
                    == "\(folder.path): holds no trained generator (generator.safetensors); the run has not finished")
        }
    }
}
