#if canImport(CDNNL)
import CDNNL
import Synchronization

/// oneDNN primitives by key (a shape, its epilogue and the thread count it is made for), shared by the matmul,
/// bf16 matmul and convolution caches: each is created on first use, under the table's lock, with oneDNN's thread
/// count set to the key's; a key oneDNN has no primitive for is remembered as `nil`, so the caller falls back at
/// once the next time. At most ``capacity`` keys are kept; beyond, the table starts over (running users keep their
/// entries alive).
/// A oneDNN object made by one of the C `…_create` functions of `CDNNL`, freed by its `…_destroy` with its last user
/// (the entries of a ``PrimitiveTable``).
final class OwnedPrimitive<Pointee>: @unchecked Sendable {
    /// The object.
    let pointer: UnsafeMutablePointer<Pointee>
    private let destroy: (UnsafeMutablePointer<Pointee>) -> Void

    /// Takes ownership of `pointer`, freed by `destroy`.
    init(_ pointer: UnsafeMutablePointer<Pointee>, destroy: @escaping (UnsafeMutablePointer<Pointee>) -> Void) {
        self.pointer = pointer
        self.destroy = destroy
    }

    deinit { destroy(pointer) }
}

final class PrimitiveTable<Key: Hashable & Sendable, Entry: AnyObject & Sendable>: Sendable {
    /// The most keys kept at once.
    static var capacity: Int { 256 }

    private let entries = Mutex<[Key: Entry?]>([:])

    /// The entry of `key`, made by `create` on its first request with oneDNN's threads set to `threads`.
    func entry(_ key: Key, threads: Int, create: () -> Entry?) -> Entry? {
        entries.withLock { table in
            if let found = table[key] { return found }
            if table.count >= Self.capacity { table.removeAll() }
            _ = Backend.configured
            descent_omp_set_num_threads(Int32(threads))
            let created = create()
            table[key] = created
            return created
        }
    }
}
#endif
