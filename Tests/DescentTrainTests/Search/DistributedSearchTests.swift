import Descent
import Foundation
import Testing

@testable import DescentTrain

/// ``SearchCoordinator`` and ``DistributedSearch/serveTrials(context:executable:)`` over an in-process job (ranks
/// as threads exchanging messages, as MPI's point-to-point calls): rank 0 hands commands to rank 1, which runs them
/// as child processes and answers with their exit status and process id; the end stops rank 1; a rank that dies
/// stops the coordinator with an error naming it, and the trial waiting on it gets that error too.
@Suite struct DistributedSearchTests {
    /// The mailboxes of an in-process job.
    final class Job: @unchecked Sendable {
        let condition = NSCondition()
        var boxes: [Int: [DistributedMessage]] = [:]
        var dead: Set<Int> = []

        func kill(_ rank: Int) {
            condition.lock()
            dead.insert(rank)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// One rank of a ``Job``: only send and receive are used by a search.
    final class Rank: DistributedContext, @unchecked Sendable {
        let rank: Int, size: Int, job: Job

        init(_ rank: Int, of size: Int, _ job: Job) {
            (self.rank, self.size, self.job) = (rank, size, job)
        }

        func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws {
            job.condition.lock()
            defer { job.condition.unlock() }
            guard !job.dead.contains(destination) else {
                throw DescentError(.distributed, "rank \(rank)", "MPI_Send to rank \(destination) failed: it died")
            }
            job.boxes[destination, default: []].append(DistributedMessage(source: rank, tag: tag, bytes: bytes))
            job.condition.broadcast()
        }

        func receive(from source: Int?, tag: Int?) throws -> DistributedMessage {
            job.condition.lock()
            defer { job.condition.unlock() }
            while true {
                let box = job.boxes[rank] ?? []
                if let i = box.firstIndex(where: {
                    (source == nil || $0.source == source) && (tag == nil || $0.tag == tag)
                }) {
                    return job.boxes[rank]!.remove(at: i)
                }
                if let gone = job.dead.sorted().first(where: { source == nil || $0 == source }) {
                    throw DescentError(.distributed, "rank \(rank)", "MPI_Recv failed: rank \(gone) died")
                }
                job.condition.wait()
            }
        }

        func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
        func allReduceSum(_ values: inout [Double]) throws {}
        func allReduceMax(_ values: inout [Double]) throws {}
        func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any DistributedRequest {
            fatalError("unused")
        }
        func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {}
        func barrier() throws {}
        func abort(_ message: String) -> Never { fatalError(message) }
    }

    /// A thread running `body`, its error (if any) kept.
    final class Runner: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var error: (any Error)?

        init(_ body: @escaping @Sendable () throws -> Void) {
            Thread { [self] in
                do { try body() } catch { self.error = error }
                done.signal()
            }.start()
        }
    }

    static let shell = URL(fileURLWithPath: "/bin/sh")

    @Test func rankOneRunsTheCommandsItIsHandedAndStopsAtTheEnd() throws {
        let job = Job()
        let coordinator = SearchCoordinator(context: Rank(0, of: 2, job), executable: Self.shell)
        let worker = Runner { try DistributedSearch.serveTrials(context: Rank(1, of: 2, job), executable: Self.shell) }
        let server = Runner { try coordinator.serve() }
        let slots = coordinator.slots
        #expect(slots.map(\.name) == ["rank 0", "rank 1"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let log = folder.appendingPathComponent("remote.log")
        let pid = LockedBox<Int32>()
        let status = try slots[1].run(["-c", "echo on rank 1; exit 3"], log: log) { pid.value = $0 }
        #expect(status == 3)
        #expect(try String(contentsOf: log, encoding: .utf8) == "on rank 1\n")
        #expect((pid.value ?? 0) > 0)
        #expect(try slots[1].run(["-c", "exit 0"], log: log) { _ in } == 0)
        let local = folder.appendingPathComponent("local.log")
        #expect(try slots[0].run(["-c", "echo here; exit 5"], log: local) { _ in } == 5)
        slots[1].idle()
        coordinator.finish()
        server.done.wait()
        worker.done.wait()
        #expect(server.error == nil && worker.error == nil)
    }

    @Test func aRankThatDiesStopsTheSearchNamingIt() throws {
        let job = Job()
        let coordinator = SearchCoordinator(context: Rank(0, of: 2, job), executable: Self.shell)
        let server = Runner { try coordinator.serve() }
        let slot = coordinator.slots[1]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-\(UUID().uuidString).log")
        let trial = Runner { _ = try slot.run(["-c", "exit 0"], log: log) { _ in } }
        // Rank 1 receives the command, then dies without answering.
        let command = try Rank(1, of: 2, job).receive(from: 0, tag: DistributedSearch.runTag)
        #expect(command.tag == DistributedSearch.runTag)
        job.kill(1)
        server.done.wait()
        trial.done.wait()
        #expect("\(server.error.map { "\($0)" } ?? "")".contains("rank 1 died"))
        #expect("\(trial.error.map { "\($0)" } ?? "")".contains("rank 1 died"))
    }
}

/// A value set by one thread and read by another.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?

    var value: Value? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            stored = newValue
        }
    }
}
