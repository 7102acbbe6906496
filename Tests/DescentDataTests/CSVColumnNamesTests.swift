import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// `CSVTable.columnNames(contentsOf:)` reads a file's header as `CSVHeader.auto` detects it, without requiring
/// numbers in any column.
@Suite struct CSVColumnNamesTests {
    func names(_ text: String) throws -> [String]? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("columns-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try CSVTable.columnNames(contentsOf: url)
    }

    @Test func headerAndClassNameColumn() throws {
        #expect(try names(" x1,x2 ,label\n0.5,1,cat\n2,3,dog\n") == ["x1", "x2", "label"])
        #expect(try names("a,\"b, c\"\n1,2\n") == ["a", "b, c"])
        #expect(try names("a,b\n") == ["a", "b"])
    }

    @Test func noHeader() throws {
        #expect(try names("1,2,3\n4,5,6\n") == nil)
        #expect(try names("1,2,cat\n4,5,dog\n") == nil)
        #expect(try names("1,2\n") == nil)
    }

    @Test func errorsNameTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("columns-\(UUID().uuidString).csv")
        let missing = try #require(#expect(throws: DescentError.self) { try CSVTable.columnNames(contentsOf: url) })
        #expect(missing.location == url.path)
        let empty = try #require(#expect(throws: DescentError.self) { try names("\n\n") })
        #expect(empty.reason == "empty CSV file (no rows)")
    }
}
