import Foundation

/// Shows training progress: a live bar (epoch, step/steps, running loss and accuracy, samples/s, ETA) on a
/// terminal, and one plain line per epoch when output is not a terminal (logs, CI).
public final class ProgressPrinter: TrainingCallback {
    private let live: Bool
    private var epochs = 0, stepsPerEpoch = 0
    private var epochStart = Date()
    private var startSamples = 0, startBatch = 0
    private let write: (String) -> Void

    /// A printer writing to standard output; `live` defaults to whether standard output is a terminal.
    public init(
        live: Bool? = nil,
        write: @escaping (String) -> Void = {
            print($0, terminator: ""); fflush(nil)
        }
    ) {
        self.live = live ?? (isatty(1) != 0)
        self.write = write
    }

    /// Remembers the run's size.
    public func trainingWillBegin(_ state: inout TrainingState) {
        epochs = state.epochs
        stepsPerEpoch = state.stepsPerEpoch
        epochStart = Date()
        startSamples = state.epochSamples
        startBatch = state.batchInEpoch
    }

    /// Redraws the live bar.
    public func stepDidEnd(_ state: inout TrainingState) {
        guard live else { return }
        let inEpoch = state.batchInEpoch
        if inEpoch <= 1 || state.epochSamples < startSamples {
            epochStart = Date()
            startSamples = state.epochSamples
            startBatch = inEpoch
        }
        let elapsed = Date().timeIntervalSince(epochStart)
        let done = max(inEpoch - startBatch, 1)
        let eta = elapsed / Double(done) * Double(max(stepsPerEpoch - inEpoch, 0))
        let rate = Double(state.epochSamples - startSamples) / max(elapsed, 1e-9)
        let width = 24, filled = width * min(inEpoch, stepsPerEpoch) / max(stepsPerEpoch, 1)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        var line = String(
            format: "\r\u{1B}[2Kepoch %d/%d %@ %d/%d loss %.4f", state.epoch, epochs, bar, inEpoch,
            stepsPerEpoch, state.epochLoss)
        if let a = state.epochAccuracy { line += String(format: " acc %.4f", a) }
        if elapsed > 0.5 { line += String(format: "  %.0f samples/s  eta %.0fs", rate, eta) }
        write(line)
    }

    /// Prints the epoch's summary line.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) {
        var line = String(format: "epoch %d/%d  train loss %.4f", log.epoch, epochs, log.trainLoss)
        if let a = log.trainAccuracy { line += String(format: "  acc %.4f", a) }
        if let v = log.validationLoss { line += String(format: "  val loss %.4f", v) }
        if let a = log.validationAccuracy { line += String(format: "  val acc %.4f", a) }
        for (name, value) in (log.validationMetrics ?? [:]).sorted(by: { $0.key < $1.key }) {
            line += String(format: "  val %@ %.4f", name, value)
        }
        if let p = log.validationPerplexity { line += String(format: "  val ppl %.4g", p) }
        line += String(format: "  lr %.3g  %.0f samples/s  %.1fs", log.learningRate, log.samplesPerSecond, log.seconds)
        write((live ? "\r\u{1B}[2K" : "") + line + "\n")
    }

    /// Says why training stopped early, if it did.
    public func trainingDidEnd(_ state: inout TrainingState) {
        if let reason = state.history.stoppedEarly { write("stopped: \(reason)\n") }
    }
}
