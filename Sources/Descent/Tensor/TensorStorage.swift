import Foundation

/// The memory behind a tensor: a 64-byte-aligned buffer of `Float`s, freed when the last tensor lets go.
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
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let status = posix_memalign(&raw, 64, bytes)
        precondition(status == 0 && raw != nil, "out of memory allocating \(bytes) bytes for a tensor")
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

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

    deinit { free(pointer) }
}
