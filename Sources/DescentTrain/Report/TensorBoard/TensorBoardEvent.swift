/// One event of a TensorBoard event file: what `TensorBoardReader` decodes and `TensorBoardWriter` encodes.
///
/// Field numbers follow `tensorboard/compat/proto/event.proto`, `summary.proto` and `tensor.proto` of
/// TensorBoard 2.21.0: `Event { double wall_time = 1; int64 step = 2; string file_version = 3;
/// Summary summary = 5; SessionLog session_log = 7; }`, `SessionLog { SessionStatus status = 1; }` (`START` 1,
/// `STOP` 2, `CHECKPOINT` 3), `Summary { repeated Value value = 1; }`, `Summary.Value { string tag = 1;
/// float simple_value = 2; TensorProto tensor = 8; SummaryMetadata metadata = 9; }`,
/// `SummaryMetadata { PluginData plugin_data = 1; }`, `PluginData { string plugin_name = 1; bytes content = 2; }`,
/// `TensorProto { DataType dtype = 1; bytes tensor_content = 4; repeated float float_val = 5;
/// repeated double double_val = 6; }` (`DT_FLOAT` 1, `DT_DOUBLE` 2). Other fields and events are skipped.
public struct TensorBoardEvent: Sendable, Equatable {
    /// Seconds since 1970 when the event was written.
    public var wallTime: Double
    /// The global step (0 when absent).
    public var step: Int
    /// `file_version` of the file's first event (`brain.Event:2`), nil for the others.
    public var fileVersion: String?
    /// Scalar values by tag: `simple_value`s, and one-element tensors of the `scalars` plugin.
    public var scalars: [String: Double]
    /// The HParams-plugin summaries of the event, in file order.
    public var hparams: [TensorBoardHParamsSummary]
    /// `session_log.status` of a session-log event (`SessionLog.START` is 1: TensorBoard's purge marker), nil for
    /// the others.
    public var sessionStatus: Int?

    /// `SessionLog.START`: TensorBoard discards the points of earlier events at this event's step and later.
    public static let sessionStart = 1

    /// An event with the given fields.
    public init(
        wallTime: Double, step: Int, fileVersion: String? = nil, scalars: [String: Double] = [:],
        hparams: [TensorBoardHParamsSummary] = [], sessionStatus: Int? = nil
    ) {
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = fileVersion
        self.scalars = scalars
        self.hparams = hparams
        self.sessionStatus = sessionStatus
    }

    /// Decodes an `Event` message.
    init(decoding bytes: ArraySlice<UInt8>) throws {
        self.init(wallTime: 0, step: 0)
        var d = ProtobufDecoder(bytes)
        while let field = try d.next() {
            switch field {
            case .fixed64(1, let bits): wallTime = Double(bitPattern: bits)
            case .varint(2, let v): step = Int(truncatingIfNeeded: Int64(bitPattern: v))
            case .bytes(3, let s): fileVersion = String(decoding: s, as: UTF8.self)
            case .bytes(5, let summary): try decodeSummary(summary)
            case .bytes(7, let sessionLog): try decodeSessionLog(sessionLog)
            default: break
            }
        }
    }

    /// Reads the status of a `SessionLog` message (0, `STATUS_UNSPECIFIED`, when absent).
    private mutating func decodeSessionLog(_ bytes: ArraySlice<UInt8>) throws {
        sessionStatus = 0
        var d = ProtobufDecoder(bytes)
        while let field = try d.next() {
            if case .varint(1, let status) = field { sessionStatus = Int(truncatingIfNeeded: status) }
        }
    }

    /// Adds the scalars and HParams summaries of a `Summary` message.
    private mutating func decodeSummary(_ bytes: ArraySlice<UInt8>) throws {
        var d = ProtobufDecoder(bytes)
        while let field = try d.next() {
            guard case .bytes(1, let value) = field else { continue }
            try decodeValue(value)
        }
    }

