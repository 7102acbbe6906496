import Descent
import Foundation

/// A folder of training checkpoints, each complete and written crash-safely:
///
/// ```
/// checkpoints/
///   latest                    name of the newest complete checkpoint (replaced atomically)
///   step-00001200/
///     model.safetensors       weights (PyTorch names)
///     optimizer.json          optimizer hyper-parameters and step counts
///     optimizer.safetensors   optimizer buffers (momentum, squared averages), as `<index>.<buffer>`
///     trainer.json            ``TrainerState``: data position, counters, random state, history
///     callbacks/KEY.json      state of each ``Checkpointable`` callback (+ KEY.safetensors for tensors)
///     epoch-start/            under the rollback policy (``NonFiniteLossGuard``), part-way through an epoch: the
///                             weights, optimizer and trainer state of the epoch's start, which a rollback returns to
///   best/model.safetensors    weights of the best epoch, with best/best.json
/// ```
/// Each ``Checkpointable`` component of the run writes its own files. A checkpoint is written into
/// `step-N.partial/` (every file flushed), renamed to `step-N/`, and only then named in `latest`; so a process
/// killed at any moment leaves `latest` naming a complete checkpoint.
public struct CheckpointStore: Sendable {
    /// The `checkpoints` folder.
    public let directory: URL

    /// A store in `directory` (created on the first save).
    public init(directory: URL) {
        self.directory = directory
    }

    /// Saves the state of every component of a running loop (``TrainingState/checkpointables``) as the newest
    /// checkpoint, keeps the `keep` newest and returns its folder.
    ///
    /// - Throws: ``DescentError`` (`.file`) naming the path that could not be written; the previous checkpoint
    ///   stays the latest then.
    @discardableResult
    public func save(_ state: TrainingState, keep: Int = 2) throws -> URL {
        let name = String(format: "step-%08d", state.step)
        let final = directory.appendingPathComponent(name)
        let partial = directory.appendingPathComponent(name + ".partial")
        let fm = FileManager.default
        try? fm.removeItem(at: partial)
        do {
            let folder = try CheckpointFolder(url: directory).subfolder(creating: name + ".partial")
            _ = try folder.subfolder(creating: "callbacks")
            for component in state.checkpointables { try component.writeCheckpoint(to: folder, state: state) }
        } catch {
            // A full disk or a file-size limit: the unfinished checkpoint goes (freeing its space); `latest` and
            // the checkpoints before it are untouched.
            try? fm.removeItem(at: partial)
            throw error
        }
        if fm.fileExists(atPath: final.path) {
            // Left by a run that died before naming it latest: replace it.
            try? fm.removeItem(at: final)
        }
        guard rename(partial.path, final.path) == 0 else {
            throw DescentError(
                .file, final.path,
                "cannot rename the finished checkpoint into place: \(String(cString: strerror(errno)))")
        }
        try AtomicFile.write(Data((name + "\n").utf8), to: directory.appendingPathComponent("latest"))
        prune(keep: max(keep, 1), current: name)
        return final
    }

    /// Saves the state of `trainer` between runs of `fit` (as a running loop's state).
    @discardableResult
    public func save(_ trainer: Trainer, keep: Int = 2) throws -> URL {
        try save(trainer.makeState(epochs: 0, stepsPerEpoch: 0, validation: nil), keep: keep)
    }

    /// Removes all but the `keep` newest checkpoints (never `current`) and any unfinished `.partial` folder.
    private func prune(keep: Int, current: String) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        for n in names where n.hasSuffix(".partial") { try? fm.removeItem(at: directory.appendingPathComponent(n)) }
        let steps = names.filter { $0.hasPrefix("step-") && !$0.hasSuffix(".partial") }.sorted()
        for n in steps.dropLast(keep) where n != current { try? fm.removeItem(at: directory.appendingPathComponent(n)) }
    }

    /// The newest complete checkpoint, or `nil` when there is none.
    public func latest() throws -> URL? {
        let pointer = directory.appendingPathComponent("latest")
        guard let data = FileManager.default.contents(atPath: pointer.path) else { return nil }
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let url = directory.appendingPathComponent(name)
        guard name.hasPrefix("step-"),
            FileManager.default.fileExists(atPath: url.appendingPathComponent("trainer.json").path)
        else {
            throw DescentError(.file, pointer.path, "names '\(name)', which is not a complete checkpoint")
        }
        return url
    }

    /// Restores the trainer's components (``Trainer/checkpointables``: weights, optimizer, callbacks' states,
    /// progress) from `checkpoint` (default: the latest) and returns the folder it used.
    ///
    /// - Throws: ``DescentError`` naming the file when there is no checkpoint, a file is missing or damaged, or
    ///   the weights or optimizer do not match the model being resumed.
    @discardableResult
    public func restore(_ trainer: Trainer, from checkpoint: URL? = nil) throws -> URL {
        guard let url = try checkpoint ?? latest() else {
            throw DescentError(.file, directory.path, "holds no checkpoint to resume from")
        }
        let folder = CheckpointFolder(url: url)
        let state = trainer.makeState(epochs: 0, stepsPerEpoch: 0, validation: nil)
        for component in state.checkpointables { try component.readCheckpoint(from: folder, state: state) }
        return url
    }

    /// Writes the model's weights as the best so far, with a note of the epoch and value.
    public func saveBest(_ model: Module, epoch: Int, monitor: MonitoredMetric, value: Double) throws {
        let best = directory.appendingPathComponent("best")
        do {
            try FileManager.default.createDirectory(at: best, withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, best.path, "cannot create the folder: \(error.localizedDescription)")
        }
        try model.saveWeights(to: best.appendingPathComponent("model.safetensors"))
        let note = ["epoch": Double(epoch), monitor.rawValue: value]
        try AtomicFile.write(try JSONFile.encode(note), to: best.appendingPathComponent("best.json"))
    }
}
