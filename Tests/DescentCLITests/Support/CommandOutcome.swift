import ArgumentParser
import Foundation

@testable import DescentCLI

/// What the user sees when a `descent` command stops: the first line of its message on standard error and the
/// exit status, as `DescentCommand.main()` would print and return them — run in this process.
struct CommandOutcome: Equatable, CustomStringConvertible {
    /// The first line of the error output (`Error: …`), or empty when the command succeeded.
    var line: String
    /// The exit status (0 on success, 64 for a usage error, 1 for other errors).
    var status: Int32

    /// `status: line`.
    var description: String { "\(status): \(line)" }

    /// A usage error (exit status 64), as argument-parser reports a bad option.
    static func usage(_ message: String) -> CommandOutcome { CommandOutcome(line: "Error: " + message, status: 64) }

    /// A failure while running (exit status 1).
    static func failure(_ message: String) -> CommandOutcome { CommandOutcome(line: "Error: " + message, status: 1) }

    /// Success.
    static let success = CommandOutcome(line: "", status: 0)

    /// The outcome with `$TMP` in its line replaced by `folder`'s path.
    func inFolder(_ folder: URL) -> CommandOutcome {
        CommandOutcome(line: line.replacingOccurrences(of: "$TMP", with: folder.path), status: status)
    }

    /// ``of(_:)`` for `arguments` with `$TMP` replaced by `folder`'s path.
    static func of(_ arguments: [String], inFolder folder: URL) -> CommandOutcome {
        of(arguments.map { $0.replacingOccurrences(of: "$TMP", with: folder.path) })
    }

    /// Parses `arguments` (without the executable's name) as `descent` does, validates and runs the command.
    static func of(_ arguments: [String]) -> CommandOutcome {
        do {
            var command = try DescentCommand.parseAsRoot(arguments)
            try command.run()
            return .success
        } catch {
            let message = DescentCommand.fullMessage(for: error)
            let first = message.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return CommandOutcome(line: first, status: DescentCommand.exitCode(for: error).rawValue)
        }
    }
}
