import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// `data.train_subset` and `data.generated`: a training part cut to a stratified subset, then mixed with a
/// conditional generator's samples at a ratio.
@Suite(.serialized) struct GeneratedDataTests {
    /// A conditional GAN on 32 generated shapes, 2 steps: enough for a generator with weights in its folder.
    static func tinyGANRun(_ folder: URL) throws {
        var run = GANRun(
            config: try GANConfig.parse(
                yaml: """
                    output: \(folder.path)
                    report: false
                    data: {dataset: shapes, train_samples: 32, batch_size: 16, workers: 0}
                    model: {latent: 4, generator_features: 2, discriminator_features: 2}
                    training: {epochs: 1, log_every: 0, grid_samples: 4, evaluate_samples: 0}
                    """))
        run.write = { _ in }
        _ = try run.start()
    }

    @Test func subsetAndGeneratedSamplesMakeTheTrainingPart() throws {
        let folder = temporaryFolder("gan-mix")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.tinyGANRun(folder)
        let base = "data: {train_samples: 300, test_samples: 20, validation_fraction: 0.1, train_subset: 100"
        let plain = try TrainingConfig.parse(yaml: base + "}").makeSetup()
        #expect(plain.train.dataset.count == 100 && plain.validation?.dataset.count == 30)
        let counts = (0..<100).reduce(into: [Int: Int]()) { $0[plain.train.dataset.label(at: $1)!, default: 0] += 1 }
        #expect(counts.count == 10 && counts.values.allSatisfy { (8...12).contains($0) })  // stratified

        let yaml = base + ", generated: {run: \(folder.path), ratio: 0.5}}"
        let config = try TrainingConfig.parse(yaml: yaml)
        #expect(config.data.generated == DataConfig.Generated(run: folder.path, ratio: 0.5))
        #expect(try TrainingConfig.parse(yaml: config.yaml) == config)
        let mixed = try config.makeSetup()
        let data = mixed.train.dataset
        #expect(data.count == 150)
        // The first 100 are the real subset; the 50 generated ones have balanced classes, pixels in [0, 1].
        for i in 0..<100 {
            #expect(data.sample(at: i).input.scalars == plain.train.dataset.sample(at: i).input.scalars)
        }
        #expect((100..<150).map { data.label(at: $0)! } == (0..<50).map { $0 % 10 })
        let x = data.sample(at: 120).input
        #expect(x.shape == [1, 28, 28] && x.scalars.allSatisfy { (0...1).contains($0) })
        #expect(
            mixed.preprocessing.hasSuffix(
                "50 samples of the generator in \(folder.path) added to the 100 training samples"))
    }

    @Test func badGeneratedOptionsAreConfigErrors() throws {
        func message(_ yaml: String) -> String {
            do {
                _ = try TrainingConfig.parse(yaml: yaml).makeSetup()
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(message("data: {generated: {ratio: 1}}").hasPrefix("config:1 data.generated.run: missing"))
        #expect(
            message("data: {generated: {run: x, ratio: 0}}").hasPrefix(
                "config:1 data.generated.ratio: must be greater than 0"))
        #expect(
            message("data: {train_samples: 100, validation_fraction: 0, generated: {run: /nonexistent, ratio: 1}}")
                == "config:1 data.generated.run: /nonexistent: is not a GAN run folder (no gan.json; train one with descent gan train)"
        )
    }
}
