/// A layer or a model: owns named parameters, buffers and child modules, and maps a tensor to a tensor
/// (PyTorch's `nn.Module`).
///
/// Subclasses declare their state as stored properties and override ``callAsFunction(_:)``:
/// ```swift
/// final class Affine: Module {
///     @Parameter var weight: Tensor        // key "weight"
///     @Buffer var runningMean: Tensor      // key "running_mean"
///     let head = Linear(4, 2)              // child "head": keys "head.weight", "head.bias"
///     ...
/// }
/// ```
/// Parameters (``Parameter``), buffers (``Buffer``) and child modules (stored properties of a `Module` type,
/// optional or not, and arrays of modules, named `name.0`, `name.1`, …) are discovered by reflection, base
/// class first and in declaration order, so the state dict has PyTorch's names and order for a class whose
/// properties are declared in the order PyTorch registers them. Containers that name their children
/// differently override ``namedChildren()`` (``Sequential`` names them `0`, `1`, …).
///
/// Modules are classes: a BatchNorm layer updates its running statistics during the forward pass, and every
/// holder of a model sees the same parameters. A module is not synchronised (and not `Sendable`): use it from
/// one task at a time.
open class Module: CustomStringConvertible {
    /// Whether the module is in training mode (the default): Dropout drops and BatchNorm uses batch statistics.
    public private(set) var isTraining: Bool = true

    /// Creates a module in training mode.
    public init() {}

    /// The forward pass. Subclasses override it; the base class has no computation of its own.
    open func callAsFunction(_ x: Tensor) -> Tensor {
        preconditionFailure("\(typeName) does not override callAsFunction(_:)")
    }

    /// The shape of `callAsFunction(x)` for an input `x` of shape `inputShape`, or a ``DescentError`` of kind
    /// `.shape` that names the layer and both shapes when the input does not fit.
    ///
    /// Built-in layers compute it from their configuration without running; containers such as ``Sequential``
    /// walk their children and prefix the failing child's name (`3 (Linear)`, `features.3 (Conv2d)`). The
    /// default implementation runs the module once on zeros, in eval mode and without gradients.
    open func outputShape(for inputShape: [Int]) throws -> [Int] {
        let modes = namedModules().map { ($0.1, $0.1.isTraining) }
        for (m, _) in modes { m.isTraining = false }
        defer { for (m, mode) in modes { m.isTraining = mode } }
        return withNoGrad { self(Tensor.zeros(inputShape)).shape }
    }

    /// The direct children with their names; by default the stored module properties, found by reflection.
    open func namedChildren() -> [(String, Module)] { LocalState(of: self).children }

    /// A one-line description of the configuration, shown inside the parentheses of ``description``
    /// (PyTorch's `extra_repr`), such as `in_features=4, out_features=2, bias=True`.
    open var extraDescription: String { "" }

    /// The name of the module's type, for messages.
    public var typeName: String { String(describing: type(of: self)) }

    /// PyTorch-style tree: `Sequential(\n  (0): Linear(in_features=4, …)\n  …\n)`.
    public var description: String {
        let children = namedChildren()
        if children.isEmpty { return "\(typeName)(\(extraDescription))" }
        var lines = ["\(typeName)(\(extraDescription)"]
        for (name, child) in children {
            let sub = child.description.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("  (\(name)): " + sub[0])
            for line in sub.dropFirst() { lines.append("  " + line) }
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }

    // MARK: Modes

    /// Sets training mode (`true`) or eval mode (`false`) on this module and every descendant.
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        for (_, m) in namedModules() { m.isTraining = mode }
        return self
    }

    /// Sets eval mode on this module and every descendant (Dropout is the identity, BatchNorm uses running
    /// statistics); the same as `train(false)`.
    @discardableResult
    public func eval() -> Self { train(false) }

    // MARK: Traversal

    /// This module (named `""`) and all its descendants, depth first, with dotted names; a module reachable
    /// twice is listed once.
    public func namedModules() -> [(String, Module)] {
        var out: [(String, Module)] = []
        var seen = Set<ObjectIdentifier>()
        func visit(_ prefix: String, _ m: Module) {
            guard seen.insert(ObjectIdentifier(m)).inserted else { return }
            out.append((prefix, m))
            for (name, child) in m.namedChildren() { visit(prefix.isEmpty ? name : "\(prefix).\(name)", child) }
        }
        visit("", self)
        return out
    }

