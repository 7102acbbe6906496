import Descent
import Foundation

/// Saves checkpoints while training (Keras' `ModelCheckpoint`): every N epochs and/or steps, the best epoch's
/// weights by a monitored metric, and the state at an interruption or at the end, so `descent train --resume`
/// continues exactly. Put it last: it saves the state that the callbacks before it leave at each hook.
///
/// A checkpoint is not written while any weight is NaN or infinite, so the last good checkpoint survives a
/// diverging run. A failed write stops training; the error is kept in ``error``.
public final class ModelCheckpoint: TrainingCallback, Checkpointable {
    /// Where checkpoints go.
    public let store: CheckpointStore
    /// When to save.
    public let policy: CheckpointPolicy
    /// The best value of the monitored metric so far.
    public private(set) var best: Double?
    /// The error that stopped checkpointing, if any.
    public private(set) var error: DescentError?
    /// The newest checkpoint written by this callback.
    public private(set) var lastCheckpoint: URL?
    private var lastSavedStep = -1
    private let log: (String) -> Void

    /// Checkpoints into `store` by `policy`; `log` receives one line per skipped save (default: standard error).
    public init(
        store: CheckpointStore, policy: CheckpointPolicy = CheckpointPolicy(),
        log: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.store = store
        self.policy = policy
        self.log = log
    }

    /// `model_checkpoint`.
    public var checkpointKey: String { "model_checkpoint" }

    /// Writes the best value.
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        try folder.writeCallback(CallbackCheckpoint(values: best.map { ["best": $0] } ?? [:]), key: checkpointKey)
    }

    /// Restores the best value.
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        best = try folder.readCallback(key: checkpointKey).values["best"]
    }

    /// Saves every `everySteps` steps.
    public func stepDidEnd(_ state: inout TrainingState) {
        if let n = policy.everySteps, n > 0, state.step % n == 0 { save(&state) }
    }

    /// Saves the best weights when the monitored metric improves, and a checkpoint every `everyEpochs` epochs.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) {
        if policy.saveBest, let v = log.value(of: policy.monitor), v.isFinite,
            best.map({ policy.monitor.higherIsBetter ? v > $0 : v < $0 }) ?? true, allFinite(state.model)
        {
            best = v
            do {
                try store.saveBest(state.model, epoch: log.epoch, monitor: policy.monitor, value: v)
            } catch let e as DescentError {
                fail(&state, e)
            } catch {
                fail(&state, DescentError(.file, store.directory.path, "\(error)"))
            }
        }
        if let n = policy.everyEpochs, n > 0, log.epoch % n == 0 { save(&state) }
    }

    /// Saves the state at an interruption, or the final state if the last step is not saved yet.
    public func trainingDidEnd(_ state: inout TrainingState) {
        if state.interrupted || lastSavedStep != state.step { save(&state) }
    }

    private func save(_ state: inout TrainingState) {
        guard error == nil, lastSavedStep != state.step || state.interrupted else { return }
        guard allFinite(state.model) else {
            log("descent: step \(state.step): weights are not finite; keeping the previous checkpoint")
            return
        }
        do {
            lastCheckpoint = try store.save(state, keep: policy.keep)
            lastSavedStep = state.step
        } catch let e as DescentError {
            fail(&state, e)
        } catch {
            fail(&state, DescentError(.file, store.directory.path, "\(error)"))
        }
    }

    private func fail(_ state: inout TrainingState, _ e: DescentError) {
        error = e
        state.stop(reason: "checkpoint failed: \(e)", immediately: true)
    }

    private func allFinite(_ model: Module) -> Bool {
        model.stateEntries().allSatisfy { e in
            e.tensor.withUnsafeBufferPointer { b in !b.contains { !$0.isFinite } }
        }
    }
}
