import Synchronization

/// Counts the multiply-adds of the matrix products run while it is installed (every Linear, convolution and
/// matmul goes through ``Backend/sgemm``): `m·n·k` per product. Used by ``ModelSummary``.
public final class MultiplyAddCounter: Sendable {
    private let total = Atomic<Int>(0)

    /// A counter at zero.
    public init() {}

    /// Multiply-adds counted so far.
    public var count: Int { total.load(ordering: .relaxed) }

    /// Adds `n` multiply-adds.
    public func add(_ n: Int) { total.add(n, ordering: .relaxed) }

    /// The counter that ``Backend/sgemm`` reports to in the current task, if any.
    @TaskLocal public static var current: MultiplyAddCounter?

    /// Runs `body` with `self` counting its matrix products.
    public func counting<R>(_ body: () throws -> R) rethrows -> R {
        try MultiplyAddCounter.$current.withValue(self) { try body() }
    }
}
