import Dispatch

#if canImport(CDNNL)
import CDNNL
#endif

/// Parallel loops over index ranges, on the same OpenMP pool that the compute library uses.
public enum Parallel {
    /// Below this many elements of work a kernel runs on the calling thread.
    public static let grainSize = 1 << 15

    /// Calls `body(range)` for contiguous chunks that cover `0..<count`, in parallel when `count` is large.
    ///
    /// `cost` is the work per index in elements; chunks are never smaller than `grainSize / cost` indices.
    /// The body must only write disjoint memory for disjoint ranges.
    @inlinable
    public static func forEachChunk(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let threads = Backend.threads
        let minChunk = max(1, grainSize / max(cost, 1))
        let chunks = min(threads, (count + minChunk - 1) / minChunk)
        if chunks <= 1 {
            body(0..<count)
            return
        }
        run(chunks: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Runs `body(i)` for `i` in `0..<chunks`, one chunk per thread. A ``MultiplyAddCounter`` installed by the
    /// caller counts the matrix products of every chunk (task-locals do not reach the pool's threads by themselves).
    @usableFromInline
    static func run(chunks: Int, _ body: (Int) -> Void) {
        if let counter = MultiplyAddCounter.current {
            withoutActuallyEscaping(body) { body in
                run(chunks: chunks, counting: counter, body)
            }
            return
        }
        runChunks(chunks, body)
    }

    /// ``run(chunks:_:)`` with `counter` installed in every chunk.
    private static func run(chunks: Int, counting counter: MultiplyAddCounter, _ body: @escaping (Int) -> Void) {
        runChunks(chunks) { c in MultiplyAddCounter.$current.withValue(counter) { body(c) } }
    }

    /// Runs `body(i)` for `i` in `0..<chunks` on the OpenMP pool (Dispatch in the portable build).
    @usableFromInline
    static func runChunks(_ chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var context = Context(body: body, chunks: chunks)
            #if canImport(CDNNL)
            _ = Backend.configured
            let ran = withUnsafeMutablePointer(to: &context) { ptr in
                descent_omp_parallel(
                    { raw in
                        let ctx = raw!.assumingMemoryBound(to: Context.self)
                        let team = max(1, Int(descent_omp_num_threads()))
                        var c = Int(descent_omp_thread_num())
                        while c < ctx.pointee.chunks {
                            ctx.pointee.body(c)
                            c += team
                        }
                    }, UnsafeMutableRawPointer(ptr), UInt32(chunks)) != 0
            }
            if ran { return }
            #endif
            let shared = context
            DispatchQueue.concurrentPerform(iterations: chunks) { c in shared.body(c) }
        }
    }

    @usableFromInline
    struct Context: @unchecked Sendable {
        let body: (Int) -> Void
        let chunks: Int
        init(body: @escaping (Int) -> Void, chunks: Int) {
            self.body = body
            self.chunks = chunks
        }
    }
}
