import Descent
import Foundation

/// Writes a TensorBoard event file (`events.out.tfevents.<unix time>.<hostname>[.suffix]`) that
/// `tensorboard --logdir` reads: scalars as `torch.utils.tensorboard`'s `add_scalar` writes them and the HParams
/// summaries of `add_hparams`. Records are buffered and appended on `flush()`, `close()`, and every
/// `flushRecords` records or `flushSeconds` seconds (checked when a record is added). Not thread-safe: use one
/// writer from one thread at a time.
public final class TensorBoardWriter {
    /// The event file being written.
    public let url: URL
    /// The open file, nil once closed.
    private var handle: FileHandle?
    /// Framed records not yet written to the file.
    private var buffer: [UInt8] = []
    /// How many records `buffer` holds.
    private var pendingRecords = 0
    /// When the buffer was last written out.
    private var lastFlush = Date()
    /// Write the buffer out once it holds this many records.
    private let flushRecords: Int
    /// Write the buffer out when a record is added this many seconds after the last flush.
    private let flushSeconds: TimeInterval

    /// Creates `directory` if needed and a new event file in it whose first record is `file_version: brain.Event:2`.
    /// `wallTime` stamps the file name and that record; an existing file is never replaced (two writers started in
    /// the same second in one folder need different suffixes). `flushRecords` and `flushSeconds` default to
    /// TensorBoard's own writer's (10 records, 120 s).
    public init(
        directory: URL, filenameSuffix: String = "", flushRecords: Int = 10, flushSeconds: TimeInterval = 120,
        wallTime: Date = Date()
    ) throws {
        guard !filenameSuffix.contains("/") else {
            throw DescentError(.file, directory.path, "the event file suffix \"\(filenameSuffix)\" contains a /")
        }
        let seconds = Int(wallTime.timeIntervalSince1970)
        let suffix = filenameSuffix.isEmpty ? "" : "." + filenameSuffix
        url = directory.appendingPathComponent("events.out.tfevents.\(seconds).\(Self.hostname())\(suffix)")
        self.flushRecords = max(1, flushRecords)
        self.flushSeconds = flushSeconds
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, directory.path, "cannot create the folder: \(error.localizedDescription)")
        }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw DescentError(.file, url.path, "cannot create the event file: \(String(cString: strerror(errno)))")
        }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try append(
            TensorBoardEvent.encode(
                wallTime: wallTime.timeIntervalSince1970, step: 0,
                fileVersion: "brain.Event:2"))
        try flush()
    }

    deinit {
        try? close()
    }

    /// Appends `value` for `tag` at `step`, stored as a 32-bit `simple_value` like `SummaryWriter.add_scalar`.
    public func addScalar(_ tag: String, _ value: Double, step: Int, wallTime: Date = Date()) throws {
        try append(
            TensorBoardEvent.encode(
                wallTime: wallTime.timeIntervalSince1970, step: step,
                values: [.scalar(tag: tag, value: Float(value))]))
    }

    /// Appends TensorBoard's purge marker at `step`, as `SummaryWriter(purge_step: step)` does: an event whose
    /// `session_log` has status `START`. TensorBoard then discards the points that earlier events (in this file and
    /// in the files before it) hold at `step` and later, so a run resumed from a checkpoint does not show the
    /// points written between that checkpoint and the interruption twice.
    public func addSessionStart(step: Int, wallTime: Date = Date()) throws {
        try append(
            TensorBoardEvent.encode(
                wallTime: wallTime.timeIntervalSince1970, step: step,
                sessionStatus: TensorBoardEvent.sessionStart))
    }

    /// Appends one trial's hyper-parameters and final metrics as `SummaryWriter.add_hparams` does: the experiment,
    /// session-start and session-end summaries, then each metric as a scalar at `step`, all in name order. Give
    /// each trial its own directory; metric tags should differ from the tags of `addScalar`. The experiment
    /// declares `metricTags` (default: the keys of `metrics`), so that a trial without some metric (a failed one)
    /// still declares every metric of its experiment; the session ends with `status` (default ``success``).
    public func addHParams(
        _ hparams: [String: HParamValue], metrics: [String: Double], metricTags: [String]? = nil,
        status: TensorBoardHParamsStatus = .success, step: Int = 0, wallTime: Date = Date()
    ) throws {
        let time = wallTime.timeIntervalSince1970
        let values = hparams.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let declared = Set(metricTags ?? []).union(metrics.keys).sorted()
        let summaries: [(String, [UInt8])] = [
            (HParamsPluginData.experimentTag, HParamsPluginData.experiment(hparams: values, metrics: declared)),
            (HParamsPluginData.sessionStartTag, HParamsPluginData.sessionStart(hparams: values)),
            (HParamsPluginData.sessionEndTag, HParamsPluginData.sessionEnd(status: status.rawValue)),
        ]
        for (tag, content) in summaries {
            let value = TensorBoardSummaryValue.plugin(
                tag: tag, pluginName: HParamsPluginData.pluginName,
                content: content)
            try append(TensorBoardEvent.encode(wallTime: time, step: step, values: [value]))
        }
        for tag in metrics.keys.sorted() { try addScalar(tag, metrics[tag]!, step: step, wallTime: wallTime) }
    }

    /// Writes the buffered records to the file.
    public func flush() throws {
        guard let handle else { throw DescentError(.file, url.path, "the event file is already closed") }
        lastFlush = Date()
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw DescentError(.file, url.path, "cannot write the event file: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
        pendingRecords = 0
    }

    /// Writes the buffered records and closes the file; later calls do nothing.
    public func close() throws {
        guard let handle else { return }
        try flush()
        self.handle = nil
        do {
            try handle.close()
        } catch {
            throw DescentError(.file, url.path, "cannot close the event file: \(error.localizedDescription)")
        }
    }

    /// Frames `event` as a record, buffers it and flushes when the buffer is full or old.
    private func append(_ event: [UInt8]) throws {
        guard handle != nil else { throw DescentError(.file, url.path, "the event file is already closed") }
        buffer += TFRecord.frame(event)
        pendingRecords += 1
        if pendingRecords >= flushRecords || Date().timeIntervalSince(lastFlush) >= flushSeconds { try flush() }
    }

    /// This machine's host name, as TensorBoard puts it in event file names.
    private static func hostname() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        let bytes = name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let host = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "/", with: "_")
        return host.isEmpty ? "localhost" : host
    }
}
