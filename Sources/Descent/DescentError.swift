/// An error caused by input from a user (a file, a config, a flag), with a one-line message that names
/// what failed, where and why.
public struct DescentError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of input was wrong.
    public enum Kind: String, Sendable {
        /// A file could not be read, or its contents are not in the expected format.
        case file
        /// A configuration key is unknown, missing or of the wrong type or value.
        case config
        /// A command-line flag or argument is invalid.
        case argument
        /// Shapes given by the user do not fit together (for example a model that does not chain).
        case shape
        /// A rank of a distributed job failed, or the ranks disagree.
        case distributed
    }

    /// The kind of input.
    public let kind: Kind
    /// Where the problem is (a path, a key, a layer name).
    public let location: String
    /// Why it is a problem.
    public let reason: String

    /// Creates an error for `location` with `reason`.
    public init(_ kind: Kind, _ location: String, _ reason: String) {
        self.kind = kind
        self.location = location
        self.reason = reason
    }

    /// `location: reason`, one line: a line break inside either (quoted from a malformed file, say) is written as
    /// an escape (`\n`, `\r`, `\u{2028}`, …), so that one error is always one line of output.
    public var description: String { DescentError.oneLine("\(location): \(reason)") }

    /// The scalars that end a line: LF, VT, FF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
    static let lineBreaks: Set<UInt32> = [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029]

    /// `text` with every line-breaking Unicode scalar escaped.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { lineBreaks.contains($0.value) }) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            switch s {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where lineBreaks.contains(s.value): out += "\\u{" + String(s.value, radix: 16) + "}"
            default: out.unicodeScalars.append(s)
            }
        }
        return out
    }
}
