/// The content of TensorBoard's HParams-plugin summaries (`HParamsPluginData`), encoded the way
/// `torch.utils.tensorboard.summary.hparams` writes it, and decoded for `TensorBoardReader`.
///
/// Field numbers follow `tensorboard/plugins/hparams/plugin_data.proto` and `api.proto` of TensorBoard 2.21.0
/// (`HParamsPluginData { int32 version = 1; oneof data { Experiment experiment = 2;
/// SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; } }`,
/// `Experiment { repeated HParamInfo hparam_infos = 4; repeated MetricInfo metric_infos = 5; }`,
/// `HParamInfo { string name = 1; DataType type = 4; }`, `MetricInfo { MetricName name = 1; }`,
/// `MetricName { string group = 1; string tag = 2; }`, `SessionStartInfo { map<string, google.protobuf.Value>
/// hparams = 1; }`, `SessionEndInfo { Status status = 1; }`) and `google/protobuf/struct.proto`
/// (`Value { double number_value = 2; string string_value = 3; bool bool_value = 4; }`).
enum HParamsPluginData {
    /// `SummaryMetadata.PluginData.plugin_name` of the HParams plugin.
    static let pluginName = "hparams"
    /// The tag of the experiment summary.
    static let experimentTag = "_hparams_/experiment"
    /// The tag of the session-start summary.
    static let sessionStartTag = "_hparams_/session_start_info"
    /// The tag of the session-end summary.
    static let sessionEndTag = "_hparams_/session_end_info"
    /// `tensorboard.hparams.DataType` of a value: `DATA_TYPE_STRING` 1, `DATA_TYPE_BOOL` 2, `DATA_TYPE_FLOAT64` 3.
    private static func dataType(_ value: HParamValue) -> Int64 {
        switch value {
        case .string: 1
        case .bool: 2
        case .number: 3
        }
    }

    /// The experiment content: every hyper-parameter's name and type, and every metric's tag.
    static func experiment(hparams: [(String, HParamValue)], metrics: [String]) -> [UInt8] {
        var e = ProtobufEncoder()
        e.message(2) { experiment in
            for (name, value) in hparams {
                experiment.message(4) { info in
                    info.string(1, name)
                    info.varint(4, dataType(value))
                }
            }
            for tag in metrics {
                experiment.message(5) { info in info.message(1) { name in name.string(2, tag) } }
            }
        }
        return e.output
    }

    /// The session-start content: the trial's hyper-parameter values.
    static func sessionStart(hparams: [(String, HParamValue)]) -> [UInt8] {
        var e = ProtobufEncoder()
        e.message(3) { start in
            for (name, value) in hparams {
                start.message(1) { entry in
                    entry.string(1, name)
                    entry.message(2) { v in
                        switch value {
                        case .number(let x): v.double(2, x)
                        case .string(let s): v.string(3, s)
                        case .bool(let b): v.varint(4, b ? 1 : 0)
                        }
                    }
                }
            }
        }
        return e.output
    }

    /// The session-end content: `status`.
    static func sessionEnd(status: Int) -> [UInt8] {
        var e = ProtobufEncoder()
        e.message(4) { end in end.varint(1, Int64(status)) }
        return e.output
    }

    /// The summary `content` encodes, or nil for a version this reader does not know or an empty oneof.
    static func decode(_ content: ArraySlice<UInt8>) throws -> TensorBoardHParamsSummary? {
        var d = ProtobufDecoder(content)
        var result: TensorBoardHParamsSummary?
        while let field = try d.next() {
            switch field {
            case .varint(1, let version):
                guard version == 0 else { throw ProtobufDecodingError("HParams plugin data version \(version)") }
            case .bytes(2, let body): result = try decodeExperiment(body)
            case .bytes(3, let body): result = .sessionStart(hparams: try decodeSessionStart(body))
            case .bytes(4, let body):
                var status = 0
                var end = ProtobufDecoder(body)
                while let f = try end.next() {
                    if case .varint(1, let s) = f { status = Int(truncatingIfNeeded: s) }
                }
                result = .sessionEnd(status: status)
            default: break
            }
        }
        return result
    }

    /// The hyper-parameter names and metric tags of an `Experiment`.
    private static func decodeExperiment(_ body: ArraySlice<UInt8>) throws -> TensorBoardHParamsSummary {
        var hparams: [String] = []
        var metrics: [String] = []
        var d = ProtobufDecoder(body)
        while let field = try d.next() {
            switch field {
            case .bytes(4, let info):
                var i = ProtobufDecoder(info)
                var name = ""
                while let f = try i.next() {
                    if case .bytes(1, let s) = f { name = String(decoding: s, as: UTF8.self) }
                }
                hparams.append(name)
            case .bytes(5, let info):
                var i = ProtobufDecoder(info)
                var tag = ""
                while let f = try i.next() {
                    guard case .bytes(1, let metricName) = f else { continue }
                    var n = ProtobufDecoder(metricName)
                    while let g = try n.next() {
                        if case .bytes(2, let s) = g { tag = String(decoding: s, as: UTF8.self) }
                    }
                }
                metrics.append(tag)
            default: break
            }
        }
        return .experiment(hparams: hparams, metrics: metrics)
    }

    /// The hyper-parameter values of a `SessionStartInfo` (values of other kinds are left out).
    private static func decodeSessionStart(_ body: ArraySlice<UInt8>) throws -> [String: HParamValue] {
        var hparams: [String: HParamValue] = [:]
        var d = ProtobufDecoder(body)
        while let field = try d.next() {
            guard case .bytes(1, let entry) = field else { continue }
            var e = ProtobufDecoder(entry)
            var key = ""
            var value: HParamValue?
            while let f = try e.next() {
                switch f {
                case .bytes(1, let s): key = String(decoding: s, as: UTF8.self)
                case .bytes(2, let v):
                    var kind = ProtobufDecoder(v)
                    while let g = try kind.next() {
                        switch g {
                        case .fixed64(2, let bits): value = .number(Double(bitPattern: bits))
                        case .bytes(3, let s): value = .string(String(decoding: s, as: UTF8.self))
                        case .varint(4, let b): value = .bool(b != 0)
                        default: break
                        }
                    }
                default: break
                }
            }
            if let value { hparams[key] = value }
        }
        return hparams
    }
}
