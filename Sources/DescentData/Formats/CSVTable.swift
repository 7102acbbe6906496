import Descent
import Foundation

/// A column of a CSV file, by position or by header name.
public enum CSVColumn: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The column at this 0-based position; negative positions count from the end (`-1` is the last column).
    case index(Int)
    /// The column with this header name (the file must have a header).
    case name(String)

    /// `.index(value)`.
    public init(integerLiteral value: Int) { self = .index(value) }
    /// `.name(value)`.
    public init(stringLiteral value: String) { self = .name(value) }

    /// `#3` or `"name"`.
    public var description: String {
        switch self {
        case .index(let i): return "#\(i)"
        case .name(let n): return "\"\(n)\""
        }
    }

    /// The 0-based position of this column in rows of `width` fields under the header `names` (`nil`: no header)
    /// of the file at `path`; `role` (e.g. `text`) names the column in the errors.
    ///
    /// - Throws: ``DescentError`` naming the file when the index is out of range, or the name is not in the header
    ///   or the file has none.
    func position(width: Int, names: [String]?, path: String, role: String? = nil) throws -> Int {
        let column = role.map { "\($0) column" } ?? "column"
        switch self {
        case .index(let i):
            let j = i < 0 ? width + i : i
            guard j >= 0 && j < width else {
                throw DescentError(.file, path, "\(column) index \(i) is out of range: the file has \(width) columns")
            }
            return j
        case .name(let n):
            guard let names else {
                throw DescentError(.file, path, "\(column) \"\(n)\" chosen by name, but the file has no header row")
            }
            guard let j = names.firstIndex(of: n) else {
                throw DescentError(
                    .file, path,
                    "no \(column) named \"\(n)\" (columns: \(names.joined(separator: ", ")))")
            }
            return j
        }
    }
}

/// Whether the first row of a CSV file is a header.
public enum CSVHeader: Sendable {
    /// Decide from the data: the first row is a header when some column is numeric in the second row but not
    /// in the first (or, in a one-row file, when every cell of it is non-numeric).
    case auto
    /// The first row is a header.
    case present
    /// There is no header; every row is data.
    case absent
}

/// How a CSV file gives each row's class.
public enum CSVLabel: Sendable {
    /// No label column: every selected column is a feature.
    case none
    /// A column of class indices (non-negative integers).
    case classIndex(CSVColumn)
    /// A column of class names; classes are numbered in the sorted order of the distinct names.
    case className(CSVColumn)
}

/// A numeric table read from a CSV file: feature columns as a `[rows, features]` tensor and an optional label
/// column as class indices.
///
/// Fields are separated by `delimiter` (default `,`); fields may be quoted with `"` (a doubled `""` inside
/// quotes is a literal quote, and quoted fields may span lines); blank lines are skipped; `\r\n` line ends are
/// accepted; a `.gz` file is decompressed on reading. Every row must have as many fields as the first, and
/// every feature cell must be a number: otherwise a ``DescentError`` names the file, line and column.
public struct CSVTable: Sendable {
    /// The file the table came from.
    public let path: String
    /// The header's column names, when the file has a header.
    public let columnNames: [String]?
    /// The 0-based positions of the feature columns, in the order of `features`' columns.
    public let featureColumns: [Int]
    /// The features, `[rows, featureColumns.count]`.
    public let features: Tensor
    /// The 0-based position of the label column, if any.
    public let labelColumn: Int?
    /// Each row's class index, when a label column was chosen.
    public let labels: [Int]?
    /// The class names in index order, for labels given by name (``CSVLabel/className(_:)``).
    public let classNames: [String]?

    /// Number of data rows.
    public var count: Int { features.shape[0] }

    /// The names of the feature columns (header names, or `column N` without a header).
    public var featureNames: [String] {
        featureColumns.map { columnNames?[$0] ?? "column \($0)" }
    }

