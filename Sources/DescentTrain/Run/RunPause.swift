import Descent
import Foundation

/// `paused.json` in a run folder: the run paused after ``epoch`` of its ``epochs`` epochs
/// (`descent train --pause-after-epoch`), its state in `checkpoints/`, to be continued with
/// `descent train --resume`. The file is removed when the run starts again and is never in a finished run.
public struct RunPause: Codable, Sendable, Equatable {
    /// The epochs complete when the run paused.
    public var epoch: Int
    /// The run's length (`training.epochs`).
    public var epochs: Int

    /// A pause after `epoch` of `epochs` epochs.
    public init(epoch: Int, epochs: Int) {
        self.epoch = epoch
        self.epochs = epochs
    }

    /// The file's name.
    public static let fileName = "paused.json"

    /// Writes `paused.json` into `directory`.
    public func write(to directory: URL) throws {
        try AtomicFile.write(try JSONFile.encode(self), to: directory.appendingPathComponent(Self.fileName))
    }

    /// The pause recorded in `directory`, or `nil` when it has no readable `paused.json`.
    public static func read(from directory: URL) -> RunPause? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(fileName).path) else {
            return nil
        }
        return try? JSONFile.decode(RunPause.self, from: data)
    }

    /// The line a paused run ends with, e.g. "paused after epoch 2 of 6".
    public var description: String { "paused after epoch \(epoch) of \(epochs)" }
}
