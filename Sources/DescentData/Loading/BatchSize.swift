/// How many samples a ``DataLoader`` puts in each batch.
///
/// An integer literal means ``size(_:)``: `1` is stochastic gradient descent, `B` mini-batches;
/// ``full`` is the whole dataset in one batch (batch gradient descent).
public enum BatchSize: Sendable, Equatable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The whole dataset in one batch.
    case full
    /// Batches of this many samples (the last one smaller unless dropped).
    case size(Int)

    /// `.size(value)`.
    public init(integerLiteral value: Int) { self = .size(value) }

    /// The number of samples per batch for a dataset of `count` samples.
    public func resolved(count: Int) -> Int {
        switch self {
        case .full: return Swift.max(count, 1)
        case .size(let b): return b
        }
    }

    /// `full` or the size.
    public var description: String {
        switch self {
        case .full: return "full"
        case .size(let b): return "\(b)"
        }
    }
}
