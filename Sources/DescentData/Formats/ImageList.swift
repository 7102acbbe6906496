import Descent
import Foundation

/// A list of image files and their classes (Keras' `flow_from_dataframe`, a CSV or JSON instead of a folder per
/// class): each entry a path — relative to the list's folder, or absolute — and a label, a class name or a class
/// index. Read as
///
/// - `.csv` (`.tsv` tab-separated): one `path,label` row per image; a first row whose cells include `path` and
///   `label` is a header naming those two columns (others are ignored), else the first two columns are taken;
/// - `.json`: an array of `{"path": "a.jpg", "label": "cat"}` objects or `["a.jpg", "cat"]` pairs;
/// - `.jsonl`: one such object or pair per line.
///
/// Labels are all class names — the classes are then the distinct names sorted, as torchvision's `ImageFolder`
/// sorts its class folders — or all class indices (integers from 0, below 65,536; JSON numbers, or CSV cells that
/// are numbers), the classes then `0`, `1`, … up to the largest. Errors name the file and line.
public struct ImageList: Sendable {
    /// One image of the list.
    public struct Entry: Sendable, Equatable {
        /// The path as written (relative to the list's folder unless absolute).
        public let path: String
        /// The class index.
        public let label: Int
        /// The 1-based line of the list where the entry starts.
        public let line: Int
    }

    /// The class names: the distinct label names sorted, or `"0"`, `"1"`, … for class indices.
    public let classes: [String]
    /// The images, in list order.
    public let entries: [Entry]

    /// The list file at `url`, its format from the extension.
    ///
    /// - Throws: ``DescentError`` naming the file when it cannot be read, has another extension, or is malformed
    ///   (with the line).
    public init(contentsOf url: URL, classes: [String]? = nil) throws {
        try self.init(data: FileBytes.read(url), path: url.path, classes: classes)
    }

    /// The extensions of list files.
    public static let extensions = ["csv", "tsv", "json", "jsonl"]

