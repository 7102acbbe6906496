import Foundation

/// An n-dimensional array of `Float`, row-major, with value semantics and optional gradient tracking.
///
/// Copies share storage until one of them is written (copy-on-write), so tensors are cheap to pass
/// around and safe to send between threads. A tensor with ``requiresGrad`` set records the operations
/// applied to it, and ``backward(_:retainGraph:)`` computes gradients in reverse mode, as in PyTorch.
///
/// A leaf tensor that requires a gradient (a parameter) has an identity: its copies refer to the same
/// parameter and the same ``grad``, like a `torch.nn.Parameter` held in two places. Optimizers update
/// parameters in place through that shared identity; take ``clone()`` for a snapshot.
public struct Tensor: Sendable {
    /// The size of each dimension; `[]` for a scalar.
    public internal(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    @usableFromInline var node: GradNode?

    @usableFromInline
    init(shape: [Int], storage: TensorStorage, node: GradNode? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// An uninitialised tensor of the given shape (for kernels that write every element).
    @usableFromInline
    init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: Shape.count(shape)))
    }

    /// A tensor holding `values` with the given shape (`shape` defaults to `[values.count]`).
    public init(_ values: [Float], shape: [Int]? = nil) {
        let shape = shape ?? [values.count]
        precondition(
            Shape.count(shape) == values.count,
            "Tensor(_:shape:): \(values.count) values do not fill shape \(shape)")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor(_:shape:): negative dimension in \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { storage.pointer.initialize(from: $0.baseAddress!, count: values.count) }
    }

    /// A tensor from nested rows (a matrix), shape `[rows.count, rows[0].count]`.
    public init(rows: [[Float]]) {
        let cols = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == cols }, "Tensor(rows:): rows have different lengths")
        self.init(rows.flatMap { $0 }, shape: [rows.count, cols])
    }

    /// A scalar tensor (shape `[]`).
    public init(_ value: Float) {
        self.init(shape: [], storage: TensorStorage(count: 1, repeating: value))
    }

    /// Number of elements.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The value of a one-element tensor (PyTorch's `item()`).
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.pointer[0]
    }

    /// Reads or writes one element by its full index.
    public subscript(index indices: Int...) -> Float {
        get { storage.pointer[flatIndex(indices)] }
        set {
            let i = flatIndex(indices)
            makeUnique()
            storage.pointer[i] = newValue
        }
    }

    func flatIndex(_ indices: [Int]) -> Int {
        precondition(
            indices.count == rank, "index \(indices) has \(indices.count) components for a tensor of shape \(shape)")
        var flat = 0
        for (i, idx) in indices.enumerated() {
            let j = idx < 0 ? idx + shape[i] : idx
            precondition(j >= 0 && j < shape[i], "index \(indices) out of range for shape \(shape)")
            flat = flat * shape[i] + j
        }
        return flat
    }

    /// Ensures this tensor's storage is not shared, copying it if it is (copy-on-write).
    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Calls `body` with read access to the elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Calls `body` with write access to the elements, copying shared storage first.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// A copy with its own storage and no gradient history.
    public func clone() -> Tensor { Tensor(shape: shape, storage: storage.copy()) }

    /// Whether the two tensors have the same shape and exactly the same elements.
    public func isBitwiseEqual(_ other: Tensor) -> Bool {
        shape == other.shape && memcmp(storage.pointer, other.storage.pointer, count * 4) == 0
    }
}

extension Tensor: CustomStringConvertible {
    /// A short human-readable form: shape and (up to 16) leading elements.
    public var description: String {
        let shown = scalars.prefix(16).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 16 ? ", …" : "")]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}

extension Tensor {
    /// Calls `body` with write access to this tensor's storage *without* copy-on-write, so that every copy
    /// sharing the storage sees the change. This is how optimizers update parameters and how state dicts
    /// load into a model (PyTorch's in-place `param.data` updates); ordinary code should use value semantics.
    public func withSharedStorage<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Copies `source` (same number of elements) into this tensor's shared storage; see ``withSharedStorage(_:)``.
    public func assignInPlace(_ source: Tensor) {
        precondition(
            source.count == count, "assignInPlace: \(source.shape) has \(source.count) elements, \(shape) has \(count)")
        storage.pointer.update(from: source.storage.pointer, count: count)
    }
}

extension Tensor: Equatable {
    /// Tensors are equal when their shapes and elements are bitwise equal (gradient state is ignored).
    public static func == (a: Tensor, b: Tensor) -> Bool { a.isBitwiseEqual(b) }
}
