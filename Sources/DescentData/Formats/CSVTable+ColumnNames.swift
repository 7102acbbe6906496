import Descent
import Foundation

extension CSVTable {
    /// The header's column names of the CSV file at `url`, or `nil` when its first row is data — decided as
    /// ``CSVHeader/auto`` decides, without requiring any cell to be a number (so a column of class names is fine).
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing, unreadable, empty or malformed.
    public static func columnNames(contentsOf url: URL, delimiter: Character = ",") throws -> [String]? {
        guard let sep = delimiter.asciiValue, sep != UInt8(ascii: "\""), sep != 10, sep != 13 else {
            throw DescentError(
                .argument, "delimiter",
                "\"\(delimiter)\" cannot separate CSV fields (use an ASCII character other than a quote or a line break)"
            )
        }
        let records = try Self.records(FileBytes.read(url), path: url.path, separator: sep)
        guard let first = records.first else { throw DescentError(.file, url.path, "empty CSV file (no rows)") }
        return startsWithHeader(records) ? first.fields.map { $0.trimmingCharacters(in: .whitespaces) } : nil
    }

    /// Whether the first record is a header: some column is numeric in the second record but not in the first
    /// (or, with one record, every cell of it is non-numeric).
    static func startsWithHeader(_ records: [Record]) -> Bool {
        guard let first = records.first else { return false }
        guard records.count >= 2 else { return first.fields.allSatisfy { number($0) == nil } }
        let second = records[1].fields
        return first.fields.indices.contains {
            $0 < second.count && number(first.fields[$0]) == nil && number(second[$0]) != nil
        }
    }
}
