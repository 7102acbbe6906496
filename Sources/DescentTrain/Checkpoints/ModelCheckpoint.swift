import Descent
import Foundation

/// Saves checkpoints while training (Keras' `ModelCheckpoint`): every N epochs and/or steps, the best epoch's
/// weights by a monitored metric, and the state at an interruption or at the end, so `descent train --resume`
/// continues exactly. Put it after the callbacks whose state it saves (early stopping).
///
/// A checkpoint is not written while any weight is NaN or infinite, so the last good checkpoint survives a
/// diverging run. A failed write stops training; the error is kept in ``error``.
public final class ModelCheckpoint: CheckpointableCallback {
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
    public init(store: CheckpointStore, policy: CheckpointPolicy = CheckpointPolicy(),
                log: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.store = store
        self.policy = policy
        self.log = log
    }

    /// `model_checkpoint`.
    public var checkpointName: String { "model_checkpoint" }

    /// The best value.
    public func checkpointState() -> CallbackCheckpoint {
        CallbackCheckpoint(values: best.map { ["best": $0] } ?? [:])
    }

    /// Restores the best value.
    public func restore(_ state: CallbackCheckpoint) throws { best = state.values["best"] }

    /// Saves every `everySteps` steps.
    public func stepDidEnd(_ trainer: Trainer, epoch: Int, step: Int, loss: Float) {
        if let n = policy.everySteps, n > 0, step % n == 0 { save(trainer) }
    }

    /// Saves the best weights when the monitored metric improves, and a checkpoint every `everyEpochs` epochs.
    public func epochDidEnd(_ trainer: Trainer, log: EpochLog) {
        if policy.saveBest, let v = log.value(of: policy.monitor), v.isFinite,
           best.map({ policy.monitor.higherIsBetter ? v > $0 : v < $0 }) ?? true, allFinite(trainer.model) {
            best = v
            do {
                try store.saveBest(trainer.model, epoch: log.epoch, monitor: policy.monitor, value: v)
            } catch let e as DescentError {
                fail(trainer, e)
            } catch {
                fail(trainer, DescentError(.file, store.directory.path, "\(error)"))
            }
        }
        if let n = policy.everyEpochs, n > 0, log.epoch % n == 0 { save(trainer) }
    }

    /// Saves the state at an interruption, or the final state if the last step is not saved yet.
    public func trainingDidEnd(_ trainer: Trainer, history: inout History) {
        if trainer.interrupted || lastSavedStep != trainer.step { save(trainer) }
    }

    private func save(_ trainer: Trainer) {
        guard error == nil, lastSavedStep != trainer.step || trainer.interrupted else { return }
        guard allFinite(trainer.model) else {
            log("descent: step \(trainer.step): weights are not finite; keeping the previous checkpoint")
            return
        }
        do {
            lastCheckpoint = try store.save(trainer, keep: policy.keep)
            lastSavedStep = trainer.step
        } catch let e as DescentError {
            fail(trainer, e)
        } catch {
            fail(trainer, DescentError(.file, store.directory.path, "\(error)"))
        }
    }

    private func fail(_ trainer: Trainer, _ e: DescentError) {
        error = e
        trainer.requestStop("checkpoint failed: \(e)", immediately: true)
    }

    private func allFinite(_ model: Module) -> Bool {
        model.stateEntries().allSatisfy { e in
            e.tensor.withUnsafeBufferPointer { b in !b.contains { !$0.isFinite } }
        }
    }
}
