import Foundation

/// Fresh folders under the system's temporary directory for files a test writes.
enum TemporaryFolder {
    /// A new, empty folder whose name starts with `name`.
    static func make(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("descent-cli-tests-\(name)-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to `name` in a new folder and returns the file's path.
    static func file(_ name: String, _ text: String) throws -> String {
        let url = make("file").appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
