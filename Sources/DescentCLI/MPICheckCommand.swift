import ArgumentParser
import Descent
import DescentMPI
import DescentTrain
import Foundation

/// `descent mpi-check` (hidden): runs every collective of ``MPIContext`` once with known values and checks the
/// results on every rank, then SyncBatchNorm against BatchNorm over the global batch — `descent mpi-check` alone
/// (an MPI singleton, rank 0 of 1) or under
/// `mpirun -np N descent mpi-check`. Each rank prints `mpi-check: rank r of N: K checks passed`; a wrong value
/// makes that rank fail with the check's name (exit status 1).
struct MPICheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpi-check",
        abstract: "Check Open MPI's collectives through DescentMPI on every rank (sum, max, started sums, broadcast, "
            + "barrier, send/receive) and SyncBatchNorm across the ranks.",
        shouldDisplay: false
    )

    @Option(help: "Elements of the float buffers summed.")
    var count: Int = 1000

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
    }

    func run() throws {
        let context = try MPIContext()
        defer { context.finalize() }
        let passed = try Self.check(context, count: count)
        print("mpi-check: rank \(context.rank) of \(context.size): \(passed) checks passed")
    }

    /// Runs the checks on `context` and returns how many passed; throws at the first wrong value.
    static func check(_ context: any DistributedContext, count: Int) throws -> Int {
        let rank = context.rank, size = context.size
        var passed = 0
        func expect(_ ok: Bool, _ what: String) throws {
            guard ok else { throw DescentError(.distributed, "rank \(rank)", "mpi-check: \(what) is wrong") }
            passed += 1
        }
        try expect(size >= 1 && (0..<size).contains(rank), "rank \(rank) of size \(size)")
        // Σ_r (r + 1 + i) = size(size + 1)/2 + size·i: exact in Float for these magnitudes.
        let base = Float(size * (size + 1) / 2)
        var floats = (0..<count).map { Float(rank + 1 + $0 % 1000) }
        try context.allReduceSum(&floats)
        try expect(floats.indices.allSatisfy { floats[$0] == base + Float(size * ($0 % 1000)) }, "allReduceSum(Float)")
        var doubles = [Double(rank) + 0.5, -Double(rank)]
        try context.allReduceSum(&doubles)
        let ranks = Double(size * (size - 1) / 2)
        try expect(doubles == [ranks + 0.5 * Double(size), -ranks], "allReduceSum(Double)")
        var maxima = [Double(rank), -Double(rank)]
        try context.allReduceMax(&maxima)
        try expect(maxima == [Double(size - 1), 0], "allReduceMax")
        // Three buckets started before any is waited for, as a bucketed gradient all-reduce does.
        let buckets = [count, 1, count / 2 + 1].map { n in
            let bucket = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
            for i in 0..<n { bucket[i] = Float(rank + 1) * Float(i % 7) }
            return bucket
        }
        defer { for bucket in buckets { bucket.deallocate() } }
        let requests = try buckets.map { try context.startAllReduceSum($0) }
        // The first is driven to completion by test(), the others waited for.
        while try !requests[0].test() {}
        for request in requests { try request.wait() }
        try expect(
            buckets.allSatisfy { bucket in bucket.indices.allSatisfy { bucket[$0] == base * Float($0 % 7) } },
            "startAllReduceSum (3 buckets)")
        // The roots in the same order on every rank (a Set's order differs between processes: its hash seed is
        // per process, and ranks that iterate one call their collectives in different orders and hang).
        for root in size > 1 ? [0, size - 1] : [0] {
            var bytes = [UInt8](repeating: UInt8(rank), count: 257)
            if rank == root { for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i * 3 + root) } }
            try bytes.withUnsafeMutableBytes { try context.broadcast($0, root: root) }
            try expect(
                bytes.indices.allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0 * 3 + root) },
                "broadcast from rank \(root)")
            var values: [Float] = rank == root ? [1.5, -2, 3e7] : [0, 0, 0]
            try context.broadcast(&values, root: root)
            try expect(values == [1.5, -2, 3e7], "broadcast([Float]) from rank \(root)")
        }
        try context.barrier()
        passed += 1
        let wrong = syncBatchNormDisagreements(context)
        try expect(wrong.isEmpty, "SyncBatchNorm (\(wrong.joined(separator: ", ")))")
        if size > 1 {
            // A ring: each rank sends to the next (small messages go eagerly, so sending first cannot block).
            let next = (rank + 1) % size, previous = (rank + size - 1) % size
            try context.send([UInt8(rank), 42, UInt8(size)], to: next, tag: 7)
            let message = try context.receive(from: previous, tag: 7)
            try expect(
                message == DistributedMessage(source: previous, tag: 7, bytes: [UInt8(previous), 42, UInt8(size)]),
                "send/receive from rank \(previous)")
            // 64 KiB goes by rendezvous (the send waits for the receive): around the ring one after the other.
            let large = Array(repeating: UInt8(rank), count: 1 << 16)
            if rank == 0 { try context.send(large, to: next, tag: 9) }
            let any = try context.receive(from: nil, tag: nil)
            if rank != 0 { try context.send(large, to: next, tag: 9) }
            try expect(
                any.source == previous && any.tag == 9
                    && any.bytes == Array(repeating: UInt8(previous), count: 1 << 16),
                "receive from any rank, any tag")
            try context.barrier()
        } else {
            try expect((try? context.send([1], to: 1, tag: 0)) == nil, "send to a rank that does not exist throws")
        }
        return passed
    }

    /// A converted BatchNorm2d on this rank's 4 samples against BatchNorm2d over all ranks' samples (each rank
    /// computes the whole batch too): what differs beyond a relative 1e-5 among the output, `∂x` and the running
    /// statistics after one step.
    static func syncBatchNormDisagreements(_ context: any DistributedContext) -> [String] {
        let perRank = 4, range = context.rank * perRank..<(context.rank + 1) * perRank
        let g = RandomGenerator(seed: 11)
        let shape = [perRank * context.size, 3, 4, 4]
        let x = g.normal(shape, mean: 1, std: 2), probe = g.normal(shape)
        let whole = BatchNorm2d(3), synced = BatchNorm2d(3)
        convertSyncBatchNorm(synced, context: context)
        let xw = x.detach().requiringGrad(), xr = x[range].detach().requiringGrad()
        let yw = whole(xw), yr = synced(xr)
        (yw * probe).sum().backward()
        (yr * probe[range]).sum().backward()
        func close(_ a: Tensor?, _ b: Tensor?) -> Bool {
            guard let a, let b, a.shape == b.shape else { return false }
            return zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(abs($1), 1e-3) }
        }
        let checks = [
            ("output", close(yr, yw[range])), ("∂x", close(xr.grad, xw.grad?[range])),
            ("running_mean", close(synced.runningMean, whole.runningMean)),
            ("running_var", close(synced.runningVar, whole.runningVar)),
        ]
        return checks.filter { !$0.1 }.map(\.0)
    }
}
