import Foundation

@testable import Descent
@testable import DescentTrain

/// N ranks of a data-parallel job as threads of this process, for tests: each rank's ``ThreadRank`` meets the
/// others at every collective; sums are taken in rank order, so results are deterministic.
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0, generation = 0
    private var contributions: [Any?]
    private var result: Any?

    init(size: Int) {
        self.size = size
        contributions = Array(repeating: nil, count: size)
    }

    /// Waits for every rank's `value`, then returns `combine` of them (in rank order) to each.
    func exchange<T>(rank: Int, _ value: T, combine: ([T]) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        contributions[rank] = value
        arrived += 1
        if arrived == size {
            result = combine(contributions.map { $0 as! T })
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return result as! T
    }

    /// Runs `body(rank)` for every rank on its own thread and returns the results in rank order (rethrowing the
    /// first error).
    func run<R>(_ body: @escaping (ThreadRank) throws -> R) throws -> [R] {
        let box = Box<R>(body: body, count: size)
        let group = DispatchGroup()
        for r in 0..<size {
            group.enter()
            let thread = Thread { [self] in
                let outcome = Result { try box.body(ThreadRank(rank: r, ranks: self)) }
                box.lock.withLock { box.results[r] = outcome }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        return try box.results.map { try $0!.get() }
    }

    /// The body and the results shared by the rank threads (each writes its own slot under the lock).
    private final class Box<R>: @unchecked Sendable {
        let body: (ThreadRank) throws -> R
        let lock = NSLock()
        var results: [Result<R, Error>?]

        init(body: @escaping (ThreadRank) throws -> R, count: Int) {
            self.body = body
            results = Array(repeating: nil, count: count)
        }
    }
}

/// One rank of ``ThreadRanks``.
final class ThreadRank: DistributedContext {
    let rank: Int
    let ranks: ThreadRanks
    var size: Int { ranks.size }

    init(rank: Int, ranks: ThreadRanks) {
        self.rank = rank
        self.ranks = ranks
    }

    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let sum = ranks.exchange(rank: rank, Array(buffer)) { all in
            (0..<all[0].count).map { i in all.dropFirst().reduce(all[0][i]) { $0 + $1[i] } }
        }
        _ = buffer.update(fromContentsOf: sum)
    }

    func allReduceSum(_ values: inout [Double]) throws {
        values = ranks.exchange(rank: rank, values) { all in
            (0..<all[0].count).map { i in all.dropFirst().reduce(all[0][i]) { $0 + $1[i] } }
        }
    }

    func allReduceMax(_ values: inout [Double]) throws {
        values = ranks.exchange(rank: rank, values) { all in
            (0..<all[0].count).map { i in all.map { $0[i] }.max()! }
        }
    }

    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any DistributedRequest {
        try allReduceSum(buffer)
        return Done()
    }

    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        let bytes = ranks.exchange(rank: rank, Array(buffer)) { all in all[root] }
        buffer.copyBytes(from: bytes)
    }

    func barrier() throws { _ = ranks.exchange(rank: rank, 0) { _ in 0 } }

    func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws {
        throw DescentError(.distributed, "rank \(rank)", "ThreadRank has no point-to-point messages")
    }

    func receive(from source: Int?, tag: Int?) throws -> DistributedMessage {
        throw DescentError(.distributed, "rank \(rank)", "ThreadRank has no point-to-point messages")
    }

    func abort(_ message: String) -> Never { fatalError(message) }

    private final class Done: DistributedRequest { func wait() throws {} }
}