    /// A label as written: a class name or a class index (a JSON number; a JSON string is always a name).
    enum Label: Equatable, Decodable {
        case name(String)
        case index(Double)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Double.self) {
                self = .index(n)
            } else {
                self = .name(try c.decode(String.self))
            }
        }
    }

    /// Parses list bytes; `path` names them in errors and its extension gives the format. With `classes` (the
    /// training list's, for a test list) the labels are looked up in them instead of making the classes.
    ///
    /// - Throws: ``DescentError`` at `path:LINE` for a malformed entry, a label that is empty, not a class index,
    ///   of the other kind than the first entry's, or not one of `classes`; at `path` for an empty list, malformed
    ///   JSON or an unknown extension.
    public init(data: Data, path: String, classes: [String]? = nil) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        let raw: [(path: String, label: Label, line: Int)]
        switch ext {
        case "csv", "tsv": raw = try Self.csvEntries(data, path: path, separator: ext == "tsv" ? 9 : 44)
        case "json": raw = try Self.jsonEntries(data, path: path)
        case "jsonl": raw = try Self.jsonLinesEntries(data, path: path)
        default:
            throw DescentError(.file, path, "is not an image list (expected a .csv, .tsv, .json or .jsonl file)")
        }
        guard let first = raw.first else { throw DescentError(.file, path, "empty list (no images)") }
        for e in raw {
            if e.path.isEmpty { throw DescentError(.file, "\(path):\(e.line)", "empty path") }
            if case .name(let n) = e.label, n.isEmpty { throw DescentError(.file, "\(path):\(e.line)", "empty label") }
        }
        // Names throughout, or indices throughout: a mix is a mistake (a stray number among names, say).
        let byName: Bool
        if case .name = first.label { byName = true } else { byName = false }
        for e in raw {
            switch (e.label, byName) {
            case (.index, true), (.name, false):
                throw DescentError(
                    .file, "\(path):\(e.line)",
                    "label \(Self.shown(e.label)) is a class \(byName ? "index" : "name"), but line \(first.line)'s "
                        + "label \(Self.shown(first.label)) is a class \(byName ? "name" : "index") "
                        + "(use names or indices throughout)")
            default: break
            }
        }
        var labels = [Int]()
        labels.reserveCapacity(raw.count)
        var names = classes
        if byName {
            let known = classes ?? Array(Set(raw.map { if case .name(let n) = $0.label { n } else { "" } })).sorted()
            let lookup = Dictionary(known.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            for e in raw {
                guard case .name(let n) = e.label, let k = lookup[n] else {
                    throw DescentError(
                        .file, "\(path):\(e.line)",
                        "label \(Self.shown(e.label)) is not one of the \(known.count) training classes")
                }
                labels.append(k)
            }
            names = known
        } else {
            for e in raw {
                guard case .index(let v) = e.label else { continue }
                if let reason = Self.badIndex(v, Self.shown(e.label)) {
                    throw DescentError(.file, "\(path):\(e.line)", reason)
                }
                if let classes, Int(v) >= classes.count {
                    throw DescentError(
                        .file, "\(path):\(e.line)",
                        "label \(Self.shown(e.label)) is not a class of the \(classes.count) training classes")
                }
                labels.append(Int(v))
            }
            names = classes ?? (0...labels.max()!).map(String.init)
        }
        self.classes = names!
        entries = zip(raw, labels).map { Entry(path: $0.0.path, label: $0.1, line: $0.0.line) }
    }

    /// The label as the list wrote it, quoted.
    static func shown(_ label: Label) -> String {
        switch label {
        case .name(let n): return "\"\(n)\""
        case .index(let v): return v == v.rounded() && abs(v) < 1e15 ? "\(Int(v))" : "\(v)"
        }
    }

    /// Why `v` is not a class index, or `nil`.
    static func badIndex(_ v: Double, _ shown: String) -> String? {
        if v.isNaN { return "label \(shown) is NaN, not a class index (a non-negative integer)" }
        if v < 0 { return "label \(shown) is negative, not a class index (class indices count from 0)" }
        if v != v.rounded() { return "label \(shown) is not an integer, so not a class index" }
        if v >= Double(CSVTable.classIndexLimit) {
            return
                "label \(shown) is out of range, not a class index (class indices must be below \(CSVTable.classIndexLimit))"
        }
        return nil
    }

    /// CSV/TSV rows: a header naming `path` and `label`, or the first two columns.
    static func csvEntries(_ data: Data, path: String, separator: UInt8) throws -> [(
        path: String, label: Label, line: Int
    )] {
        let records = try CSVTable.records(data, path: path, separator: separator)
        guard let first = records.first else { return [] }
        let header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var (p, l) = (0, 1)
        var rows = records[...]
        if let hp = header.firstIndex(of: "path"), let hl = header.firstIndex(of: "label") {
            (p, l) = (hp, hl)
            rows = rows.dropFirst()
        }
        let need = max(p, l) + 1
        return try rows.map { r in
            guard r.fields.count >= need else {
                throw DescentError(
                    .file, "\(path):\(r.line)",
                    "row has \(r.fields.count) field\(r.fields.count == 1 ? "" : "s"), expected path\(separator == 9 ? "<tab>" : ",")label"
                )
            }
            let cell = r.fields[l].trimmingCharacters(in: .whitespaces)
            let label: Label = CSVTable.number(cell).map { .index($0) } ?? .name(cell)
            return (r.fields[p].trimmingCharacters(in: .whitespaces), label, r.line)
        }
    }

    /// One JSON entry: `{"path": …, "label": …}` or `[path, label]`, the label a string or a number.
    struct JSONEntry: Decodable {
        var path: String
        var label: Label

        enum Keys: String, CodingKey { case path, label }

        init(from decoder: Decoder) throws {
            if let keyed = try? decoder.container(keyedBy: Keys.self) {
                path = try keyed.decode(String.self, forKey: .path)
                label = try keyed.decode(Label.self, forKey: .label)
            } else {
                var pair = try decoder.unkeyedContainer()
                guard pair.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: pair, debugDescription: "not a pair")
                }
                path = try pair.decode(String.self)
                label = try pair.decode(Label.self)
            }
        }
    }

    static let entryShape = #"{"path": "…", "label": "…" or N} or ["…", label]"#

    /// A JSON array of entries, each with the line where it starts.
    static func jsonEntries(_ data: Data, path: String) throws -> [(path: String, label: Label, line: Int)] {
        let lines = elementLines([UInt8](data))
        do {
            let entries = try JSONDecoder().decode([JSONEntry].self, from: data)
            return zip(entries, lines).map { ($0.path, $0.label, $1) }
        } catch let error as DecodingError {
            let context: DecodingError.Context?
            switch error {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
                context = c
            @unknown default: context = nil
            }
            if let index = context?.codingPath.first?.intValue, index < lines.count {
                throw DescentError(
                    .file, "\(path):\(lines[index])", "entry \(index + 1) is not \(entryShape)")
            }
            if case .typeMismatch = error {
                throw DescentError(.file, path, "expected a JSON array of entries \(entryShape)")
            }
            throw DescentError(.file, path, "not valid JSON (expected an array of entries \(entryShape))")
        }
    }

    /// JSON Lines: one entry per non-blank line.
    static func jsonLinesEntries(_ data: Data, path: String) throws -> [(path: String, label: Label, line: Int)] {
        var out = [(path: String, label: Label, line: Int)]()
        for (i, text) in String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false
        ).enumerated() where !text.allSatisfy(\.isWhitespace) {
            guard let e = try? JSONDecoder().decode(JSONEntry.self, from: Data(text.utf8)) else {
                throw DescentError(.file, "\(path):\(i + 1)", "line is not \(entryShape)")
            }
            out.append((e.path, e.label, i + 1))
        }
        return out
    }

    /// The 1-based line where each element of the top-level JSON array starts (strings and nesting skipped).
    static func elementLines(_ bytes: [UInt8]) -> [Int] {
        var lines = [Int]()
        var line = 1, depth = 0, inString = false, escaped = false, expecting = false
        for c in bytes {
            if c == 10 { line += 1 }
            if inString {
                if escaped {
                    escaped = false
                } else if c == 92 {
                    escaped = true
                } else if c == 34 {
                    inString = false
                }
                continue
            }
            if depth == 1 && expecting && c != 32 && c != 9 && c != 10 && c != 13 && c != 93 {
                lines.append(line)
                expecting = false
            }
            switch c {
            case 34: inString = true
            case 91, 123:
                depth += 1
                if depth == 1 && c == 91 { expecting = true }
            case 93, 125: depth -= 1
            case 44: if depth == 1 { expecting = true }
            default: break
            }
        }
        return lines
    }
}
