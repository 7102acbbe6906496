import Descent
import Foundation

/// Labelled texts before tokenization, read from a CSV/TSV table (a text column and a label column) or from a
/// folder with one sub-folder of text files per class (torchvision's `ImageFolder` layout, for text).
public struct TextCorpus: Sendable {
    /// The texts.
    public var texts: [String]
    /// Each text's class index.
    public var labels: [Int]
    /// The class names in index order.
    public var classes: [String]

    /// The largest integer label read as a class index, 65,535 (as for CSV tables).
    public static let largestClassIndex = 65_535

    /// A corpus from its parts.
    public init(texts: [String], labels: [Int], classes: [String]) {
        precondition(texts.count == labels.count, "TextCorpus: \(texts.count) texts for \(labels.count) labels")
        self.texts = texts
        self.labels = labels
        self.classes = classes
    }

    /// Reads a CSV or TSV table (`delimiter` defaults to a tab for `.tsv`/`.tab` files, else a comma): the texts
    /// from column `text`, the labels from column `label`. Columns named by header name mean the file has a
    /// header; by 0-based index (negative from the end), that it has none, unless `header` says otherwise.
    /// Labels that are all non-negative integers are class indices (classes `"0"`, `"1"`, … up to the largest);
    /// otherwise they are class names, indexed in sorted order.
    ///
    /// - Throws: ``DescentError`` naming the file (and line) for a missing file or column, a row of the wrong
    ///   length, an empty label, or no data rows.
    public static func table(
        contentsOf url: URL, text: CSVColumn, label: CSVColumn, delimiter: Character? = nil, header: CSVHeader = .auto
    ) throws -> TextCorpus {
        let tab = ["tsv", "tab"].contains(url.pathExtension.lowercased())
        return try table(
            data: FileBytes.read(url), path: url.path, text: text, label: label,
            delimiter: delimiter ?? (tab ? "\t" : ","), header: header)
    }

