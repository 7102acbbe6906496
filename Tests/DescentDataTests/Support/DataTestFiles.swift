import Descent
import Foundation
import Testing

/// Files for the data tests: the committed fixtures and fresh temporary folders.
enum DataTestFiles {
    /// The committed fixture `name` (in `Tests/DescentDataTests/Fixtures/`).
    static func fixture(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw DescentError(.file, name, "fixture not found in the test bundle")
        }
        return url
    }

    /// The expectations written by `Tests/Fixtures/generate_data.py`.
    static func expectations() throws -> [String: Any] {
        let data = try Data(contentsOf: fixture("data_fixtures.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The folder holding this test process's temporary folders; removed when the process exits.
    static let temporaryRoot: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "descent-data-tests-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        atexit {
            let root = FileManager.default.temporaryDirectory
                .appendingPathComponent(
                    "descent-data-tests-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
            try? FileManager.default.removeItem(at: root)
        }
        return url
    }()

    /// A new empty folder for one test (under ``temporaryRoot``).
    static func temporaryDirectory(_ label: String = #function) throws -> URL {
        let safe = label.filter { $0.isLetter || $0.isNumber }
        let url = temporaryRoot.appendingPathComponent("\(safe)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `bytes` to `name` inside `dir` and returns its URL.
    @discardableResult
    static func write(_ bytes: Data, _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: url)
        return url
    }

    /// Writes `text` (UTF-8) to `name` inside `dir`.
    @discardableResult
    static func write(_ text: String, _ name: String, in dir: URL) throws -> URL {
        try write(Data(text.utf8), name, in: dir)
    }

    /// The error `body` throws, which must be a ``DescentError``; records a failure otherwise.
    static func descentError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation)
        -> DescentError?
    {
        do {
            try body()
            Issue.record("expected a DescentError, nothing was thrown", sourceLocation: sourceLocation)
        } catch let e as DescentError {
            return e
        } catch {
            Issue.record("expected a DescentError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Big-endian bytes of a 32-bit integer.
    static func be32(_ v: Int) -> [UInt8] {
        [UInt8((v >> 24) & 255), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)]
    }

    /// The bytes of an IDX file of u8 elements.
    static func idx(shape: [Int], bytes: [UInt8], type: UInt8 = 0x08) -> Data {
        var d = Data([0, 0, type, UInt8(shape.count)])
        for s in shape { d.append(contentsOf: be32(s)) }
        d.append(contentsOf: bytes)
        return d
    }

    /// Whether the shared data folder is available (`DESCENT_DATA` set and existing); prints why not.
    static func sharedData(_ what: String) -> URL? {
        guard let root = ProcessInfo.processInfo.environment["DESCENT_DATA"], !root.isEmpty else {
            print(
                "skipped \(what): DESCENT_DATA is not set (point it at the folder holding mnist/, e.g. ../shared/data)")
            return nil
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            print("skipped \(what): DESCENT_DATA=\(root) is not a folder")
            return nil
        }
        return URL(fileURLWithPath: root, isDirectory: true)
    }
}
