import Descent
import Foundation

/// What a folder named as a run of `descent train` holds, so that `descent evaluate --run` and
/// `descent predict --run` can say in one line why a folder cannot be read as a finished run.
///
/// `TrainingRun` writes `config.yaml` and `run.json` before training and `model.safetensors` only once training
/// has finished; a run that failed or was interrupted has the first two and perhaps `checkpoints/`; a paused run
/// (`descent train --pause-after-epoch`) also has `paused.json` (``RunPause``).
public struct RunFolder: Sendable {
    /// The folder.
    public let directory: URL
    /// How the user named the folder (used in messages).
    public let name: String

    /// The folder `name` (a path as the user gave it).
    public init(_ name: String) {
        self.name = name
        self.directory = URL(fileURLWithPath: name)
    }

    /// Whether the folder has a file or folder called `entry`.
    func has(_ entry: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(entry).path)
    }

    /// Whether `checkpoints/` holds anything to continue from.
    var hasCheckpoints: Bool {
        let entries = try? FileManager.default.contentsOfDirectory(
            atPath: directory.appendingPathComponent("checkpoints").path)
        return !(entries ?? []).isEmpty
    }

    /// Checks that the folder is a run folder: it exists and has a `config.yaml`.
    ///
    /// - Throws: ``DescentError`` located at `option DIR` when the folder does not exist, is a file, or has no
    ///   `config.yaml`.
    public func requireRun(option: String) throws {
        let location = "\(option) \(name)"
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder) else {
            throw DescentError(.argument, location, "no such folder")
        }
        guard isFolder.boolValue else { throw DescentError(.argument, location, "is a file, not a run folder") }
        guard has("config.yaml") else {
            throw DescentError(.argument, location, "is not a run folder (it has no config.yaml)")
        }
    }

    /// Checks that the folder holds a finished run: a `config.yaml`, the `run.json` manifest when `manifest`,
    /// and the final `model.safetensors` when `weights` (not needed when other weights are given).
    ///
    /// - Throws: ``DescentError`` located at `option DIR`: the folder is not a run folder (``requireRun(option:)``),
    ///   or holds a run that is paused, or failed or was interrupted before it finished (saying what it holds and
    ///   how to go on).
    public func requireFinished(option: String, manifest: Bool, weights: Bool) throws {
        try requireRun(option: option)
        let location = "\(option) \(name)"
        if let pause = RunPause.read(from: directory) {
            throw DescentError(
                .argument, location,
                "holds no finished run: it is \(pause.description) (the state is "
                    + "in checkpoints/); continue with descent train --resume \(name)")
        }
        let missing = (manifest ? ["run.json"] : []) + (weights ? ["model.safetensors"] : [])
        guard let absent = missing.first(where: { !has($0) }) else { return }
        let (holds, next) =
            hasCheckpoints
            ? ("a config.yaml and checkpoints", "continue with descent train --resume \(name)")
            : ("a config.yaml and no checkpoint", "start it again with descent train --resume \(name)")
        throw DescentError(
            .argument, location,
            "holds no finished run, only \(holds) (training failed or was interrupted before it wrote \(absent)); \(next)"
        )
    }
}
