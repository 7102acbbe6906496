import Foundation
import Testing

/// The built `descent` executable, run as a child process: what a user at a shell sees.
enum DescentExecutable {
    /// The executable next to the test bundle (SwiftPM builds both into the same folder), when it was built.
    static let url: URL? = {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("descent")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    /// Why the tests that run the executable are skipped when it is absent.
    static let absence: Comment =
        "the descent executable is not built next to the tests (swift build --build-tests builds it)"

    /// The output of one run.
    struct Result {
        /// Exit status.
        var status: Int32
        /// Standard output.
        var output: String
        /// Standard error, line by line.
        var errorLines: [String]
    }

    /// Runs `descent arguments…` to the end, its output collected in files of a temporary folder.
    static func run(_ arguments: [String]) throws -> Result {
        let folder = TemporaryFolder.make("exe")
        let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let process = Process()
        let executable: URL = try #require(url, absence)
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        let output = try String(contentsOf: outURL, encoding: .utf8)
        let errors = try String(contentsOf: errURL, encoding: .utf8)
        return Result(
            status: process.terminationStatus, output: output,
            errorLines: errors.split(separator: "\n").map(String.init))
    }
}
