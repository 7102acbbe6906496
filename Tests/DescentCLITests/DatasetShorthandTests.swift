import Foundation
import Testing

@testable import DescentData
@testable import DescentTrain

/// `descent train --dataset NAME` and nothing else works for every dataset of the catalogue: the shorthand picks
/// the dataset's default model (an MLP for sklearn-digits' 64 features), and `descent summary --model mlp` is
/// accepted as configs accept it.
@Suite(.serialized) struct DatasetShorthandTests {
    /// Whether `dataset`'s files are at hand (the generated shapes always are; the others under `DESCENT_DATA`,
    /// without downloading).
    static func available(_ dataset: DatasetName) -> Bool {
        (try? DatasetCatalog.load(dataset, split: .test, download: false)) != nil
    }

    @Test(arguments: DatasetName.builtIn)
    func trainsFromTheDatasetNameAlone(_ dataset: DatasetName) throws {
        let folder = TemporaryFolder.make("dataset-\(dataset.rawValue)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = dataset == .shapes || dataset == .spellNumbers
        guard generated || dataset == .sklearnDigits, Self.available(dataset) else {
            // Too large to train in a unit test, or absent: the config the shorthand makes must still fit.
            let config = try TrainingConfig.parse(yaml: "", overrides: ["data.dataset=\(dataset.rawValue)"])
            let shape = dataset.sampleShape ?? [1, DataConfig.Audio().mels, DataConfig.Audio().frames]
            #expect(
                try config.model.makeModel(inputShape: shape, classes: 10).outputShape(for: [1] + shape) == [1, 10])
            print(
                "DatasetShorthandTests: \(dataset.rawValue) not trained: \(Self.available(dataset) ? "too large for a unit test" : "its files are not under DESCENT_DATA (e.g. ../shared/data)")"
            )
            return
        }
        var arguments = [
            "train", "--dataset", dataset.rawValue, "--epochs", "1", "--output",
            folder.appendingPathComponent("run").path,
        ]
        if generated { arguments += ["--set", "data.train_samples=200", "--set", "data.test_samples=50"] }
        #expect(CommandOutcome.of(arguments) == .success)
        let metrics = try Data(contentsOf: folder.appendingPathComponent("run/metrics.json"))
        let figure = dataset == .spellNumbers ? "\"exactMatch\"" : "\"accuracy\""
        #expect(String(decoding: metrics, as: UTF8.self).contains(figure))
        let config = try String(contentsOf: folder.appendingPathComponent("run/config.yaml"), encoding: .utf8)
        #expect(config.contains("name: \(dataset.defaultModel)"))
    }

    @Test func summaryAcceptsEveryZooModel() {
        for zoo in ModelConfig.Zoo.allCases {
            #expect(CommandOutcome.of(["summary", "--model", zoo.rawValue]) == .success, "\(zoo.rawValue)")
        }
    }
}