    /// Adds one `Summary.Value`: a `simple_value`, a `scalars`-plugin tensor or an HParams summary.
    private mutating func decodeValue(_ bytes: ArraySlice<UInt8>) throws {
        var tag = ""
        var simpleValue: Float?
        var tensor: ArraySlice<UInt8>?
        var pluginName = ""
        var content: ArraySlice<UInt8> = []
        var d = ProtobufDecoder(bytes)
        while let field = try d.next() {
            switch field {
            case .bytes(1, let s): tag = String(decoding: s, as: UTF8.self)
            case .fixed32(2, let bits): simpleValue = Float(bitPattern: bits)
            case .bytes(8, let t): tensor = t
            case .bytes(9, let metadata):
                var m = ProtobufDecoder(metadata)
                while let f = try m.next() {
                    guard case .bytes(1, let pluginData) = f else { continue }
                    var p = ProtobufDecoder(pluginData)
                    while let g = try p.next() {
                        switch g {
                        case .bytes(1, let s): pluginName = String(decoding: s, as: UTF8.self)
                        case .bytes(2, let c): content = c
                        default: break
                        }
                    }
                }
            default: break
            }
        }
        if let simpleValue {
            scalars[tag] = Double(simpleValue)
        } else if pluginName == "scalars", let tensor, let value = try Self.scalar(tensor) {
            scalars[tag] = value
        } else if pluginName == HParamsPluginData.pluginName, let summary = try HParamsPluginData.decode(content) {
            hparams.append(summary)
        }
    }

    /// The value of a one-element `DT_FLOAT` or `DT_DOUBLE` tensor, nil for any other tensor.
    private static func scalar(_ bytes: ArraySlice<UInt8>) throws -> Double? {
        var dtype: UInt64 = 0
        var values: [Double] = []
        var content: ArraySlice<UInt8> = []
        var d = ProtobufDecoder(bytes)
        while let field = try d.next() {
            switch field {
            case .varint(1, let t): dtype = t
            case .bytes(4, let c): content = c
            case .fixed32(5, _), .bytes(5, _): values += try ProtobufDecoder.floats(field).map(Double.init)
            case .fixed64(6, _), .bytes(6, _): values += try ProtobufDecoder.doubles(field)
            default: break
            }
        }
        if values.isEmpty, !content.isEmpty {
            switch dtype {
            case 1: values = try ProtobufDecoder.floats(.bytes(4, content)).map(Double.init)
            case 2: values = try ProtobufDecoder.doubles(.bytes(4, content))
            default: return nil
            }
        }
        guard dtype == 1 || dtype == 2, values.count == 1 else { return nil }
        return values[0]
    }
}

/// One `Summary.Value` that `TensorBoardWriter` writes.
enum TensorBoardSummaryValue {
    /// A scalar as `SummaryWriter.add_scalar` writes it: `simple_value`, no metadata.
    case scalar(tag: String, value: Float)
    /// A value that carries only plugin metadata, as the HParams summaries do.
    case plugin(tag: String, pluginName: String, content: [UInt8])

    /// The encoded `Summary.Value` message.
    func encode(into e: inout ProtobufEncoder) {
        switch self {
        case .scalar(let tag, let value):
            e.string(1, tag)
            e.float(2, value)
        case .plugin(let tag, let pluginName, let content):
            e.string(1, tag)
            e.message(9) { metadata in
                metadata.message(1) { pluginData in
                    pluginData.string(1, pluginName)
                    pluginData.bytes(2, content)
                }
            }
        }
    }
}

extension TensorBoardEvent {
    /// An encoded `Event` with `fileVersion`, a `Summary` of `values` or a `SessionLog` of `sessionStatus`
    /// (proto3: a zero step is left out).
    static func encode(
        wallTime: Double, step: Int, fileVersion: String? = nil,
        values: [TensorBoardSummaryValue] = [], sessionStatus: Int? = nil
    ) -> [UInt8] {
        var e = ProtobufEncoder()
        e.double(1, wallTime)
        if step != 0 { e.varint(2, Int64(step)) }
        if let fileVersion { e.string(3, fileVersion) }
        if !values.isEmpty {
            e.message(5) { summary in
                for value in values { summary.message(1) { value.encode(into: &$0) } }
            }
        }
        if let sessionStatus { e.message(7) { $0.varint(1, Int64(sessionStatus)) } }
        return e.output
    }
}
