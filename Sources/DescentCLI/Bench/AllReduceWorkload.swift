import ArgumentParser
import DescentMPI
import DescentTrain
import Foundation

/// `descent bench --workloads allreduce` under `mpirun -np N`: the in-place float sum over all ranks for messages
/// of 4 KiB … 64 MiB (×4 steps), timed OSU-style (warm-up, then `iterations` back to back after a barrier; the
/// slowest rank's mean), through four paths:
///
/// - `raw`: one `MPI_Allreduce` per message straight through the C binding (``MPIContext/rawAllReduceSum(_:)``);
/// - `descent`: ``DistributedContext/allReduceSum(_:)-(UnsafeMutableBufferPointer<Float>)``;
/// - `started`: ``DistributedContext/startAllReduceSum(_:)`` then `wait()`;
/// - `buckets_1mb`, `buckets_4mb`, `buckets_25mb`: the message cut into buckets of that many MiB, all started,
///   then all waited for (as a bucketed gradient all-reduce does); absent where the message fits one bucket.
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
            var fields: [(String, Any)] = [("bytes", bytes), ("ranks", ranks), ("iterations", iterations)]
            for (name, body) in paths {
                let seconds = try time(context, iterations: iterations, body)
                let algbw = Double(bytes) / seconds / 1e9
                fields += [
                    ("\(name)_ms", seconds * 1000), ("\(name)_algbw_gbs", algbw),
                    ("\(name)_busbw_gbs", algbw * busFactor),
                ]
            }
            lines.append(BenchResult(workload: "allreduce", fields: fields))
        }
        return context.isMain ? lines : []
    }

    /// Mean seconds per call of `body` over `iterations` calls after 2 warm-up calls and a barrier; the maximum
    /// over the ranks (the collective is as slow as its slowest rank).
    static func time(_ context: MPIContext, iterations: Int, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<2 { try body() }
        try context.barrier()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { try body() }
        var seconds = [Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(iterations)]
        try context.allReduceMax(&seconds)
        return seconds[0]
    }
}
