import Foundation

/// Writes one JSON object per line: `{"type":"epoch",...}` for every epoch (the fields of ``EpochLog``) and
/// `{"type":"evaluation",...}` for every step-interval validation (``EvaluationLog``, written at the next step
/// or epoch end after ``StepValidation`` added it). Like ``CSVLogger``, a resumed run rewrites the file from the
/// restored history first.
public final class JSONLinesLogger: TrainingCallback {
    /// The `.jsonl` file.
    public let url: URL
    private var handle: FileHandle?
    private var writtenEvaluations = 0

    /// A logger writing `url` (replaced when training begins).
    public init(url: URL) {
        self.url = url
    }

    /// Writes the records of the history so far.
    public func trainingWillBegin(_ state: inout TrainingState) {
        var lines: [String] = []
        let history = state.history
        writtenEvaluations = history.evaluations.count
        for log in history.epochs {
            lines += history.evaluations.filter { $0.epoch == log.epoch }.map { Self.line("evaluation", $0) }
            lines.append(Self.line("epoch", log))
        }
        let last = history.epochs.last?.epoch ?? 0
        lines += history.evaluations.filter { $0.epoch > last }.map { Self.line("evaluation", $0) }
        handle = LogFile.open(url, replacingWith: lines.map { $0 + "\n" }.joined())
    }

    /// Appends the validation records added since the last call.
    public func stepDidEnd(_ state: inout TrainingState) {
        appendEvaluations(state.history.evaluations)
    }

    /// Appends the validation records not yet written, then the epoch record.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) {
        appendEvaluations(state.history.evaluations)
        LogFile.append(handle, Self.line("epoch", log) + "\n")
    }

    /// Closes the file.
    public func trainingDidEnd(_ state: inout TrainingState) {
        appendEvaluations(state.history.evaluations)
        try? handle?.close()
        handle = nil
    }

    /// Writes `evaluations` past those already written (a rollback may have shortened the list).
    private func appendEvaluations(_ evaluations: [EvaluationLog]) {
        if evaluations.count < writtenEvaluations { writtenEvaluations = evaluations.count }
        for log in evaluations[writtenEvaluations...] { LogFile.append(handle, Self.line("evaluation", log) + "\n") }
        writtenEvaluations = evaluations.count
    }

    /// `{"type":type, ...fields of value}` on one line, keys sorted; NaN and infinities as strings.
    static func line(_ type: String, _ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(value) else { return "{\"type\":\"\(type)\"}" }
        let body = String(decoding: data, as: UTF8.self)
        return "{\"type\":\"\(type)\"," + body.dropFirst()
    }
}
