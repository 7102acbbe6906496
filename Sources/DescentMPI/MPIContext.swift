import CMPI
import Descent
import DescentTrain
import Foundation

/// A ``DistributedContext`` over Open MPI's `MPI_COMM_WORLD`: `mpirun -np N descent …` (or `srun`) starts N
/// processes; each makes one `MPIContext`, which initialises MPI (`MPI_THREAD_FUNNELED`: only the thread that
/// made it calls MPI) and finalises it when ``finalize()`` is called. Errors are returned by MPI
/// (`MPI_ERRORS_RETURN`) and thrown as a ``DescentError`` naming the rank and the operation.
public final class MPIContext: DistributedContext {
    /// This process's rank in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The number of processes in `MPI_COMM_WORLD`.
    public let size: Int

    /// Initialises MPI (once per process).
    ///
    /// - Throws: a ``DescentError`` when MPI cannot start (for example outside `mpirun` on a broken install).
    public init() throws {
        if descent_mpi_initialized() == 0 {
            let code = descent_mpi_init()
            guard code == MPI_SUCCESS else {
                throw DescentError(.distributed, "MPI_Init_thread", MPIContext.text(of: code))
            }
        }
        _ = descent_mpi_errors_return()
        rank = Int(descent_mpi_rank())
        size = Int(descent_mpi_size())
    }

