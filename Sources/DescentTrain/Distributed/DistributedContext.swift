import Descent
import Foundation

/// The processes of a data-parallel job and the collectives between them (PyTorch's process group): a rank in
/// `0..<size`, sums over all ranks, broadcasts, barriers and byte messages. ``SingleProcess`` is the job of one;
/// `DescentMPI`'s `MPIContext` runs on Open MPI, so that `DescentTrain` itself never links MPI.
///
/// Every rank must call the same collectives in the same order with the same lengths (as with MPI). A failure
/// throws a ``DescentError`` naming the operation and the rank; ``abort(_:)`` ends every process of the job.
public protocol DistributedContext: AnyObject {
    /// This process's rank, `0..<size`.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `buffer` on every rank with its element-wise sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `values` on every rank with their element-wise sum over all ranks (counters, metric sums).
    func allReduceSum(_ values: inout [Double]) throws
    /// Replaces `values` on every rank with their element-wise maximum over all ranks.
    func allReduceMax(_ values: inout [Double]) throws
    /// Starts summing `buffer` over all ranks in place; the sum is there once the request's `wait()` returns.
    /// `buffer` must stay valid and untouched until then.
    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any DistributedRequest
    /// Copies `root`'s `buffer` into every other rank's `buffer` (same length on all ranks).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
    /// Sends `bytes` to rank `destination` with `tag` (≥ 0).
    func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws
    /// Waits for a message from `source` (`nil`: any rank) with `tag` (`nil`: any tag) and returns it.
    func receive(from source: Int?, tag: Int?) throws -> DistributedMessage
    /// Prints `message` on standard error and ends every process of the job with a non-zero status.
    func abort(_ message: String) -> Never
}

/// A collective started by ``DistributedContext/startAllReduceSum(_:)``.
public protocol DistributedRequest: AnyObject {
    /// Waits until the collective is complete on this rank.
    func wait() throws
    /// Whether the collective is complete on this rank, without blocking. With Open MPI a started all-reduce
    /// advances only inside MPI calls (no progress thread), so code that overlaps it with computation calls this
    /// now and then (every few hundred microseconds) to keep it moving; the default returns `false` (such a request
    /// completes in ``wait()``).
    func test() throws -> Bool
}

extension DistributedRequest {
    /// `false`: a request that cannot be polled completes in ``wait()``.
    public func test() throws -> Bool { false }
}

/// A message received by ``DistributedContext/receive(from:tag:)``.
public struct DistributedMessage: Sendable, Equatable {
    /// The sender's rank.
    public var source: Int
    /// The tag it was sent with.
    public var tag: Int
    /// The payload.
    public var bytes: [UInt8]

    /// A message of `bytes` from `source` with `tag`.
    public init(source: Int, tag: Int, bytes: [UInt8]) {
        self.source = source
        self.tag = tag
        self.bytes = bytes
    }
}

extension DistributedContext {
    /// Whether this is rank 0, the rank that writes files and prints progress.
    public var isMain: Bool { rank == 0 }

    /// Broadcasts `root`'s `values` into every rank's `values` (same count on all ranks).
    public func broadcast(_ values: inout [Float], root: Int) throws {
        try values.withUnsafeMutableBytes { try broadcast($0, root: root) }
    }

    /// Sums `values` element-wise over all ranks, in place.
    public func allReduceSum(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try allReduceSum($0) }
    }
}

/// The job of one process: rank 0 of 1; every collective leaves its data as it is.
public final class SingleProcess: DistributedContext {
    /// The context of a plain (non-distributed) run.
    public init() {}

    /// 0.
    public var rank: Int { 0 }
    /// 1.
    public var size: Int { 1 }
    /// Leaves `buffer` as it is (the sum over one rank).
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    /// Leaves `values` as they are.
    public func allReduceSum(_ values: inout [Double]) throws {}
    /// Leaves `values` as they are.
    public func allReduceMax(_ values: inout [Double]) throws {}
    /// A request that is already complete.
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any DistributedRequest {
        CompletedRequest()
    }
    /// Leaves `buffer` as it is (only root 0 exists).
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        precondition(root == 0, "SingleProcess.broadcast: root \(root) is not rank 0")
    }
    /// Returns at once.
    public func barrier() throws {}
    /// Throws: a job of one process has no other rank to send to.
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws {
        throw DescentError(.argument, "rank \(destination)", "a single-process job has only rank 0")
    }
    /// Throws: a job of one process has no other rank to receive from.
    public func receive(from source: Int?, tag: Int?) throws -> DistributedMessage {
        throw DescentError(
            .argument, "rank \(source.map(String.init) ?? "any")", "a single-process job has only rank 0")
    }
    /// Prints `message` and exits with status 1.
    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }

    private final class CompletedRequest: DistributedRequest {
        func wait() throws {}
    }
}
