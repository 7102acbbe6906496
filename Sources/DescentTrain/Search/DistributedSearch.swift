import Descent
import Foundation

/// Where a search's worker thread runs its trials' `descent` commands, one at a time (``SearchRun/slots``).
public protocol TrialSlot: AnyObject, Sendable {
    /// Runs `descent arguments…` with its output appended to `log` and returns the exit status; `started` gets
    /// the process id when the process runs on this host.
    func run(_ arguments: [String], log: URL, started: @escaping (Int32) -> Void) throws -> Int32
    /// Says that the worker thread holding the slot has no more trials to run for now.
    func idle()
    /// Where the slot runs its commands, as the progress lines name it (`rank 1`).
    var name: String { get }
}

/// `descent search` under `mpirun -np N`: rank 0 schedules, every rank runs trials, one at a time.
///
/// Rank 0 runs the search (``SearchRun``) with one slot per rank: its own (a child process, as without MPI) and a
/// ``SearchCoordinator`` slot for each other rank. A trial handed to rank r runs all its `descent train` commands
/// there: rank 0 sends each command to rank r (tag ``runTag``, a JSON ``Command``); rank r's ``serveTrials(context:
/// executable:)`` runs it as its child process and answers with the exit status (tag ``doneTag``). Rank 0 reads
/// the trial's files and alone writes `results.json`, the tables and the report, so the search folder must be on
/// a file system every host sees, at the same path, and `descent` at the same path on every host. At the end
/// rank 0 sends ``stopTag`` to every rank. A rank that dies, or a message that fails, stops the search with an
/// error naming the rank (`results.json` keeps every finished trial; `descent search --resume DIR` continues).
public enum DistributedSearch {
    /// Tag of a command sent by rank 0.
    public static let runTag = 71
    /// Tag of a rank's answer: the command's exit status.
    public static let doneTag = 72
    /// Tag of the end of the search.
    public static let stopTag = 73
    /// Tag of a rank's note that the command's process has started: its process id (4 bytes, little-endian), which
    /// rank 0 records in `results.json` so that `--resume` can stop it if it outlives a killed search.
    public static let startedTag = 74

    /// A command for a rank, or its answer.
    public struct Command: Codable, Sendable, Equatable {
        /// The `descent` arguments.
        public var arguments: [String]
        /// The log the output is appended to.
        public var log: String

        /// `descent arguments…` logged to `log`.
        public init(arguments: [String], log: String) {
            self.arguments = arguments
            self.log = log
        }
    }

    /// A rank's answer to a ``Command``.
    public struct Answer: Codable, Sendable, Equatable {
        /// The exit status, when the command ran.
        public var status: Int32?
        /// Why it could not run.
        public var error: String?

        /// An answer with `status` or `error`.
        public init(status: Int32?, error: String?) {
            self.status = status
            self.error = error
        }
    }

    /// Rank r > 0: runs the commands rank 0 sends, one at a time, as child processes of `executable`, answering
    /// each with its exit status, until rank 0 sends ``stopTag``. Call it on the thread that made `context`.
    ///
    /// - Throws: ``DescentError`` when a message fails (rank 0 died, for example).
    public static func serveTrials(context: any DistributedContext, executable: URL) throws {
        while true {
            let message = try context.receive(from: 0, tag: nil)
            if message.tag == stopTag { return }
            var answer = Answer(status: nil, error: nil)
            do {
                let command = try JSONFile.decode(Command.self, from: Data(message.bytes))
                answer.status = try SearchRun.run(
                    executable, command.arguments, log: URL(fileURLWithPath: command.log)
                ) { pid in
                    let bytes = withUnsafeBytes(of: pid.littleEndian) { Array($0) }
                    try? context.send(bytes, to: 0, tag: startedTag)
                }
            } catch {
                answer.error = "rank \(context.rank): \(error)"
            }
            try context.send(Array(try JSONFile.encode(answer)), to: 0, tag: doneTag)
        }
    }
}

/// Rank 0's side of a distributed search: the slots of every rank (``slots``), and ``serve()``, which must run on
/// the thread that made the context (MPI is initialised `MPI_THREAD_FUNNELED`) while ``SearchRun/start()`` runs on
/// another, sending the commands the slots are given and handing back the answers, until ``finish()``.
///
/// Each remote rank is `idle`, has a command `queued`, is `busy` with it, or `deciding` (its answer handed back,
/// its worker thread not yet at its next command or idle). The serving thread blocks in a receive only when some
/// rank is busy and none is queued or deciding, so that no rank waits for another's trial to end before it gets
/// its next command.
public final class SearchCoordinator: @unchecked Sendable {
    /// The job.
    public let context: any DistributedContext
    /// The `descent` executable (rank 0's own slot runs it here).
    public let executable: URL
    private enum State {
        case idle, queued(DistributedSearch.Command), busy, deciding
    }
    private let condition = NSCondition()
    private var states: [Int: State] = [:]
    private var answers: [Int: DistributedSearch.Answer] = [:]
    private var started: [Int: (Int32) -> Void] = [:]
    private var finished = false
    private var failure: (any Error)?

