import Foundation

/// Writes one CSV row per epoch (Keras' `CSVLogger`): `epoch,train_loss,train_accuracy,val_loss,val_accuracy,
/// lr,seconds,samples_per_s`; missing values are empty. A resumed run rewrites the file from the restored
/// history first, so rows of epochs that were redone after a crash are not doubled.
public final class CSVLogger: TrainingCallback {
    /// The CSV file.
    public let url: URL
    private var handle: FileHandle?

    /// A logger writing `url` (replaced when training begins).
    public init(url: URL) {
        self.url = url
    }

    /// The header.
    public static let header = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,samples_per_s"

    /// One row.
    public static func row(_ log: EpochLog) -> String {
        func f(_ v: Double?) -> String { v.map { String(describing: $0) } ?? "" }
        return
            "\(log.epoch),\(f(log.trainLoss)),\(f(log.trainAccuracy)),\(f(log.validationLoss)),\(f(log.validationAccuracy)),"
            + "\(f(log.learningRate)),\(String(format: "%.3f", log.seconds)),\(String(format: "%.1f", log.samplesPerSecond))"
    }

    /// Writes the header and the rows of the history so far.
    public func trainingWillBegin(_ state: inout TrainingState) {
        let text = ([Self.header] + state.history.epochs.map(Self.row)).joined(separator: "\n") + "\n"
        handle = LogFile.open(url, replacingWith: text)
    }

    /// Appends the epoch's row.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) {
        LogFile.append(handle, Self.row(log) + "\n")
    }

    /// Closes the file.
    public func trainingDidEnd(_ state: inout TrainingState) {
        try? handle?.close()
        handle = nil
    }
}

/// Opening and appending to log files; a log that cannot be written is reported once and otherwise ignored
/// (logs never stop training).
enum LogFile {
    static func open(_ url: URL, replacingWith text: String) -> FileHandle? {
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            return handle
        } catch {
            FileHandle.standardError.write(
                Data("descent: cannot write the log \(url.path): \(error.localizedDescription)\n".utf8))
            return nil
        }
    }

    static func append(_ handle: FileHandle?, _ text: String) {
        try? handle?.write(contentsOf: Data(text.utf8))
    }
}
