import Foundation
import Synchronization

/// The memory of large tensors: buffers of at least ``minimumBytes`` are mapped from the kernel (`mmap`) and, when
/// freed, kept by length for reuse as long as the pool's resident bytes stay within its budget.
///
/// A training step frees and allocates buffers of the same few lengths over and over. Taken from the C heap (whose
/// mmap threshold ``Backend/configured`` raises, so that they are not unmapped and faulted in again on every step),
/// they fragment it: a freed buffer cannot hold a larger one, and the heap does not give back pages from its middle,
/// so it grows far above the memory in use (ResNet-18 at batch 128: 1.1–1.3 GB resident for 0.69 GB of tensors).
/// Here a freed buffer is either kept whole for the next buffer of its length, or unmapped, so that the resident
/// bytes of the pool (in use + kept) stay within
///
///     budget = highWater + headroom
///
/// where `highWater` is the most bytes ever in use at once: a buffer freed beyond the budget is unmapped, and a new
/// mapping that would exceed it first unmaps kept buffers, those of the largest length first.
final class BufferPool: Sendable {
    /// The pool of all tensor storage.
    static let shared = BufferPool(headroom: 64 << 20)

    /// Buffers of this many bytes or more come from a pool; smaller ones from `posix_memalign`.
    static let minimumBytes = 1 << 20

    /// The page size; mapped lengths are multiples of it.
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Bytes that may be kept beyond the high-water mark of the bytes in use.
    let headroom: Int

    /// The pool's books: the addresses of kept buffers by mapped length, the bytes kept, in use, and their
    /// high-water mark.
    private struct State {
        var kept: [Int: [UInt]] = [:]
        var keptBytes = 0
        var inUse = 0
        var highWater = 0
    }

    private let state = Mutex(State())

    /// A pool that keeps freed buffers while its resident bytes stay within the high-water mark plus `headroom`.
    init(headroom: Int) { self.headroom = headroom }

    deinit {
        state.withLock { s in
            for (length, buffers) in s.kept {
                for p in buffers { munmap(UnsafeMutableRawPointer(bitPattern: p), length) }
            }
        }
    }

    /// The mapped length of a buffer of `bytes` bytes: `bytes` rounded up to whole pages.
    static func mappedLength(_ bytes: Int) -> Int { (bytes + pageSize - 1) / pageSize * pageSize }

    /// The bytes of freed buffers kept for reuse now.
    var keptBytes: Int { state.withLock { $0.keptBytes } }

    /// The bytes of buffers in use now.
    var bytesInUse: Int { state.withLock { $0.inUse } }

    /// A page-aligned buffer of at least `bytes` bytes: a kept one of the same mapped length (holding what its last
    /// user left), else a new mapping (zero-filled by the kernel).
    func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        let length = Self.mappedLength(bytes)
        let (reused, evicted) = state.withLock { s -> (UInt?, [(UInt, Int)]) in
            s.inUse += length
            s.highWater = Swift.max(s.highWater, s.inUse)
            if let p = s.kept[length]?.popLast() {
                s.keptBytes -= length
                if s.kept[length]!.isEmpty { s.kept[length] = nil }
                return (p, [])
            }
            var evicted: [(UInt, Int)] = []
            while s.keptBytes > 0 && s.inUse + s.keptBytes > s.highWater + headroom {
                let largest = s.kept.keys.max()!
                evicted.append((s.kept[largest]!.removeLast(), largest))
                if s.kept[largest]!.isEmpty { s.kept[largest] = nil }
                s.keptBytes -= largest
            }
            return (nil, evicted)
        }
        for (p, n) in evicted { munmap(UnsafeMutableRawPointer(bitPattern: p), n) }
        if let reused { return UnsafeMutableRawPointer(bitPattern: reused)! }
        guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED
        else { preconditionFailure("out of memory allocating \(bytes) bytes for a tensor") }
        // Transparent huge pages where the system allows them: a fresh mapping faults in 2 MiB at a time.
        _ = madvise(p, length, MADV_HUGEPAGE)
        return p
    }

    /// Takes back a buffer of ``allocate(_:)`` for `bytes` bytes: kept for reuse while the pool stays within its
    /// budget, else unmapped.
    func deallocate(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        let length = Self.mappedLength(bytes)
        let address = UInt(bitPattern: pointer)
        let kept = state.withLock { s -> Bool in
            s.inUse -= length
            guard s.inUse + s.keptBytes + length <= s.highWater + headroom else { return false }
            s.kept[length, default: []].append(address)
            s.keptBytes += length
            return true
        }
        if !kept { munmap(pointer, length) }
    }
}