    /// The coordinator of `context`'s ranks, rank 0 running `executable` itself.
    public init(context: any DistributedContext, executable: URL) {
        self.context = context
        self.executable = executable
        for r in 1..<max(1, context.size) { states[r] = .idle }
    }

    /// One slot per rank: rank 0's (local child processes), then ranks 1…N−1.
    public var slots: [any TrialSlot] {
        [LocalSlot(executable: executable)] + (1..<max(1, context.size)).map { RemoteSlot(rank: $0, coordinator: self) }
    }

    /// Says that the search has ended: ``serve()`` sends ``DistributedSearch/stopTag`` to every rank and returns.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sends the slots' commands and receives the answers until ``finish()``, then stops every rank.
    ///
    /// - Throws: ``DescentError`` naming the rank when a message fails (a rank died); the waiting slots then
    ///   throw too.
    public func serve() throws {
        do {
            while try step() {}
        } catch {
            condition.lock()
            failure = error
            condition.broadcast()
            condition.unlock()
            throw error
        }
        try stopRanks()
    }

    /// Sends ``DistributedSearch/stopTag`` to every other rank.
    public func stopRanks() throws {
        for r in 1..<max(1, context.size) { try context.send([], to: r, tag: DistributedSearch.stopTag) }
    }

    /// One round: sends the queued commands, or receives one answer; `false` once finished.
    private func step() throws -> Bool {
        condition.lock()
        func has(_ test: (State) -> Bool) -> Bool { states.values.contains(where: test) }
        let queued = { (s: State) -> Bool in if case .queued = s { true } else { false } }
        let busy = { (s: State) -> Bool in if case .busy = s { true } else { false } }
        let deciding = { (s: State) -> Bool in if case .deciding = s { true } else { false } }
        while true {
            if has(queued) || (has(busy) && !has(deciding)) { break }
            if finished && !has(busy) && !has(deciding) {
                condition.unlock()
                return false
            }
            condition.wait()
        }
        var sends: [(Int, DistributedSearch.Command)] = []
        for (r, s) in states {
            if case .queued(let command) = s {
                sends.append((r, command))
                states[r] = .busy
            }
        }
        condition.unlock()
        if !sends.isEmpty {
            for (r, command) in sends.sorted(by: { $0.0 < $1.0 }) {
                try context.send(Array(try JSONFile.encode(command)), to: r, tag: DistributedSearch.runTag)
            }
            return true
        }
        let message = try context.receive(from: nil, tag: nil)
        if message.tag == DistributedSearch.startedTag, message.bytes.count == 4 {
            let pid = message.bytes.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) }
            condition.lock()
            let note = started[message.source]
            condition.unlock()
            note?(pid)
            return true
        }
        guard message.tag == DistributedSearch.doneTag else { return true }
        let answer =
            (try? JSONFile.decode(DistributedSearch.Answer.self, from: Data(message.bytes)))
            ?? DistributedSearch.Answer(status: nil, error: "rank \(message.source): an unreadable answer")
        condition.lock()
        states[message.source] = .deciding
        answers[message.source] = answer
        condition.broadcast()
        condition.unlock()
        return true
    }

    /// Runs `command` on `rank` and waits for its exit status (a worker thread of the search).
    fileprivate func run(
        _ command: DistributedSearch.Command, on rank: Int, started: @escaping (Int32) -> Void
    ) throws -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        states[rank] = .queued(command)
        self.started[rank] = started
        condition.broadcast()
        while answers[rank] == nil {
            if let failure { throw failure }
            condition.wait()
        }
        let answer = answers.removeValue(forKey: rank)!
        guard let status = answer.status else {
            throw DescentError(.distributed, "rank \(rank)", answer.error ?? "the command did not run")
        }
        return status
    }

    /// Marks `rank` idle (its worker thread has no more trials for now).
    fileprivate func idle(_ rank: Int) {
        condition.lock()
        states[rank] = .idle
        condition.broadcast()
        condition.unlock()
    }
}

/// A slot that runs commands as child processes of this process.
final class LocalSlot: TrialSlot, @unchecked Sendable {
    let executable: URL

    init(executable: URL) { self.executable = executable }

    func run(_ arguments: [String], log: URL, started: @escaping (Int32) -> Void) throws -> Int32 {
        try SearchRun.run(executable, arguments, log: log, started: started)
    }

    func idle() {}

    var name: String { "rank 0" }
}

/// A slot that runs commands on another rank through a ``SearchCoordinator``.
final class RemoteSlot: TrialSlot, @unchecked Sendable {
    let rank: Int
    let coordinator: SearchCoordinator

    init(rank: Int, coordinator: SearchCoordinator) {
        self.rank = rank
        self.coordinator = coordinator
    }

    func run(_ arguments: [String], log: URL, started: @escaping (Int32) -> Void) throws -> Int32 {
        try coordinator.run(DistributedSearch.Command(arguments: arguments, log: log.path), on: rank, started: started)
    }

    func idle() { coordinator.idle(rank) }

    var name: String { "rank \(rank)" }
}
