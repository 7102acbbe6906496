import Foundation

@testable import DescentTrain

/// The event files the TensorBoard tests write and read.
enum TensorBoardTestFiles {
    /// A new, empty temporary folder.
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("descent-tensorboard-\(UUID().uuidString)")
    }

    /// The event file TensorBoard's writer wrote (`Tests/Fixtures/generate_tensorboard.py`).
    static var torchWritten: URL {
        Bundle.module.url(
            forResource: "torch_written", withExtension: "tfevents",
            subdirectory: "Fixtures/tensorboard")!
    }

    /// The scalars of the Descent-written run: tag, value, step, wall time. `scripts/check-tensorboard.py` expects
    /// exactly these (kept in step with its `SCALARS`).
    static let scalars: [(String, Double, Int, Double)] = [
        ("loss/train", 2.5, 1, 1_700_000_001),
        ("accuracy/train", 0, 1, 1_700_000_001),
        ("learning_rate", 0.1, 1, 1_700_000_001),
        ("loss/train", 1.25, 2, 1_700_000_002.5),
        ("accuracy/train", 0.5, 2, 1_700_000_002.5),
        ("learning_rate", 0.05, 2, 1_700_000_002.5),
        ("loss/train", -0.625, 3, 1_700_000_003.25),
        ("epoch/loss", 1.4375, 3, 1_700_000_003.25),
        ("epoch/val_loss", 0.75, 3, 1_700_000_003.25),
        ("loss/train", 3e-8, 1 << 40, 1_700_000_004),
    ]
    /// The hyper-parameters of the Descent-written run.
    static let hparams: [String: HParamValue] = ["lr": 0.01, "batch_size": 64, "optimizer": "sgd", "augment": true]
    /// The final metrics of the Descent-written run.
    static let metrics: [String: Double] = ["hparam/accuracy": 0.875, "hparam/loss": 0.25]
    /// The wall time of the hyper-parameter summaries.
    static let hparamsTime = 1_700_000_005.0

    /// Writes the Descent-written run into `directory` and returns its event file.
    static func writeRun(in directory: URL) throws -> URL {
        let writer = try TensorBoardWriter(directory: directory, wallTime: Date(timeIntervalSince1970: 1_700_000_000))
        for (tag, value, step, time) in scalars {
            try writer.addScalar(tag, value, step: step, wallTime: Date(timeIntervalSince1970: time))
        }
        try writer.addHParams(hparams, metrics: metrics, wallTime: Date(timeIntervalSince1970: hparamsTime))
        try writer.close()
        return writer.url
    }
}
