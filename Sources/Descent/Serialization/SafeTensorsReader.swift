import Foundation

extension SafeTensors {
    /// Reads every tensor of the safetensors file at `url`, in data order, converted to `Float`.
    /// Throws ``DescentError`` (`.file`, the path, the reason) for an unreadable or malformed file.
    public static func read(from url: URL) throws -> [Entry] {
        try readContents(from: url).entries
    }

    /// Reads every tensor of safetensors bytes `data`, in data order; `location` names the source in errors.
    public static func read(from data: Data, location: String = "safetensors data") throws -> [Entry] {
        try readContents(from: data, location: location).entries
    }

    /// Reads the tensors and the `__metadata__` of the safetensors file at `url`.
    public static func readContents(from url: URL) throws -> Contents {
        let path = url.path
        return try readContents(from: readFile(path), location: path)
    }

    /// Reads the tensors and the `__metadata__` of safetensors bytes `data`; `location` names the source in errors.
    ///
    /// Checks, each failing with a thrown `.file` error: the 8-byte length and the header fit in the data; the
    /// header is a UTF-8 JSON object; each entry has a known `dtype`, a `shape` of non-negative integers and
    /// `data_offsets` `[begin, end]` with `begin ≤ end` inside the data section spanning exactly
    /// `count(shape) × size(dtype)` bytes; sorted by offset the tensors tile the data section with no gap or
    /// overlap; `__metadata__` maps strings to strings.
    public static func readContents(from data: Data, location: String = "safetensors data") throws -> Contents {
        func failure(_ reason: String) -> DescentError { DescentError(.file, location, reason) }
        let size = data.count
        guard size >= 8 else {
            throw failure("file is \(size) bytes, too short for the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw failure("header length \(headerLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        let n = Int(headerLength)
        guard n <= size - 8 else {
            throw failure("header length \(n) exceeds the \(size - 8) bytes that follow the length field")
        }
        let start = data.startIndex
        let headerBytes = data.subdata(in: (start + 8)..<(start + 8 + n))
        guard let headerText = String(data: headerBytes, encoding: .utf8) else {
            throw failure("header is not valid UTF-8")
        }
        guard headerText.first == "{" else {
            throw failure("header does not start with '{' (not a safetensors file?)")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw failure("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw failure("header is not a JSON object")
        }

        let dataLength = size - 8 - n
        var metadata: [String: String] = [:]
        var layout: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let pairs = value as? [String: Any] else {
                    throw failure("__metadata__ is not a JSON object")
                }
                for (key, v) in pairs {
                    guard let s = v as? String else { throw failure("__metadata__ value of '\(key)' is not a string") }
                    metadata[key] = s
                }
                continue
            }
            func bad(_ reason: String) -> DescentError { failure("tensor '\(name)': \(reason)") }
            guard let info = value as? [String: Any] else { throw bad("entry is not a JSON object") }
            guard let dtypeName = info["dtype"] as? String else { throw bad("missing or non-string 'dtype'") }
            guard let dtype = DType(rawValue: dtypeName) else {
                let known = DType.allCases.map(\.rawValue).joined(separator: ", ")
                throw bad("unsupported dtype '\(dtypeName)' (supported: \(known))")
            }
            guard let shapeList = info["shape"] as? [Any], let shape = integers(shapeList),
                shape.allSatisfy({ $0 >= 0 })
            else {
                throw bad("'shape' is not a list of non-negative integers")
            }
            guard let offsetList = info["data_offsets"] as? [Any], let offsets = integers(offsetList),
                offsets.count == 2,
                offsets[0] >= 0, offsets[1] >= 0
            else {
                throw bad("'data_offsets' is not a pair of non-negative integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end else { throw bad("data_offsets [\(begin), \(end)] are reversed (begin > end)") }
            guard end <= dataLength else {
                throw bad("data_offsets [\(begin), \(end)] reach beyond the data section (\(dataLength) bytes)")
            }
            var bytes = dtype.byteSize, overflow = false
            for d in shape where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: d) }
            guard !overflow, bytes == end - begin else {
                throw bad(
                    "data_offsets [\(begin), \(end)] span \(end - begin) bytes, but shape \(shape) of \(dtype.rawValue) needs \(overflow ? "more than \(Int.max)" : String(bytes))"
                )
            }
            layout.append((name, dtype, shape, begin, end))
        }

        layout.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        var previous: String?
        for t in layout {
            if t.begin < cursor {
                throw failure(
                    "tensor '\(t.name)' (data_offsets [\(t.begin), \(t.end)]) overlaps tensor '\(previous ?? "")', which ends at \(cursor)"
                )
            }
            if t.begin > cursor {
                throw failure(
                    "\(t.begin - cursor) unused bytes before tensor '\(t.name)' at data offset \(cursor) (tensors must tile the data section)"
                )
            }
            cursor = t.end
            previous = t.name
        }
        guard cursor == dataLength else {
            throw failure("the data section has \(dataLength) bytes, but the tensors cover \(cursor)")
        }

        let entries: [Entry] = data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + 8 + n
            return layout.map { t in
                let tensor = Tensor(uninitializedShape: t.shape)
                t.dtype.decode(base + t.begin, count: tensor.count, into: tensor.storage.pointer)
                return (name: t.name, tensor: tensor, dtype: t.dtype)
            }
        }
        return Contents(entries: entries, metadata: metadata)
    }

    /// The values of a JSON array if every one is an integer (not a fraction, not out of range).
    private static func integers(_ values: [Any]) -> [Int]? {
        var out: [Int] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard let i = v as? Int else { return nil }
            out.append(i)
        }
        return out
    }

    /// The bytes of the file at `path`, with POSIX errors turned into ``DescentError``.
    static func readFile(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DescentError(.file, path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DescentError(.file, path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw DescentError(.file, path, "not a regular file") }
        let size = Int(info.st_size)
        var data = Data(count: size)
        let done: Int = try data.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < size {
                let r = posixRead(fd, buffer.baseAddress! + done, size - done)
                if r < 0 {
                    if errno == EINTR { continue }
                    throw DescentError(.file, path, "cannot read: \(String(cString: strerror(errno)))")
                }
                if r == 0 { break }
                done += r
            }
            return done
        }
        guard done == size else {
            throw DescentError(.file, path, "file shrank from \(size) to \(done) bytes while reading")
        }
        return data
    }
}

/// POSIX `read(2)` (a file-scope name, out of reach of the `read(from:)` methods).
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
