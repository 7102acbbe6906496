import Foundation

/// The memory behind a tensor: a 64-byte-aligned buffer of `Float`s (page-aligned from ``BufferPool`` when large),
/// freed when the last tensor lets go.
///
/// Tensors share storage on copy and copy it on write (see ``Tensor``); kernels reach it through
/// `UnsafeMutablePointer` once per call, never per element.
public final class TensorStorage: @unchecked Sendable {
    /// First element.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    public let count: Int

    /// Allocates uninitialised storage for `count` elements.
    @usableFromInline
    init(uninitializedCount count: Int) {
        _ = Backend.configured
        self.count = count
        let bytes = TensorStorage.byteCount(count)
        let raw: UnsafeMutableRawPointer
        if bytes >= BufferPool.minimumBytes {
            raw = BufferPool.shared.allocate(bytes)
        } else {
            var p: UnsafeMutableRawPointer?
            let status = posix_memalign(&p, 64, bytes)
            precondition(status == 0 && p != nil, "out of memory allocating \(bytes) bytes for a tensor")
            raw = p!
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// The bytes allocated for `count` elements (at least one element's).
    static func byteCount(_ count: Int) -> Int { max(count, 1) * MemoryLayout<Float>.stride }

    /// Allocates storage filled with `value`.
    @usableFromInline
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// A new storage holding the same values.
    @usableFromInline
    func copy() -> TensorStorage {
        let s = TensorStorage(uninitializedCount: count)
        s.pointer.initialize(from: pointer, count: count)
        return s
    }

    deinit {
        let bytes = TensorStorage.byteCount(count)
        if bytes >= BufferPool.minimumBytes {
            BufferPool.shared.deallocate(UnsafeMutableRawPointer(pointer), bytes: bytes)
        } else {
            free(pointer)
        }
    }
}