    /// Reads the CSV file at `url`.
    ///
    /// - Parameters:
    ///   - features: the feature columns, in order; `nil` takes every column except the label column.
    ///   - label: the label column (default: class indices in the last column).
    ///   - header: whether the first row is a header (default: detected).
    ///   - delimiter: the field separator (an ASCII character).
    /// - Throws: ``DescentError`` naming the file (and line and column where it applies) for a missing file,
    ///   an unknown column, a row of the wrong length, an empty or non-numeric feature cell, or a bad label.
    public init(
        contentsOf url: URL, features: [CSVColumn]? = nil, label: CSVLabel = .classIndex(.index(-1)),
        header: CSVHeader = .auto, delimiter: Character = ","
    ) throws {
        try self.init(
            data: FileBytes.read(url), path: url.path, features: features, label: label,
            header: header, delimiter: delimiter)
    }

    /// Parses CSV bytes (UTF-8, already decompressed); `path` names them in errors. Parameters as in
    /// ``init(contentsOf:features:label:header:delimiter:)``.
    public init(
        data: Data, path: String, features: [CSVColumn]? = nil, label: CSVLabel = .classIndex(.index(-1)),
        header: CSVHeader = .auto, delimiter: Character = ","
    ) throws {
        guard let sep = delimiter.asciiValue, sep != UInt8(ascii: "\""), sep != 10, sep != 13 else {
            throw DescentError(
                .argument, "delimiter",
                "\"\(delimiter)\" cannot separate CSV fields (use an ASCII character other than a quote or a line break)"
            )
        }
        let records = try CSVTable.records(data, path: path, separator: sep)
        guard let first = records.first else { throw DescentError(.file, path, "empty CSV file (no rows)") }
        let width = first.fields.count
        for r in records where r.fields.count != width {
            throw DescentError(
                .file, "\(path):\(r.line)", "row has \(r.fields.count) fields, but the first row has \(width)")
        }

        let hasHeader: Bool
        switch header {
        case .present: hasHeader = true
        case .absent: hasHeader = false
        case .auto: hasHeader = CSVTable.startsWithHeader(records)
        }
        let names = hasHeader ? first.fields.map { $0.trimmingCharacters(in: .whitespaces) } : nil
        let rows = hasHeader ? records.dropFirst() : records[...]
        guard !rows.isEmpty else { throw DescentError(.file, path, "CSV file has a header but no data rows") }

        func resolve(_ c: CSVColumn) throws -> Int { try c.position(width: width, names: names, path: path) }

        let labelIndex: Int?
        switch label {
        case .none: labelIndex = nil
        case .classIndex(let c), .className(let c): labelIndex = try resolve(c)
        }
        let featureIndices = try features.map { try $0.map(resolve) } ?? (0..<width).filter { $0 != labelIndex }
        guard !featureIndices.isEmpty else { throw DescentError(.file, path, "no feature columns selected") }

        func place(_ line: Int, _ column: Int) -> String {
            "\(path):\(line), column \(column + 1)" + (names.map { " (\"\($0[column])\")" } ?? "")
        }

        var values = [Float]()
        values.reserveCapacity(rows.count * featureIndices.count)
        for r in rows {
            for j in featureIndices {
                let cell = r.fields[j]
                guard let v = CSVTable.number(cell) else {
                    let shown = cell.trimmingCharacters(in: .whitespaces)
                    throw DescentError(
                        .file, place(r.line, j),
                        shown.isEmpty ? "empty cell where a number is expected" : "cell \"\(shown)\" is not a number")
                }
                values.append(Float(v))
            }
        }

        var labels: [Int]? = nil
        var classNames: [String]? = nil
        if let li = labelIndex {
            if case .className = label {
                let cells = rows.map { $0.fields[li].trimmingCharacters(in: .whitespaces) }
                if let bad = zip(rows, cells).first(where: { $0.1.isEmpty }) {
                    throw DescentError(.file, place(bad.0.line, li), "empty label cell")
                }
                let distinct = Array(Set(cells)).sorted()
                let lookup = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
                labels = cells.map { lookup[$0]! }
                classNames = distinct
            } else {
                labels = try rows.map { r in
                    let cell = r.fields[li].trimmingCharacters(in: .whitespaces)
                    if let reason = CSVTable.badClassIndex(cell) {
                        throw DescentError(.file, place(r.line, li), reason)
                    }
                    return Int(CSVTable.number(cell)!)
                }
            }
        }

        self.path = path
        self.columnNames = names
        self.featureColumns = featureIndices
        self.features = Tensor(values, shape: [rows.count, featureIndices.count])
        self.labelColumn = labelIndex
        self.labels = labels
        self.classNames = classNames
    }

