import Foundation

extension SafeTensors {
    /// Writes `entries` (in this order) and optional `metadata` as a safetensors file at `url`, atomically: the
    /// bytes go to a temporary file in the same directory, which is flushed (`fsync`) and renamed over `url`.
    ///
    /// Throws ``DescentError`` (`.file`, the path, the reason) for an entry that cannot be written (see
    /// ``encode(_:metadata:)``) or a failing file operation; on failure `url` is left untouched.
    public static func write(_ entries: [Entry], metadata: [String: String]? = nil, to url: URL) throws {
        let path = url.path
        let bytes: Data
        do {
            bytes = try encode(entries, metadata: metadata)
        } catch let error as DescentError {
            throw DescentError(error.kind, path, error.reason)
        }
        try AtomicFile.write(bytes, to: url)
    }

    /// The safetensors bytes of `entries` (in this order) and optional `metadata`: the header lists the entries
    /// with consecutive data offsets and is padded with spaces to a multiple of 8 bytes, as Python's writer does.
    ///
    /// Throws ``DescentError`` (`.file`) for a duplicate or reserved (`__metadata__`) name, a dtype other than
    /// `F32`/`I64`, or an `I64` entry holding a value that is not a whole number within `Int64`'s range.
    public static func encode(_ entries: [Entry], metadata: [String: String]? = nil) throws -> Data {
        let location = "safetensors data"
        var seen = Set<String>()
        var header = "{"
        var fields: [String] = []
        if let metadata {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for e in entries {
            guard e.name != "__metadata__" else {
                throw DescentError(.file, location, "'__metadata__' is reserved and cannot name a tensor")
            }
            guard seen.insert(e.name).inserted else {
                throw DescentError(.file, location, "tensor '\(e.name)' appears twice")
            }
            guard e.dtype.isWritable else {
                throw DescentError(
                    .file, location,
                    "tensor '\(e.name)': writing dtype \(e.dtype.rawValue) is not supported (use F32 or I64)")
            }
            if e.dtype == .int64 {
                try e.tensor.withUnsafeBufferPointer { p in
                    for (i, v) in p.enumerated() where !(v.rounded(.towardZero) == v && Swift.abs(v) < 0x1p63) {
                        throw DescentError(
                            .file, location,
                            "tensor '\(e.name)': element \(i) (\(v)) is not a whole number in Int64's range, cannot be stored as I64"
                        )
                    }
                }
            }
            let end = offset + e.tensor.count * e.dtype.byteSize
            let shape = e.tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(jsonString(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        headerBytes += Array(repeating: UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8)

        let total = 8 + headerBytes.count + offset
        var data = Data(count: total)
        data.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            base.storeBytes(of: UInt64(headerBytes.count).littleEndian, as: UInt64.self)
            headerBytes.withUnsafeBytes { base.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            var cursor = base.advanced(by: 8 + headerBytes.count)
            for e in entries {
                e.tensor.withUnsafeBufferPointer { p in
                    switch e.dtype {
                    case .int64:
                        for i in 0..<p.count {
                            cursor.storeBytes(of: Int64(p[i]).littleEndian, toByteOffset: 8 * i, as: Int64.self)
                        }
                    default:
                        for i in 0..<p.count {
                            cursor.storeBytes(of: p[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                        }
                    }
                }
                cursor = cursor.advanced(by: e.tensor.count * e.dtype.byteSize)
            }
        }
        return data
    }

    /// `s` as a JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
