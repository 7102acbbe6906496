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

    /// The same images named by list files instead of class folders: a CSV of class names for training (the
    /// classes sorted as the folders were) and a JSON of class indices for the test split, both relative to the
    /// lists' folder; the setup reads them as it reads the folder, and a run trains.
    @Test func trainsOnListFiles() throws {
        let folder = temporaryFolder("image-list-run")
        let root = folder.appendingPathComponent("images")
        let names = try Self.writeFolder(root).sorted()
        var rows = ["path,label"], test = [String]()
        for (k, name) in names.enumerated() {
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(name).path)
                .filter { $0 != "broken.png" }.sorted()
            for (i, file) in files.enumerated() {
                if i % 5 == 0 {
                    test.append(#"{"path": "images/\#(name)/\#(file)", "label": \#(k)}"#)
                } else {
                    rows.append("images/\(name)/\(file),\(name)")
                }
            }
        }
        try Data(rows.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("train.csv"))
        try Data(("[" + test.joined(separator: ",\n") + "]").utf8).write(to: folder.appendingPathComponent("test.json"))
        try Data(
            """
            seed: 2
            data: {dataset: folder, path: train.csv, test_path: test.json, channels: 1, batch_size: 32}
            model: {name: cnn}
            training: {epochs: 1}
            """.utf8
        ).write(to: folder.appendingPathComponent("list.yaml"))
        let config = try TrainingConfig.load(contentsOf: folder.appendingPathComponent("list.yaml"))
        let setup = try config.makeSetup()
        #expect(setup.classNames == names)
        #expect(setup.inputShape == [1, 28, 28])
        #expect(setup.test?.dataset.count == test.count)
        #expect(setup.train.dataset.count + (setup.validation?.dataset.count ?? 0) == rows.count - 1)
        let history = try setup.makeTrainer().fit(setup.train, epochs: 1)
        #expect(history.epochs.count == 1 && history.epochs[0].trainLoss.isFinite)
        // The test list's indices name the same classes: its first entry is of class 0.
        #expect(setup.test!.dataset.sample(at: 0).target.classIndex == 0)
    }

    /// The images written as tar shards (`descent shard`'s writer) and trained on from `data.dataset: shards`: the
    /// classes and shape as from the folder, the test part held out of the shards, the config read back equal.
    @Test func trainsOnShards() throws {
        let folder = temporaryFolder("image-shards-run")
        let root = folder.appendingPathComponent("images")
        let names = try Self.writeFolder(root).sorted()
        try FileManager.default.removeItem(
            at: root.appendingPathComponent("\(GeneratedShapes.classNames[0])/broken.png"))
        let written = try ImageShardWriter.write(
            try ImageFolder(root: root, channels: 1), to: folder.appendingPathComponent("shards"), samplesPerShard: 64,
            seed: 1)
        #expect(written.shards == 10)
        try Data(
            """
            seed: 2
            data: {dataset: shards, path: shards, channels: 1, batch_size: 32, shuffle_buffer: 100, test_fraction: 0.2}
            model: {name: cnn}
            training: {epochs: 1}
            """.utf8
        ).write(to: folder.appendingPathComponent("shards.yaml"))
        let config = try TrainingConfig.load(contentsOf: folder.appendingPathComponent("shards.yaml"))
        #expect(config.data.folder?.shuffleBuffer == 100)
        #expect(try TrainingConfig.parse(yaml: config.yaml) == config)
        let setup = try config.makeSetup()
        #expect(setup.classNames == names)
        #expect(setup.inputShape == [1, 28, 28])
        #expect(setup.preprocessing.contains("600 images in 10 tar shards"))
        let total =
            setup.train.dataset.count + (setup.validation?.dataset.count ?? 0) + (setup.test?.dataset.count ?? 0)
        #expect(total == 600)
        // The training part keeps the shards' order: each epoch's order, cut to the part, streams the shards.
        let order = setup.train.order(epoch: 0)
        #expect(order.sorted() == Array(0..<setup.train.dataset.count) && order != order.sorted())
        let history = try setup.makeTrainer().fit(setup.train, epochs: 1)
        #expect(history.epochs.count == 1 && history.epochs[0].trainLoss.isFinite)
    }

    /// A run on shuffled shards (two loader workers) interrupted part-way through its second epoch and resumed from
    /// the checkpoint ends with the weights of the uninterrupted run, bit for bit: the resumed epoch streams the
    /// same batches from the same position.
    @Test func aRunOnShardsResumedPartWayEndsBitwiseEqual() throws {
        let folder = temporaryFolder("image-shards-resume")
        let root = folder.appendingPathComponent("images")
        _ = try Self.writeFolder(root)
        try FileManager.default.removeItem(
            at: root.appendingPathComponent("\(GeneratedShapes.classNames[0])/broken.png"))
        try ImageShardWriter.write(
            try ImageFolder(root: root, channels: 1), to: folder.appendingPathComponent("shards"), samplesPerShard: 64,
            seed: 1)
        let shards = try ImageShards(folder: folder.appendingPathComponent("shards"), channels: 1, shuffleBuffer: 50)
        func run(_ name: String, interruptAt: Int?) throws -> (Trainer, ModelCheckpoint) {
            let model = Sequential(
                Flatten(), Linear(784, 10, generator: RandomGenerator(seed: name == "resumed" ? 9 : 1)))
            let trainer = Trainer(
                model: model, optimizer: Adam(model.parameters(), lr: 0.01), objective: .crossEntropy())
            let checkpoint = ModelCheckpoint(
                store: CheckpointStore(directory: folder.appendingPathComponent(name == "reference" ? "ref" : "run")),
                policy: CheckpointPolicy(everyEpochs: 1, everySteps: nil, keep: 2))
            trainer.callbacks = (interruptAt.map { [InterruptAt(step: $0)] } ?? []) + [checkpoint]
            return (trainer, checkpoint)
        }
        let train = DataLoader(AnyDataset(shards), batchSize: 50, shuffle: true, seed: 3, workers: 2)
        let (reference, _) = try run("reference", interruptAt: nil)
        try reference.fit(train, epochs: 2)
        let (first, _) = try run("first", interruptAt: 17)
        try first.fit(train, epochs: 2)
        #expect(first.interrupted && first.step == 17)
        let (resumed, checkpoint) = try run("resumed", interruptAt: nil)
        try checkpoint.store.restore(resumed)
        #expect(resumed.step == 17 && resumed.batchInEpoch == 5)
        try resumed.fit(train, epochs: 2)
        let (a, b) = (resumed.model.stateDict().map(\.1), reference.model.stateDict().map(\.1))
        #expect(a.count == 2 && zip(a, b).allSatisfy { $0.isBitwiseEqual($1) })
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
                == "f.yaml:1 data.path: missing (required by dataset folder: a folder with one sub-folder per class, "
                + "or a list file .csv/.json)")
        #expect(
            error("data: {dataset: folder, path: x, channels: 2}")
                == "f.yaml:1 data.channels: expected 1 (grey) or 3 (RGB), got 2")
        #expect(
            error("data: {dataset: folder, path: x, image_size: [1, 2, 3]}")
                == "f.yaml:1 data.image_size: expected a side or [height, width], got 3 numbers")
        #expect(error("data: {dataset: mnist, channels: 1}") == "f.yaml:1 data.channels: only used with dataset folder")
        #expect(
            error("data: {dataset: shards}")
                == "f.yaml:1 data.path: missing (required by dataset shards: a folder of tar shards)")
        #expect(
            error("data: {dataset: shards, path: x, on_bad_file: skip}")
                == "f.yaml:1 data.on_bad_file: only used with dataset folder (a bad image in a shard stops the run, named)"
        )
        #expect(
            error("data: {dataset: folder, path: x, shuffle_buffer: 10}")
                == "f.yaml:1 data.shuffle_buffer: only used with dataset shards")
        #expect(
            error("data: {dataset: shards, path: /nonexistent/shards}").hasPrefix(
                "f.yaml:1 data.path: /nonexistent/shards: no such folder"))
        #expect(
            error("data: {dataset: folder, path: /nonexistent/images}").hasPrefix(
                "f.yaml:1 data.path: /nonexistent/images: no such folder"))
    }
}