    /// All parameters with their state-dict keys, in registration order; a parameter shared by two layers is
    /// listed once (under its first name).
    public func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Tensor)] = []
        visitState { key, t, _, isParameter in
            if isParameter && seen.insert(ObjectIdentifier(t.storage)).inserted { out.append((key, t)) }
        }
        return out
    }

    /// All parameters, in registration order, each once: what an optimizer updates. The tensors are the
    /// parameters themselves (same storage and gradient), not copies.
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// All buffers (running statistics, counters) with their state-dict keys, in registration order.
    public func namedBuffers() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        visitState { key, t, _, isParameter in if !isParameter { out.append((key, t)) } }
        return out
    }

    /// The number of parameter elements (each shared parameter counted once).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Clears the gradient of every parameter (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    // MARK: State dict

    /// Every parameter and buffer with its PyTorch key, dtype tag and kind, in PyTorch's order (each module's
    /// parameters, then its buffers, then its children's entries). The tensors share storage with the module
    /// (like PyTorch's `state_dict()`): they change when the model trains; this is what a checkpoint writer
    /// reads.
    public func stateEntries() -> [StateEntry] {
        var out: [StateEntry] = []
        visitState { key, t, dtype, isParameter in
            out.append(StateEntry(key: key, tensor: t.detach(), dtype: dtype, isParameter: isParameter))
        }
        return out
    }

    /// Calls `body(key, tensor, dtype, isParameter)` for every parameter and buffer in state-dict order, with the
    /// tensors themselves (a parameter keeps its gradient identity).
    func visitState(_ body: (String, Tensor, StateDType, Bool) -> Void) {
        func visit(_ prefix: String, _ m: Module) {
            let local = LocalState(of: m)
            for (name, t) in local.parameters { body(prefix + name, t, .float32, true) }
            for (name, t, dtype) in local.buffers { body(prefix + name, t, dtype, false) }
            for (name, child) in m.namedChildren() { visit(prefix + name + ".", child) }
        }
        visit("", self)
    }

    /// A snapshot of every parameter and buffer under its PyTorch key (`0.weight`, `1.running_mean`, …), in
    /// PyTorch's order. The tensors are copies, so later training does not change them.
    public func stateDict() -> [(String, Tensor)] { stateEntries().map { ($0.key, $0.tensor.clone()) } }

    /// The outcome of a non-strict ``load(stateDict:strict:)``: keys the model has that the state dict lacks,
    /// and keys of the state dict that the model does not have.
    public struct LoadReport: Sendable, Equatable {
        /// Keys of the model missing from the state dict (left unchanged).
        public var missingKeys: [String]
        /// Keys of the state dict that the model does not have (ignored).
        public var unexpectedKeys: [String]
    }

    /// Copies the values of `stateDict` into this module's parameters and buffers, in place: tensors held
    /// elsewhere (by an optimizer, by another layer sharing a parameter) see the new values.
    ///
    /// Everything is checked before anything is written. Throws a ``DescentError`` naming the key when a key
    /// appears twice, when (with `strict`) a key of the model is missing or a key is not in the model, and — in
    /// any mode — when a tensor's shape differs from the model's.
    @discardableResult
    public func load(stateDict: [(String, Tensor)], strict: Bool = true) throws -> LoadReport {
        let entries = stateEntries()
        var given: [String: Tensor] = [:]
        for (key, t) in stateDict {
            guard given.updateValue(t, forKey: key) == nil else {
                throw DescentError(.file, key, "appears twice in the state dict")
            }
        }
        let modelKeys = Set(entries.map(\.key))
        let missing = entries.map(\.key).filter { given[$0] == nil }
        let unexpected = stateDict.map(\.0).filter { !modelKeys.contains($0) }
        if strict {
            if let key = missing.first {
                let more =
                    missing.count > 1
                    ? " (and \(missing.count - 1) more: \(missing.dropFirst().prefix(5).joined(separator: ", ")))" : ""
                throw DescentError(.file, key, "missing from the state dict; \(typeName) expects it\(more)")
            }
            if let key = unexpected.first {
                let more =
                    unexpected.count > 1
                    ? " (and \(unexpected.count - 1) more: \(unexpected.dropFirst().prefix(5).joined(separator: ", ")))"
                    : ""
                throw DescentError(
                    .file, key, "unexpected key: \(typeName) has no parameter or buffer of this name\(more)")
            }
        }
        for e in entries {
            guard let t = given[e.key] else { continue }
            guard t.shape == e.tensor.shape else {
                throw DescentError(.shape, e.key, "shape \(t.shape) in the state dict, \(e.tensor.shape) in the model")
            }
        }
        for e in entries {
            guard let t = given[e.key] else { continue }
            e.tensor.assignInPlace(t)
        }
        return LoadReport(missingKeys: missing, unexpectedKeys: unexpected)
    }

    /// ``load(stateDict:strict:)`` for a dictionary of tensors.
    @discardableResult
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws -> LoadReport {
        try load(stateDict: stateDict.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, strict: strict)
    }

    // MARK: Shape validation helpers for subclasses

    /// A `.shape` error located at this module's type: `reason` should give the expected and the actual shape.
    public func shapeError(_ reason: String) -> DescentError { DescentError(.shape, typeName, reason) }

    /// Throws a shape error naming this layer unless `dim` (negative counts from the end) is a dimension of `shape`.
    func checkDimension(_ dim: Int, of shape: [Int]) throws {
        guard dim >= -shape.count && dim < shape.count else {
            throw shapeError("dim \(dim) is out of range for input \(shape)")
        }
    }

    /// Stops with the ``outputShape(for:)`` error when `x` does not fit this module (used by forward passes).
    public func checkInput(_ x: Tensor) {
        do { _ = try outputShape(for: x.shape) } catch { preconditionFailure("\(error)") }
    }

    /// Runs `child.outputShape(for:)` and prefixes a shape error's location with the child's `name`, so that a
    /// nested failure reads `features.3 (Conv2d): expects …`.
    public func childOutputShape(_ name: String, _ child: Module, _ shape: [Int]) throws -> [Int] {
        do {
            return try child.outputShape(for: shape)
        } catch let e as DescentError where e.kind == .shape {
            // A leaf reports its type name; a container has already written "path (Type)".
            let location =
                e.location.hasSuffix(")") && e.location.contains(" (")
                ? "\(name).\(e.location)" : "\(name) (\(e.location))"
            throw DescentError(.shape, location, e.reason)
        }
    }
}
