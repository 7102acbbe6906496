/// One recorded operation of the autodiff tape, or a leaf (a tensor created with `requiresGrad`).
///
/// A non-leaf node holds its inputs' nodes and a closure that maps the gradient of its output to the
/// gradients of its inputs; both are released after ``Tensor/backward(_:retainGraph:)`` so that the
/// graph's memory is freed. A leaf accumulates the gradients that reach it in ``grad``.
public final class GradNode: @unchecked Sendable {
    /// Which inputs of an operation need a gradient (bit `i` for input `i`).
    public struct Needs: Sendable {
        @usableFromInline let bits: UInt32
        /// Whether input `i` needs a gradient.
        @inlinable public subscript(_ i: Int) -> Bool { bits & (1 << UInt32(i)) != 0 }
    }

    /// The backward function: output gradient and the inputs that need one → one gradient per input.
    public typealias Backward = (Tensor, Needs) -> [Tensor?]

    /// Name of the operation, for error messages.
    public let op: String
    /// Whether this is a leaf (a parameter or user tensor), which accumulates `grad`.
    public let isLeaf: Bool
    var inputs: [GradNode?]
    var backwardFn: Backward?
    var needs: Needs
    /// The accumulated gradient of a leaf.
    var grad: Tensor?
    /// The gradient arriving during one backward pass.
    var pending: Tensor?
    /// Shape of the tensor this node produced (checked against incoming gradients).
    let shape: [Int]

    init(leafWithShape shape: [Int]) {
        op = "leaf"
        isLeaf = true
        inputs = []
        needs = Needs(bits: 0)
        self.shape = shape
    }

    init(op: String, shape: [Int], inputs: [GradNode?], backward: @escaping Backward) {
        self.op = op
        isLeaf = false
        self.inputs = inputs
        var bits: UInt32 = 0
        for (i, n) in inputs.enumerated() where n != nil { bits |= 1 << UInt32(i) }
        needs = Needs(bits: bits)
        backwardFn = backward
        self.shape = shape
    }
}

/// Whether operations are recorded for autodiff; off inside ``withNoGrad(_:)``.
public enum GradMode {
    /// `true` unless the current task or thread is inside a no-grad scope.
    @TaskLocal public static var isEnabled: Bool = true
}

/// Observes ``Tensor/backward(_:retainGraph:)`` (PyTorch's post-accumulate-grad hooks, used by data-parallel
/// training to start reducing a bucket of gradients while backward goes on): inside
/// `GradientReadyHook.$current.withValue(hook) { … }`, every backward pass calls `leafReady` with a leaf's
/// ``Tensor/gradientIdentity`` as soon as that leaf's gradient of the pass is final (all of its uses are done).
public final class GradientReadyHook: @unchecked Sendable {
    /// Called on the thread running backward, once per leaf that received a gradient, in backward order.
    public let leafReady: (ObjectIdentifier) -> Void

    /// A hook calling `leafReady`.
    public init(_ leafReady: @escaping (ObjectIdentifier) -> Void) { self.leafReady = leafReady }

    /// The hook of the current task or thread (none by default).
    @TaskLocal public static var current: GradientReadyHook?
}

/// Runs `body` without recording operations for autodiff (PyTorch's `torch.no_grad()`).
@inlinable
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

extension Tensor {
    /// The identity of this tensor's gradient node (shared by its copies), as ``GradientReadyHook`` reports it;
    /// `nil` when it does not require a gradient.
    public var gradientIdentity: ObjectIdentifier? { node.map(ObjectIdentifier.init) }

