import Descent
import Foundation

/// Writes a run's scalars to a TensorBoard event file in `directory` (Lightning's `TensorBoardLogger`, Keras'
/// `TensorBoard`, `torch.utils.tensorboard`), with the optimizer step as the x-axis:
///
/// - every `logEveryNSteps` optimizer steps: `train/loss` (the step's batch loss) and `train/learning_rate` (the
///   rate that step used);
/// - at each epoch's end, at its last step: `epoch` (from 1), `epoch/train_loss`, `epoch/train_accuracy`
///   (classification), `epoch/validation_loss` with `epoch/validation_accuracy` or, for regression,
///   `epoch/validation_mae`, `epoch/validation_rmse`, `epoch/validation_r2`, and `epoch/learning_rate` — the values
///   of `history.json`.
///
/// The writer buffers records (written every 10 records or 120 s, as TensorBoard's own writer); the logger
/// also flushes at each epoch's end and whenever a checkpoint is written (it is ``Checkpointable`` for that
/// alone), and closes the file when training ends or stops, so a killed run loses no point up to the checkpoint it
/// resumes from. Each `fit` writes a new file; when it starts past step 0 (a resumed run)
/// or the folder already holds event files, the file begins with TensorBoard's purge marker
/// (``TensorBoardWriter/addSessionStart(step:wallTime:)``) at the next step, so the points an earlier file holds
/// from that step on — written after the checkpoint the run resumed from — are discarded, as with
/// `SummaryWriter(purge_step:)`. A rollback to an earlier step (``NonFiniteLossGuard``) writes the marker too.
///
/// A file that cannot be written is reported once through `log` and otherwise ignored: logs never stop training.
public final class TensorBoardLogger: TrainingCallback {
    /// The folder of the event files (the run folder: `tensorboard --logdir runs/` shows the run by its name).
    public let directory: URL
    /// Write the step points every this many optimizer steps.
    public let logEveryNSteps: Int
    /// The file being written (nil before training begins and after it ends).
    public private(set) var writer: TensorBoardWriter?
    /// Every event file this logger created, in order.
    public private(set) var files: [URL] = []
    /// The error that ended writing, if any.
    public private(set) var error: DescentError?
    /// The highest step written to the current file.
    private var lastStep = 0
    /// The learning rate of the current step, read before its optimizer step.
    private var stepLearningRate: Double?
    /// The validation of the epoch being ended (its regression metrics are not in the ``EpochLog``).
    private var validation: Evaluation?
    private let log: (String) -> Void

    /// A logger writing into `directory` every `logEveryNSteps` steps (at least 1); `log` receives the one line on
    /// a write failure (default: standard error).
    public init(
        directory: URL, logEveryNSteps: Int = 1,
        log: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.directory = directory
        self.logEveryNSteps = max(1, logEveryNSteps)
        self.log = log
    }

    /// The event files in `directory`, in name order (the order TensorBoard reads them in).
    public static func eventFiles(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// Opens a new event file, with the purge marker at the next step when resuming or when the folder already
    /// holds event files.
    public func trainingWillBegin(_ state: inout TrainingState) {
        guard error == nil else { return }
        let earlier = Self.eventFiles(in: directory)
        write {
            try writer?.close()
            let now = Date()
            let stamp = "events.out.tfevents.\(Int(now.timeIntervalSince1970))."
            let sameSecond = earlier.filter { $0.lastPathComponent.hasPrefix(stamp) }.count
            let suffix = sameSecond == 0 ? "" : "\(sameSecond)"
            let file = try TensorBoardWriter(directory: directory, filenameSuffix: suffix, wallTime: now)
            writer = file
            files.append(file.url)
            lastStep = state.step
            if state.step > 0 || !earlier.isEmpty { try file.addSessionStart(step: state.step + 1) }
        }
    }

    /// After a rollback to an earlier step, the purge marker at the next step.
    public func epochWillBegin(_ state: inout TrainingState) {
        guard state.step < lastStep else { return }
        lastStep = state.step
        write { try writer?.addSessionStart(step: state.step + 1) }
    }

    /// Reads the learning rate the coming optimizer step uses.
    public func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) {
        if (state.step + 1) % logEveryNSteps == 0 { stepLearningRate = state.optimizer.lr }
    }

    /// `train/loss` and `train/learning_rate` every `logEveryNSteps` steps.
    public func stepDidEnd(_ state: inout TrainingState) {
        let step = state.step
        lastStep = max(lastStep, step)
        guard step % logEveryNSteps == 0, let writer else { return }
        let loss = Double(state.loss), lr = stepLearningRate ?? state.optimizer.lr
        stepLearningRate = nil
        write {
            try writer.addScalar("train/loss", loss, step: step)
            try writer.addScalar("train/learning_rate", lr, step: step)
        }
    }

    /// Keeps the epoch's validation for its regression metrics.
    public func epochWillEnd(_ state: inout TrainingState, validation: Evaluation?) {
        self.validation = validation
    }

    /// The epoch's scalars at its last step, then a flush.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) {
        guard let writer else { return }
        var values: [(String, Double)] = [("epoch", Double(log.epoch)), ("epoch/train_loss", log.trainLoss)]
        if let a = log.trainAccuracy { values.append(("epoch/train_accuracy", a)) }
        if let v = log.validationLoss { values.append(("epoch/validation_loss", v)) }
        if let a = log.validationAccuracy { values.append(("epoch/validation_accuracy", a)) }
        if let p = log.validationPerplexity { values.append(("epoch/validation_perplexity", p)) }
        if let r = validation?.regression {
            values += [
                ("epoch/validation_mae", r.mae), ("epoch/validation_rmse", r.rmse),
                ("epoch/validation_r2", r.r2),
            ]
        }
        values.append(("epoch/learning_rate", log.learningRate))
        validation = nil
        let step = state.step, time = Date()
        write {
            for (tag, value) in values { try writer.addScalar(tag, value, step: step, wallTime: time) }
            try writer.flush()
        }
    }

    /// Closes the file (also after a stop or an interruption).
    public func trainingDidEnd(_ state: inout TrainingState) {
        let file = writer
        writer = nil
        write { try file?.close() }
    }

    /// Runs `body`; on the first failure reports it, keeps it in ``error`` and stops writing.
    private func write(_ body: () throws -> Void) {
        guard error == nil else { return }
        do {
            try body()
        } catch {
            let e = error as? DescentError ?? DescentError(.file, directory.path, "\(error)")
            self.error = e
            writer = nil
            log("descent: TensorBoard logging stopped: \(e)")
        }
    }
}

extension TensorBoardLogger: Checkpointable {
    /// `tensorboard` (nothing is stored under it).
    public var checkpointKey: String { "tensorboard" }

    /// Flushes the event file, so the points up to the checkpoint's step are on disk before the checkpoint is.
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) {
        write { try writer?.flush() }
    }

    /// Nothing to restore: the resumed run's file starts with the purge marker.
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) {}
}