    /// Whether this process was started by an MPI launcher (`mpirun`/`mpiexec` of Open MPI, or a PMI launcher
    /// such as Slurm's `srun`), read from the environment without initialising MPI.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        let markers = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"]
        return markers.contains { environment[$0] != nil }
    }

    /// Ends MPI on this rank (`MPI_Finalize`); call once, after the last collective.
    public func finalize() {
        if descent_mpi_finalized() == 0 { _ = descent_mpi_finalize() }
    }

    /// `MPI_Allreduce` (`MPI_SUM`, in place) of `buffer`, in pieces of at most `Int32.max` elements.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = buffer.baseAddress else { return }
        for (start, count) in MPIContext.chunks(buffer.count) {
            try check(descent_mpi_allreduce_sum_float(base + start, Int32(count)), "MPI_Allreduce")
        }
    }

    /// `MPI_Allreduce` (`MPI_SUM`, `MPI_DOUBLE`, in place) of `values`.
    public func allReduceSum(_ values: inout [Double]) throws {
        let count = values.count
        try values.withUnsafeMutableBufferPointer {
            guard let base = $0.baseAddress else { return }
            try check(descent_mpi_allreduce_sum_double(base, Int32(count)), "MPI_Allreduce")
        }
    }

    /// `MPI_Allreduce` (`MPI_MAX`, `MPI_DOUBLE`, in place) of `values`.
    public func allReduceMax(_ values: inout [Double]) throws {
        let count = values.count
        try values.withUnsafeMutableBufferPointer {
            guard let base = $0.baseAddress else { return }
            try check(descent_mpi_allreduce_max_double(base, Int32(count)), "MPI_Allreduce")
        }
    }

    /// `MPI_Iallreduce` (`MPI_SUM`, in place) of `buffer`, one request per piece of at most `Int32.max` elements.
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any DistributedRequest {
        var handles: [UnsafeMutableRawPointer?] = []
        if let base = buffer.baseAddress {
            for (start, count) in MPIContext.chunks(buffer.count) {
                var handle: UnsafeMutableRawPointer?
                try check(descent_mpi_iallreduce_sum_float(base + start, Int32(count), &handle), "MPI_Iallreduce")
                handles.append(handle)
            }
        }
        return Request(context: self, handles: handles)
    }

    /// `MPI_Bcast` of `buffer`'s bytes from `root`, in pieces of at most `Int32.max` bytes.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard let base = buffer.baseAddress else { return }
        for (start, count) in MPIContext.chunks(buffer.count) {
            try check(descent_mpi_broadcast_bytes(base + start, Int32(count), Int32(root)), "MPI_Bcast")
        }
    }

    /// `MPI_Barrier`.
    public func barrier() throws {
        try check(descent_mpi_barrier(), "MPI_Barrier")
    }

    /// `MPI_Send` of `bytes` (at most `Int32.max`) to `destination` with `tag`.
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws {
        precondition(tag >= 0, "MPIContext.send: tag \(tag) is negative")
        guard bytes.count <= Int(Int32.max) else {
            throw DescentError(.distributed, "rank \(rank)", "a message of \(bytes.count) bytes is too long for MPI")
        }
        try bytes.withUnsafeBytes {
            try check(
                descent_mpi_send_bytes($0.baseAddress, Int32(bytes.count), Int32(destination), Int32(tag)),
                "MPI_Send to rank \(destination)")
        }
    }

    /// `MPI_Probe` for the length, then `MPI_Recv` of the message.
    public func receive(from source: Int?, tag: Int?) throws -> DistributedMessage {
        var (actualSource, actualTag, count): (Int32, Int32, Int32) = (0, 0, 0)
        try check(
            descent_mpi_probe(Int32(source ?? -1), Int32(tag ?? -1), &actualSource, &actualTag, &count), "MPI_Probe")
        var bytes = [UInt8](repeating: 0, count: Int(count))
        try bytes.withUnsafeMutableBytes {
            try check(
                descent_mpi_receive_bytes($0.baseAddress, count, actualSource, actualTag),
                "MPI_Recv from rank \(actualSource)")
        }
        return DistributedMessage(source: Int(actualSource), tag: Int(actualTag), bytes: bytes)
    }

    /// Prints `message` and ends every rank (`MPI_Abort` with status 1).
    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        descent_mpi_abort(1)
        exit(1)
    }

    /// One `MPI_Allreduce` (`MPI_SUM`, `MPI_FLOAT`, in place) of `buffer` straight through the C binding: no
    /// chunking and no request objects, the reference figure of `descent bench --workloads allreduce` (at most
    /// `Int32.max` elements).
    public func rawAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = buffer.baseAddress else { return }
        precondition(buffer.count <= Int(Int32.max), "rawAllReduceSum: more than Int32.max elements")
        try check(descent_mpi_allreduce_sum_float(base, Int32(buffer.count)), "MPI_Allreduce")
    }

    /// Throws a ``DescentError`` naming this rank and `operation` unless `code` is `MPI_SUCCESS`.
    fileprivate func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        guard code != MPI_SUCCESS else { return }
        throw DescentError(.distributed, "rank \(rank)", "\(operation()) failed: \(MPIContext.text(of: code))")
    }

    /// MPI's text for an error code.
    static func text(of code: Int32) -> String {
        let capacity = Int(descent_mpi_max_error_string()) + 1
        var buffer = [CChar](repeating: 0, count: capacity)
        descent_mpi_error_string(code, &buffer, Int32(capacity))
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `(start, count)` pieces of at most `Int32.max` elements (MPI counts are `int`).
    static func chunks(_ total: Int) -> [(Int, Int)] {
        let limit = Int(Int32.max)
        return stride(from: 0, to: total, by: limit).map { ($0, min(limit, total - $0)) }
    }

    /// A started `MPI_Iallreduce` (one handle per chunk).
    private final class Request: DistributedRequest {
        let context: MPIContext
        var handles: [UnsafeMutableRawPointer?]

        init(context: MPIContext, handles: [UnsafeMutableRawPointer?]) {
            self.context = context
            self.handles = handles
        }

        func wait() throws {
            defer { handles.removeAll() }
            for handle in handles {
                try context.check(descent_mpi_wait(handle), "MPI_Wait")
            }
        }

        /// `MPI_Test` on each chunk still pending (a completed one is dropped: MPI has freed it).
        func test() throws -> Bool {
            var pending: [UnsafeMutableRawPointer?] = []
            for var handle in handles {
                var flag: Int32 = 0
                try context.check(descent_mpi_test(&handle, &flag), "MPI_Test")
                if flag == 0 { pending.append(handle) }
            }
            handles = pending
            return pending.isEmpty
        }
    }
}
