import ArgumentParser
import DescentMPI
import DescentTrain
import Foundation

/// `descent bench --workloads allreduce` under `mpirun -np N`: the in-place float sum over all ranks for messages
/// of 4 KiB … 64 MiB (×4 steps), timed OSU-style (2 warm-up calls, then back to back after a barrier — as many
/// as move about 64 MiB, within 3…1000 and about 0.3 s — the slowest rank's mean), through these paths:
///
/// - `raw`: one `MPI_Allreduce` per message straight through the C binding (``MPIContext/rawAllReduceSum(_:)``);
/// - `descent`: ``DistributedContext/allReduceSum(_:)-(UnsafeMutableBufferPointer<Float>)``;
/// - `started`: ``DistributedContext/startAllReduceSum(_:)`` then `wait()`;
/// - `buckets_1mb`, `buckets_4mb`, `buckets_25mb`: the message cut into buckets of that many MiB, all started,
///   then all waited for (as a bucketed gradient all-reduce does); absent where the message fits one bucket;
/// - `overlap_idle`, `overlap_test`: started, then as long a computation as `started` took, then waited for;
///   `*_hidden` is the part of the sum's time the computation hid (0: none, 1: all), without MPI calls during
///   the computation and with ``DistributedRequest/test()`` every 100 µs.
///
/// Per path: `*_ms` per message, algorithm bandwidth `*_algbw_gbs` = bytes / time and bus bandwidth
/// `*_busbw_gbs` = algbw · 2(N − 1)/N (nccl-tests' and OSU's convention: what each rank's link carries in a ring).
/// Only rank 0 prints, one JSON line per message size.
enum AllReduceWorkload {
    /// Message sizes in bytes: 4 KiB, 16 KiB, …, 64 MiB.
    static let sizes = stride(from: 12, through: 26, by: 2).map { 1 << $0 }
    /// Bucket sizes of the bucketed path, in MiB.
    static let bucketMegabytes = [1, 4, 25]

    /// Runs the workload on `context` and returns rank 0's lines (empty on other ranks).
    static func run(_ context: MPIContext) throws -> [BenchResult] {
        let ranks = context.size
        let busFactor = 2 * Double(ranks - 1) / Double(ranks)
        var lines: [BenchResult] = []
        let largest = sizes.max()! / 4
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: largest)
        defer { buffer.deallocate() }
        for bytes in sizes {
            let count = bytes / 4
            let message = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
            // Correctness first: rank r contributes r + 1 everywhere.
            message.initialize(repeating: Float(context.rank + 1))
            try context.allReduceSum(message)
            let expected = Float(ranks * (ranks + 1) / 2)
            guard message.allSatisfy({ $0 == expected }) else {
                throw ValidationError("allreduce: wrong sum for \(bytes) bytes on rank \(context.rank)")
            }
            // Zeros stay zeros however often they are summed.
            message.initialize(repeating: 0)
            // About 64 MiB moved per path and size (at least 3 messages, at most 1000).
            let iterations = max(3, min(1000, (64 << 20) / bytes))
            var paths: [(String, () throws -> Void)] = [
                ("raw", { try context.rawAllReduceSum(message) }),
                ("descent", { try context.allReduceSum(message) }),
                ("started", { try context.startAllReduceSum(message).wait() }),
            ]
            for megabytes in bucketMegabytes where bytes > megabytes << 20 {
                let per = (megabytes << 20) / 4
                paths.append(
                    (
                        "buckets_\(megabytes)mb",
                        {
                            let requests = try stride(from: 0, to: count, by: per).map { start in
                                try context.startAllReduceSum(
                                    UnsafeMutableBufferPointer(rebasing: message[start..<min(count, start + per)]))
                            }
                            for request in requests { try request.wait() }
                        }
                    ))
            }
            var fields: [(String, Any)] = [("bytes", bytes), ("ranks", ranks)]
            var started = 0.0
            for (name, body) in paths {
                let seconds = try time(context, iterations: iterations, body)
                if name == "started" { started = seconds }
                let algbw = Double(bytes) / seconds / 1e9
                fields += [
                    ("\(name)_ms", seconds * 1000), ("\(name)_algbw_gbs", algbw),
                    ("\(name)_busbw_gbs", algbw * busFactor),
                ]
            }
            // Overlap: start the sum, compute (spin) for as long as the sum takes, then wait; `idle` makes no MPI
            // call meanwhile, `test` calls test() every 100 µs. Hidden = (compute + sum − total) / sum.
            for (name, polling) in [("overlap_idle", false), ("overlap_test", true)] {
                let seconds = try time(context, iterations: iterations) {
                    let request = try context.startAllReduceSum(message)
                    try spin(seconds: started, polling: polling ? request : nil)
                    try request.wait()
                }
                fields += [
                    ("\(name)_ms", seconds * 1000),
                    ("\(name)_hidden", max(0, min(1, (2 * started - seconds) / started))),
                ]
            }
            lines.append(BenchResult(workload: "allreduce", fields: fields))
        }
        return context.isMain ? lines : []
    }

    /// Busy computation for `seconds` (no MPI call), calling `polling.test()` every 100 µs when given.
    static func spin(seconds: Double, polling: (any DistributedRequest)?) throws {
        let start = DispatchTime.now().uptimeNanoseconds, end = start + UInt64(seconds * 1e9)
        var nextPoll = start + 100_000
        var now = start
        var done = false
        while now < end {
            now = DispatchTime.now().uptimeNanoseconds
            if let polling, !done, now >= nextPoll {
                done = try polling.test()
                nextPoll = now + 100_000
            }
        }
    }

    /// Mean seconds per call of `body` over up to `limit` calls (fewer where one takes long) after 3 warm-up calls
    /// and a barrier; the maximum
    /// over the ranks (the collective is as slow as its slowest rank).
    static func time(_ context: MPIContext, iterations limit: Int, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<2 { try body() }
        // At most about 0.3 s per path and size on a slow link (the slowest rank's first call decides, for all).
        let probe = DispatchTime.now().uptimeNanoseconds
        try body()
        var first = [Double(DispatchTime.now().uptimeNanoseconds - probe) / 1e9]
        try context.allReduceMax(&first)
        let iterations = max(3, min(limit, Int(0.3 / max(first[0], 1e-9))))
        try context.barrier()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { try body() }
        var seconds = [Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(iterations)]
        try context.allReduceMax(&seconds)
        return seconds[0]
    }
}
