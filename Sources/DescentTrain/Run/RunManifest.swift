import Descent
import Foundation

/// What `descent evaluate` and `descent predict` need to rebuild a trained model from its run folder besides
/// the config: the shape of one input sample, the number of classes, and the input normalisation that the
/// model was trained with. Written as `run.json`.
public struct RunManifest: Codable, Sendable, Equatable {
    /// Shape of one input sample (e.g. `[1, 28, 28]`).
    public var inputShape: [Int]
    /// Number of classes (`nil` for regression).
    public var classes: Int?
    /// Size of the model's output per sample (classes, or regression targets).
    public var outputs: Int
    /// Per-channel mean subtracted from the inputs after loading (`nil`: no normalisation).
    public var normalizeMean: [Float]?
    /// Per-channel standard deviation the inputs are divided by.
    public var normalizeStd: [Float]?
    /// The input preprocessing, in words.
    public var preprocessing: String
    /// The dataset trained on.
    public var dataset: String

    /// A manifest.
    public init(
        inputShape: [Int], classes: Int?, outputs: Int, normalizeMean: [Float]?, normalizeStd: [Float]?,
        preprocessing: String, dataset: String
    ) {
        self.inputShape = inputShape
        self.classes = classes
        self.outputs = outputs
        self.normalizeMean = normalizeMean
        self.normalizeStd = normalizeStd
        self.preprocessing = preprocessing
        self.dataset = dataset
    }

    /// Reads `run.json` from a run folder.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing or damaged.
    public static func read(from folder: URL) throws -> RunManifest {
        try CheckpointFolder(url: folder).read(RunManifest.self, from: "run.json")
    }

    /// Writes `run.json` into `folder`, atomically.
    public func write(to folder: URL) throws {
        try AtomicFile.write(try JSONFile.encode(self), to: folder.appendingPathComponent("run.json"))
    }
}