    /// Parses a table's bytes (UTF-8, already decompressed) as ``table(contentsOf:text:label:delimiter:header:)``
    /// does; `path` names them in errors.
    public static func table(
        data: Data, path: String, text: CSVColumn, label: CSVColumn, delimiter: Character = ",",
        header: CSVHeader = .auto
    ) throws -> TextCorpus {
        guard let separator = delimiter.asciiValue, separator != UInt8(ascii: "\""), separator != 10, separator != 13
        else {
            throw DescentError(
                .argument, "delimiter",
                "\"\(delimiter)\" cannot separate fields (use an ASCII character other than a quote or a line break)")
        }
        let records = try CSVTable.records(data, path: path, separator: separator)
        guard let first = records.first else { throw DescentError(.file, path, "empty table (no rows)") }
        let width = first.fields.count
        if let r = records.first(where: { $0.fields.count != width }) {
            throw DescentError(
                .file, "\(path):\(r.line)", "row has \(r.fields.count) fields, but the first row has \(width)")
        }
        let hasHeader: Bool
        switch header {
        case .present: hasHeader = true
        case .absent: hasHeader = false
        case .auto:
            if case .name = text {
                hasHeader = true
            } else if case .name = label {
                hasHeader = true
            } else {
                hasHeader = false
            }
        }
        let names = hasHeader ? first.fields.map { $0.trimmingCharacters(in: .whitespaces) } : nil
        func resolve(_ c: CSVColumn, _ role: String) throws -> Int {
            try c.position(width: width, names: names, path: path, role: role)
        }
        let t = try resolve(text, "text"), l = try resolve(label, "label")
        let rows = hasHeader ? records.dropFirst() : records[...]
        guard !rows.isEmpty else { throw DescentError(.file, path, "no data rows") }
        var texts = [String](), raw = [String](), lines = [Int]()
        for r in rows {
            let cell = r.fields[l].trimmingCharacters(in: .whitespaces)
            guard !cell.isEmpty else { throw DescentError(.file, "\(path):\(r.line)", "empty label (column \(l))") }
            texts.append(r.fields[t])
            raw.append(cell)
            lines.append(r.line)
        }
        let indices = raw.compactMap { Int($0) }
        if indices.count == raw.count, indices.allSatisfy({ $0 >= 0 }) {
            // Class indices make a class list up to the largest: a huge index (found by fuzzing) would make a huge
            // list, so indices stop at the CSV reader's bound.
            if let k = indices.firstIndex(where: { $0 > Self.largestClassIndex }) {
                throw DescentError(
                    .file, "\(path):\(lines[k])",
                    "label \(indices[k]) is too large for a class index (at most \(Self.largestClassIndex)); "
                        + "give class names instead")
            }
            let classes = (0...(indices.max() ?? 0)).map(String.init)
            return TextCorpus(texts: texts, labels: indices, classes: classes)
        }
        let classes = Array(Set(raw)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return TextCorpus(texts: texts, labels: raw.map { index[$0]! }, classes: classes)
    }

    /// Reads `root/CLASS/FILE` for every file with one of `extensions` (case-insensitive), each file one text
    /// (UTF-8); classes are the sub-folder names in sorted order, files in sorted order within each.
    ///
    /// - Throws: ``DescentError`` naming the folder when it is missing or has no class folder with a text file,
    ///   and naming the file when it is not UTF-8.
    public static func folders(at root: URL, extensions: Set<String> = ["txt"]) throws -> TextCorpus {
        let fm = FileManager.default
        let classes = try ClassFolders.names(in: root, holding: "text files")
        var texts = [String](), labels = [Int](), kept = [String]()
        for name in classes {
            let folder = root.appendingPathComponent(name)
            let files = try fm.contentsOfDirectory(atPath: folder.path).filter {
                extensions.contains(($0 as NSString).pathExtension.lowercased())
            }.sorted()
            guard !files.isEmpty else { continue }
            for f in files {
                let url = folder.appendingPathComponent(f)
                guard let s = String(data: try FileBytes.read(url), encoding: .utf8) else {
                    throw DescentError(.file, url.path, "is not UTF-8 text")
                }
                texts.append(s)
                labels.append(kept.count)
            }
            kept.append(name)
        }
        guard !kept.isEmpty else {
            throw DescentError(
                .file, root.path,
                "no class folder with \(extensions.sorted().map { "." + $0 }.joined(separator: "/")) files")
        }
        return TextCorpus(texts: texts, labels: labels, classes: kept)
    }
}

extension TextCorpus {
    /// The texts of column `column` (by header name) of a CSV or TSV table with a header row, without labels
    /// (`delimiter` defaults to a tab for `.tsv`/`.tab` files, else a comma) — the texts to classify.
    ///
    /// - Throws: ``DescentError`` naming the file (and line) for a missing file or column, a row of the wrong
    ///   length, or no data rows.
    public static func texts(contentsOf url: URL, column: String, delimiter: Character? = nil) throws -> [String] {
        let tab = ["tsv", "tab"].contains(url.pathExtension.lowercased())
        let separator = (delimiter ?? (tab ? "\t" : ",")).asciiValue ?? UInt8(ascii: ",")
        let records = try CSVTable.records(try FileBytes.read(url), path: url.path, separator: separator)
        guard let first = records.first else { throw DescentError(.file, url.path, "empty table (no rows)") }
        let names = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let k = names.firstIndex(of: column) else {
            throw DescentError(
                .file, url.path, "no text column \"\(column)\" (columns: \(names.joined(separator: ", ")))")
        }
        if let r = records.first(where: { $0.fields.count != names.count }) {
            throw DescentError(
                .file, "\(url.path):\(r.line)", "row has \(r.fields.count) fields, but the header has \(names.count)")
        }
        guard records.count > 1 else { throw DescentError(.file, url.path, "no data rows (only the header)") }
        return records.dropFirst().map { $0.fields[k] }
    }
}
