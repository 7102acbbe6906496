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
///     callbacks/NAME.json     state of each ``CheckpointableCallback`` (+ NAME.safetensors for tensors)
///     epoch-start/            under the rollback policy, part-way through an epoch: the weights, optimizer and
///                             trainer state of the epoch's start, which a rollback returns to
///   best/model.safetensors    weights of the best epoch, with best/best.json
/// ```
/// A checkpoint is written into `step-N.partial/` (every file flushed), renamed to `step-N/`, and only then
/// named in `latest`; so a process killed at any moment leaves `latest` naming a complete checkpoint.
public struct CheckpointStore: Sendable {
    /// The `checkpoints` folder.
    public let directory: URL

    /// A store in `directory` (created on the first save).
    public init(directory: URL) {
        self.directory = directory
    }

    /// Saves the trainer's complete state as the newest checkpoint, keeps the `keep` newest and returns its folder.
    ///
    /// - Throws: ``DescentError`` (`.file`) naming the path that could not be written; the previous checkpoint
    ///   stays the latest then.
    @discardableResult
    public func save(_ trainer: Trainer, keep: Int = 2) throws -> URL {
        let name = String(format: "step-%08d", trainer.step)
        let final = directory.appendingPathComponent(name)
        let partial = directory.appendingPathComponent(name + ".partial")
        let fm = FileManager.default
        try? fm.removeItem(at: partial)
        do {
            try fm.createDirectory(at: partial.appendingPathComponent("callbacks"), withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, partial.path, "cannot create the checkpoint folder: \(error.localizedDescription)")
        }
        try trainer.model.saveWeights(to: partial.appendingPathComponent("model.safetensors"))
        try Self.writeOptimizer(trainer.optimizer.stateDict(), to: partial)
        try AtomicFile.write(try Self.encode(trainer.state), to: partial.appendingPathComponent("trainer.json"))
        if trainer.batchInEpoch > 0, let start = trainer.epochStart,
           start.trainerState.completedEpochs == trainer.completedEpochs {
            let folder = partial.appendingPathComponent("epoch-start")
            do {
                try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw DescentError(.file, folder.path, "cannot create the folder: \(error.localizedDescription)")
            }
            let dtypes = Dictionary(trainer.model.stateEntries().map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
            try SafeTensors.write(start.weights.map { (name: $0.0, tensor: $0.1, dtype: dtypes[$0.0] == .int64 ? .int64 : .float32) },
                                  to: folder.appendingPathComponent("model.safetensors"))
            try Self.writeOptimizer(start.optimizerState, to: folder)
            try AtomicFile.write(try Self.encode(start.trainerState), to: folder.appendingPathComponent("trainer.json"))
        }
        for case let c as any CheckpointableCallback in trainer.callbacks {
            let state = c.checkpointState()
            let base = partial.appendingPathComponent("callbacks").appendingPathComponent(c.checkpointName)
            try AtomicFile.write(try Self.encode(state.values), to: base.appendingPathExtension("json"))
            if !state.tensors.isEmpty {
                try SafeTensors.write(state.tensors.map { (name: $0.0, tensor: $0.1, dtype: .float32) },
                                      to: base.appendingPathExtension("safetensors"))
            }
        }
        if fm.fileExists(atPath: final.path) {
            // Left by a run that died before naming it latest: replace it.
            try? fm.removeItem(at: final)
        }
        guard rename(partial.path, final.path) == 0 else {
            throw DescentError(.file, final.path, "cannot rename the finished checkpoint into place: \(String(cString: strerror(errno)))")
        }
        try AtomicFile.write(Data((name + "\n").utf8), to: directory.appendingPathComponent("latest"))
        prune(keep: max(keep, 1), current: name)
        return final
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
        guard name.hasPrefix("step-"), FileManager.default.fileExists(atPath: url.appendingPathComponent("trainer.json").path) else {
            throw DescentError(.file, pointer.path, "names '\(name)', which is not a complete checkpoint")
        }
        return url
    }

    /// Restores the trainer (weights, optimizer, callbacks' states, progress) from `checkpoint` (default: the
    /// latest) and returns the folder it used.
    ///
    /// - Throws: ``DescentError`` naming the file when there is no checkpoint, a file is missing or damaged, or
    ///   the weights or optimizer do not match the model being resumed.
    @discardableResult
    public func restore(_ trainer: Trainer, from checkpoint: URL? = nil) throws -> URL {
        guard let folder = try checkpoint ?? latest() else {
            throw DescentError(.file, directory.path, "holds no checkpoint to resume from")
        }
        try trainer.model.loadWeights(from: folder.appendingPathComponent("model.safetensors"))
        let optimizerState = try Self.readOptimizer(from: folder)
        do {
            try trainer.optimizer.load(state: optimizerState)
        } catch let e as DescentError {
            throw DescentError(e.kind, folder.appendingPathComponent("optimizer.json").path + ": " + e.location, e.reason)
        }
        let epochStart = try Self.readEpochStart(from: folder.appendingPathComponent("epoch-start"), for: trainer)
        for case let c as any CheckpointableCallback in trainer.callbacks {
            let base = folder.appendingPathComponent("callbacks").appendingPathComponent(c.checkpointName)
            let values: [String: Double] = try Self.decode(base.appendingPathExtension("json"))
            let tensorsURL = base.appendingPathExtension("safetensors")
            let tensors = FileManager.default.fileExists(atPath: tensorsURL.path)
                ? try SafeTensors.read(from: tensorsURL).map { ($0.name, $0.tensor) } : []
            try c.restore(CallbackCheckpoint(values: values, tensors: tensors))
        }
        let stateURL = folder.appendingPathComponent("trainer.json")
        let state: TrainerState = try Self.decode(stateURL)
        let generators = trainer.randomGenerators.count
        guard state.generators.count == generators else {
            throw DescentError(.file, stateURL.path, "holds \(state.generators.count) random generator states, the run being resumed has \(generators)")
        }
        trainer.restore(state)
        trainer.epochStart = epochStart
        return folder
    }

    /// Writes an optimizer state as `optimizer.json` (hyper-parameters, steps) and `optimizer.safetensors`
    /// (buffers, as `<index>.<buffer>`) in `folder`.
    static func writeOptimizer(_ state: OptimizerState, to folder: URL) throws {
        var state = state
        var buffers: [SafeTensors.Entry] = []
        for (i, p) in state.parameters.enumerated() {
            for key in p.buffers.keys.sorted() {
                buffers.append((name: "\(i).\(key)", tensor: Tensor(p.buffers[key]!, shape: [p.buffers[key]!.count]), dtype: .float32))
            }
            state.parameters[i].buffers = [:]
        }
        try SafeTensors.write(buffers, to: folder.appendingPathComponent("optimizer.safetensors"))
        try AtomicFile.write(try encode(state), to: folder.appendingPathComponent("optimizer.json"))
    }

    /// The optimizer state that ``writeOptimizer(_:to:)`` wrote in `folder`.
    static func readOptimizer(from folder: URL) throws -> OptimizerState {
        var state: OptimizerState = try decode(folder.appendingPathComponent("optimizer.json"))
        let buffersURL = folder.appendingPathComponent("optimizer.safetensors")
        for entry in try SafeTensors.read(from: buffersURL) {
            let parts = entry.name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let i = Int(parts[0]), state.parameters.indices.contains(i) else {
                throw DescentError(.file, buffersURL.path, "unexpected entry '\(entry.name)'")
            }
            state.parameters[i].buffers[String(parts[1])] = entry.tensor.scalars
        }
        return state
    }

    /// The epoch-start snapshot saved in `folder` (`nil` when the checkpoint has none), checked against the
    /// trainer's model and optimizer so that a rollback to it cannot fail.
    static func readEpochStart(from folder: URL, for trainer: Trainer) throws -> Trainer.Snapshot? {
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("trainer.json").path) else { return nil }
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        let weights = try SafeTensors.read(from: weightsURL).map { ($0.name, $0.tensor) }
        let expected = Dictionary(trainer.model.stateDict().map { ($0.0, $0.1.shape) }, uniquingKeysWith: { a, _ in a })
        let saved = Dictionary(weights.map { ($0.0, $0.1.shape) }, uniquingKeysWith: { a, _ in a })
        guard saved == expected else {
            throw DescentError(.file, weightsURL.path, "does not hold the tensors of the model being resumed")
        }
        let optimizerState = try readOptimizer(from: folder)
        let current = trainer.optimizer.stateDict()
        guard optimizerState.optimizer == current.optimizer,
              optimizerState.parameters.map(\.shape) == current.parameters.map(\.shape) else {
            throw DescentError(.file, folder.appendingPathComponent("optimizer.json").path,
                               "does not fit the optimizer being resumed (\(current.optimizer))")
        }
        let trainerState: TrainerState = try decode(folder.appendingPathComponent("trainer.json"))
        return Trainer.Snapshot(weights: weights, optimizerState: optimizerState, trainerState: trainerState)
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
        try AtomicFile.write(try Self.encode(note), to: best.appendingPathComponent("best.json"))
    }

    /// JSON with sorted keys, and infinities/NaN as strings (plateau and early-stopping bests start at ±∞).
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    static func decode<T: Decodable>(_ url: URL) throws -> T {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DescentError(.file, url.path, "is missing from the checkpoint")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(T.self, from: data)
        } catch {
            throw DescentError(.file, url.path, "is damaged: \(error)")
        }
    }
}
