/// A component whose state is part of a checkpoint: the ``TrainingStep`` (weights, optimizer), the ``Trainer``
/// (its progress, `trainer.json`) and callbacks with state (early stopping, plateau detection, the NaN/Inf
/// policy's rollbacks). ``CheckpointStore`` asks each one in turn, so a resumed run continues exactly.
public protocol Checkpointable: AnyObject {
    /// A name unique among a run's components (`early_stopping`); callbacks write `callbacks/KEY.json`.
    var checkpointKey: String { get }
    /// Writes the component's state into the checkpoint being written; `state` is the loop's at that moment.
    func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws
    /// Restores what ``writeCheckpoint(to:state:)`` wrote; `state` is the resuming run's (its model, optimizer
    /// and generators), before any progress is restored.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing, damaged, or does not fit the run.
    func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws
}