    /// Whether this tensor takes part in gradient computation. Setting it on a tensor makes it a leaf
    /// whose ``grad`` accumulates; clearing it drops the gradient history.
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                if node == nil { node = GradNode(leafWithShape: shape) }
            } else {
                node = nil
            }
        }
    }

    /// Returns this tensor as a new leaf that requires a gradient (PyTorch's `requires_grad_()`).
    public func requiringGrad() -> Tensor {
        Tensor(shape: shape, storage: storage, node: GradNode(leafWithShape: shape))
    }

    /// Whether this tensor is a leaf of the graph (no recorded operation produced it).
    public var isLeaf: Bool { node?.isLeaf ?? true }

    /// The gradient accumulated by backward passes, for a leaf that requires one.
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set {
            precondition(node != nil, "grad: the tensor does not require a gradient")
            if let g = newValue {
                precondition(g.shape == shape, "grad: gradient of shape \(g.shape) for a tensor of shape \(shape)")
            }
            node!.grad = newValue
        }
    }

    /// Clears the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { node?.grad = nil }

    /// The same values without gradient history (shares storage).
    public func detach() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Wraps the result of an operation: when gradients are enabled and any input requires one, records
    /// a node whose `backward` maps the output gradient to input gradients.
    static func record(_ op: String, _ result: Tensor, _ inputs: [Tensor], backward: @escaping GradNode.Backward)
        -> Tensor
    {
        var any = false
        for t in inputs where t.node != nil { any = true; break }
        if !any || !GradMode.isEnabled { return result }
        var r = result
        r.node = GradNode(op: op, shape: result.shape, inputs: inputs.map { $0.node }, backward: backward)
        return r
    }

    /// Single-input form of ``record(_:_:_:backward:)``.
    static func record(_ op: String, _ result: Tensor, _ input: Tensor, backward: @escaping (Tensor) -> Tensor)
        -> Tensor
    {
        if input.node == nil || !GradMode.isEnabled { return result }
        var r = result
        r.node = GradNode(op: op, shape: result.shape, inputs: [input.node]) { g, _ in [backward(g)] }
        return r
    }

    /// Computes the gradient of this tensor with respect to every leaf that requires one, adding it to
    /// their ``grad`` (reverse-mode autodiff).
    ///
    /// - Parameters:
    ///   - gradient: the upstream gradient ∂L/∂self; may be omitted for a one-element tensor (then 1).
    ///   - retainGraph: keep the recorded graph so that backward can run through it again.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        guard let root = node else {
            preconditionFailure("backward: the tensor does not require a gradient and has no grad_fn")
        }
        let seed: Tensor
        if let gradient {
            precondition(
                gradient.shape == shape, "backward: gradient of shape \(gradient.shape) for a tensor of shape \(shape)")
            seed = gradient
        } else {
            precondition(
                count == 1, "backward: a gradient can be implied only for a one-element output, not shape \(shape)")
            seed = Tensor.ones(shape)
        }
        // Topological order by iterative depth-first search (post-order).
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (n, i) = stack.popLast() {
            if i < n.inputs.count {
                stack.append((n, i + 1))
                if let child = n.inputs[i], visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(n)
            }
        }
        root.pending = seed
        let hook = GradientReadyHook.current
        withNoGrad {
            for n in order.reversed() {
                guard let g = n.pending else { continue }
                n.pending = nil
                if n.isLeaf {
                    if var existing = n.grad {
                        n.grad = nil
                        existing.addInPlace(g)
                        n.grad = existing
                    } else {
                        n.grad = g
                    }
                    hook?.leafReady(ObjectIdentifier(n))  // every use of the leaf comes before it in this order
                    continue
                }
                guard let fn = n.backwardFn else {
                    preconditionFailure(
                        "backward: the graph through '\(n.op)' was already freed; pass retainGraph: true to the first backward"
                    )
                }
                let grads = fn(g, n.needs)
                for (i, input) in n.inputs.enumerated() {
                    guard let input, i < grads.count, let gi = grads[i] else { continue }
                    precondition(
                        gi.shape == input.shape,
                        "backward of '\(n.op)': gradient of shape \(gi.shape) for input \(i) of shape \(input.shape)")
                    if var p = input.pending {
                        input.pending = nil
                        p.addInPlace(gi)
                        input.pending = p
                    } else {
                        input.pending = gi
                    }
                }
                if !retainGraph {
                    n.backwardFn = nil
                    n.inputs = []
                }
            }
        }
    }
}
