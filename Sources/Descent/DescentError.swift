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

    /// `location: reason`, one line.
    public var description: String { "\(location): \(reason)" }
}
