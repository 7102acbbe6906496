import Descent
import Foundation

/// One checkpoint's folder as a ``Checkpointable`` component sees it: JSON documents, weights, optimizer states
/// and tensors by file name, with errors that name the file.
public struct CheckpointFolder: Sendable {
    /// The folder.
    public let url: URL

    /// The checkpoint folder at `url`.
    public init(url: URL) {
        self.url = url
    }

    /// The file `name` in the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Whether the folder holds `name`.
    public func contains(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// The sub-folder `name`, created.
    ///
    /// - Throws: ``DescentError`` (`.file`) naming the folder when it cannot be created.
    public func subfolder(creating name: String) throws -> CheckpointFolder {
        let sub = file(name)
        do {
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, sub.path, "cannot create the folder: \(error.localizedDescription)")
        }
        return CheckpointFolder(url: sub)
    }

    /// Writes `value` as JSON (``JSONFile``) to `name`.
    public func write(_ value: some Encodable, to name: String) throws {
        try AtomicFile.write(try JSONFile.encode(value), to: file(name))
    }

    /// The JSON value in `name`.
    ///
    /// - Throws: ``DescentError`` (`.file`) naming the file when it is missing or damaged.
    public func read<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        let url = file(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DescentError(.file, url.path, "is missing from the checkpoint")
        }
        do {
            return try JSONFile.decode(type, from: data)
        } catch {
            throw DescentError(.file, url.path, "is damaged: \(error)")
        }
    }

    /// Writes `model`'s weights to `name` (safetensors, PyTorch names).
    public func writeWeights(of model: Module, to name: String) throws {
        try model.saveWeights(to: file(name))
    }

    /// Writes `weights`, a state dict of `model`, to `name` with the model's element types.
    public func writeWeights(_ weights: [(String, Tensor)], of model: Module, to name: String) throws {
        let dtypes = Dictionary(model.stateEntries().map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
        try SafeTensors.write(
            weights.map { (name: $0.0, tensor: $0.1, dtype: dtypes[$0.0] == .int64 ? .int64 : .float32) },
            to: file(name))
    }

    /// Loads the weights in `name` into `model`.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing or does not fit the model.
    public func readWeights(into model: Module, from name: String) throws {
        try model.loadWeights(from: file(name))
    }

    /// The weights in `name`, checked to have `model`'s tensor names and shapes.
    ///
    /// - Throws: ``DescentError`` naming the file when it does not hold the model's tensors.
    public func readWeights(from name: String, fitting model: Module) throws -> [(String, Tensor)] {
        let weights = try readTensors(from: name)
        let expected = Dictionary(model.stateDict().map { ($0.0, $0.1.shape) }, uniquingKeysWith: { a, _ in a })
        let saved = Dictionary(weights.map { ($0.0, $0.1.shape) }, uniquingKeysWith: { a, _ in a })
        guard saved == expected else {
            throw DescentError(.file, file(name).path, "does not hold the tensors of the model being resumed")
        }
        return weights
    }

    /// Writes `tensors` (float32) to `name`.
    public func writeTensors(_ tensors: [(String, Tensor)], to name: String) throws {
        try SafeTensors.write(tensors.map { (name: $0.0, tensor: $0.1, dtype: .float32) }, to: file(name))
    }

    /// The tensors in `name`.
    public func readTensors(from name: String) throws -> [(String, Tensor)] {
        try SafeTensors.read(from: file(name)).map { ($0.name, $0.tensor) }
    }

    /// Writes an optimizer state as `PREFIX.json` (hyper-parameters, steps) and `PREFIX.safetensors` (buffers,
    /// as `<index>.<buffer>`).
    public func writeOptimizer(_ state: OptimizerState, prefix: String) throws {
        var state = state
        var buffers: [SafeTensors.Entry] = []
        for (i, p) in state.parameters.enumerated() {
            for key in p.buffers.keys.sorted() {
                buffers.append(
                    (
                        name: "\(i).\(key)", tensor: Tensor(p.buffers[key]!, shape: [p.buffers[key]!.count]),
                        dtype: .float32
                    ))
            }
            state.parameters[i].buffers = [:]
        }
        try SafeTensors.write(buffers, to: file(prefix + ".safetensors"))
        try write(state, to: prefix + ".json")
    }

    /// The optimizer state that ``writeOptimizer(_:prefix:)`` wrote.
    public func readOptimizerState(prefix: String) throws -> OptimizerState {
        var state = try read(OptimizerState.self, from: prefix + ".json")
        let buffersURL = file(prefix + ".safetensors")
        for entry in try SafeTensors.read(from: buffersURL) {
            let parts = entry.name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let i = Int(parts[0]), state.parameters.indices.contains(i) else {
                throw DescentError(.file, buffersURL.path, "unexpected entry '\(entry.name)'")
            }
            state.parameters[i].buffers[String(parts[1])] = entry.tensor.scalars
        }
        return state
    }

    /// Loads the optimizer state of ``writeOptimizer(_:prefix:)`` into `optimizer`.
    ///
    /// - Throws: ``DescentError`` naming `PREFIX.json` when the state does not fit the optimizer.
    public func readOptimizer(into optimizer: any Optimizer, prefix: String) throws {
        let state = try readOptimizerState(prefix: prefix)
        do {
            try optimizer.load(state: state)
        } catch let e as DescentError {
            throw DescentError(e.kind, file(prefix + ".json").path + ": " + e.location, e.reason)
        }
    }

    /// Writes a callback's state as `callbacks/KEY.json` (+ `callbacks/KEY.safetensors` when it has tensors).
    public func writeCallback(_ state: CallbackCheckpoint, key: String) throws {
        let callbacks = try subfolder(creating: "callbacks")
        try callbacks.write(state.values, to: key + ".json")
        if !state.tensors.isEmpty { try callbacks.writeTensors(state.tensors, to: key + ".safetensors") }
    }

    /// The callback state that ``writeCallback(_:key:)`` wrote.
    public func readCallback(key: String) throws -> CallbackCheckpoint {
        let callbacks = CheckpointFolder(url: file("callbacks"))
        let values = try callbacks.read([String: Double].self, from: key + ".json")
        let tensors =
            callbacks.contains(key + ".safetensors") ? try callbacks.readTensors(from: key + ".safetensors") : []
        return CallbackCheckpoint(values: values, tensors: tensors)
    }
}