    /// Class indices must be below this (65,536 classes), so that a stray large number in a label column is
    /// refused rather than turned into a model with that many outputs.
    public static let classIndexLimit = 65_536

    /// Why the (trimmed) label cell `cell` is not a class index, or `nil` when it is one.
    static func badClassIndex(_ cell: String) -> String? {
        if cell.isEmpty { return "empty label cell" }
        guard let v = CSVTable.number(cell) else {
            return "label \"\(cell)\" is not a class index (a non-negative integer)"
        }
        if v.isNaN { return "label \"\(cell)\" is NaN, not a class index (a non-negative integer)" }
        if v < 0 { return "label \"\(cell)\" is negative, not a class index (class indices count from 0)" }
        if v != v.rounded() { return "label \"\(cell)\" is not an integer, so not a class index" }
        if v >= Double(classIndexLimit) {
            return
                "label \"\(cell)\" is out of range, not a class index (class indices must be below \(classIndexLimit))"
        }
        return nil
    }

    /// The value of a cell, when it is a number (surrounding spaces allowed).
    static func number(_ cell: String) -> Double? {
        let t = cell.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        return Double(t)
    }

    /// One parsed row and the 1-based line where it starts.
    struct Record {
        var fields: [String]
        var line: Int
    }

    /// Splits CSV bytes into records of fields.
    static func records(_ data: Data, path: String, separator: UInt8) throws -> [Record] {
        let quote = UInt8(ascii: "\""), lf: UInt8 = 10, cr: UInt8 = 13
        var records = [Record]()
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var i = 0, line = 1
            // Skip a UTF-8 byte-order mark.
            if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
            var fields = [String]()
            var field = [UInt8]()
            var recordLine = 1
            var fieldStarted = false  // whether the current record has any content yet
            func endField() {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            }
            func endRecord() {
                endField()
                if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty) {
                    records.append(Record(fields: fields, line: recordLine))
                }
                fields.removeAll(keepingCapacity: true)
                fieldStarted = false
            }
            while i < b.count {
                let c = b[i]
                if !fieldStarted { recordLine = line; fieldStarted = true }
                if c == quote && field.allSatisfy({ $0 == 32 || $0 == 9 }) {
                    // Quoted field.
                    field.removeAll(keepingCapacity: true)
                    let openLine = line
                    i += 1
                    var closed = false
                    while i < b.count {
                        if b[i] == quote {
                            if i + 1 < b.count && b[i + 1] == quote { field.append(quote); i += 2; continue }
                            closed = true
                            i += 1
                            break
                        }
                        if b[i] == lf { line += 1 }
                        field.append(b[i])
                        i += 1
                    }
                    guard closed else {
                        throw DescentError(.file, "\(path):\(openLine)", "quoted field is never closed (missing \")")
                    }
                    // Allow spaces after the closing quote, then a separator or line end.
                    while i < b.count && (b[i] == 32 || b[i] == 9) { i += 1 }
                    if i < b.count && b[i] != separator && b[i] != lf && b[i] != cr {
                        throw DescentError(.file, "\(path):\(line)", "unexpected character after a closing quote")
                    }
                    continue
                }
                if c == separator {
                    endField()
                } else if c == lf {
                    endRecord()
                    line += 1
                } else if c == cr {
                    if !(i + 1 < b.count && b[i + 1] == lf) { endRecord(); line += 1 }
                } else {
                    field.append(c)
                }
                i += 1
            }
            if fieldStarted { endRecord() }
        }
        return records
    }
}
