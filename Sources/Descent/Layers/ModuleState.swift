/// The storage type a state-dict entry has in a checkpoint: parameters and most buffers are `float32`;
/// counters such as BatchNorm's `num_batches_tracked` are integers (`int64`, safetensors' `I64`) in PyTorch.
///
/// Descent keeps every tensor as `Float`; the tag tells a writer which type to emit (an integer buffer
/// holds whole numbers, exact up to 2²⁴).
public enum StateDType: String, Sendable, Equatable {
    /// 32-bit floating point (safetensors `F32`).
    case float32
    /// 64-bit signed integer (safetensors `I64`).
    case int64
}

/// One named tensor of a module's state: a parameter or a buffer, under its PyTorch key.
public struct StateEntry: Sendable {
    /// The PyTorch state-dict key, such as `features.3.bias` or `1.running_mean`.
    public let key: String
    /// The tensor (shares storage with the module's own; see ``Module/stateEntries()``).
    public let tensor: Tensor
    /// The element type it has in a checkpoint.
    public let dtype: StateDType
    /// Whether it is a trainable parameter (`true`) or a buffer (`false`).
    public let isParameter: Bool
}

/// A value a ``Parameter`` or ``Buffer`` can wrap: a `Tensor`, or an optional one (an absent bias).
public protocol ModuleStateValue {
    /// The tensor, if present.
    var stateTensor: Tensor? { get }
    /// The same value made into a parameter: a leaf tensor that requires a gradient.
    func asParameter() -> Self
}

extension Tensor: ModuleStateValue {
    /// The tensor itself.
    public var stateTensor: Tensor? { self }
    /// `self` if it already is a leaf requiring a gradient, else a detached leaf that requires one.
    public func asParameter() -> Tensor { requiresGrad && isLeaf ? self : detach().requiringGrad() }
}

extension Optional: ModuleStateValue where Wrapped == Tensor {
    /// The wrapped tensor, or `nil`.
    public var stateTensor: Tensor? { self }
    /// The wrapped tensor made into a parameter, or `nil`.
    public func asParameter() -> Tensor? { self.map { $0.asParameter() } }
}

/// Marks a stored property of a ``Module`` as a trainable parameter (PyTorch's `nn.Parameter`).
///
/// Parameters are found by reflection in declaration order, named after the property in snake case
/// (`weight`, `bias`; `inProj` → `in_proj`). The value given at initialisation becomes a leaf tensor that
/// requires a gradient; values assigned later are stored as given, so `p.requiresGrad = false` freezes one.
/// To change a parameter's values while optimizers hold it, write into it (``Tensor/assignInPlace(_:)``,
/// ``Module/load(stateDict:strict:)``) rather than assigning a new tensor.
@propertyWrapper
public struct Parameter<Value: ModuleStateValue> {
    /// The parameter tensor (or `nil` for an absent optional parameter).
    public var wrappedValue: Value

    /// Wraps `wrappedValue`, made into a leaf that requires a gradient.
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue.asParameter() }
}

/// Marks a stored property of a ``Module`` as a buffer: state that is saved and loaded with the module but not
/// trained (PyTorch's `register_buffer`), such as BatchNorm's running statistics.
///
/// Buffers are found by reflection in declaration order and named like parameters. An integer buffer is
/// declared with its type and an initial value: `@Buffer(dtype: .int64) var numBatchesTracked: Tensor? = nil`.
@propertyWrapper
public struct Buffer<Value: ModuleStateValue> {
    /// The buffer tensor (or `nil` when absent).
    public var wrappedValue: Value
    /// The element type the buffer has in a checkpoint.
    public let dtype: StateDType

    /// Wraps `wrappedValue`, stored with element type `dtype` in checkpoints.
    public init(wrappedValue: Value, dtype: StateDType = .float32) {
        self.wrappedValue = wrappedValue
        self.dtype = dtype
    }
}

/// Parameters named at run time rather than after a property: a stored property of this type in a ``Module``
/// contributes its entries, in order, under their own keys (a recurrent layer's `weight_ih_l0`, …,
/// `bias_hh_l1_reverse`). Each tensor is made a leaf that requires a gradient, as with ``Parameter``.
public struct ParameterList {
    /// The parameters with their state-dict keys, in registration order.
    public let entries: [(key: String, tensor: Tensor)]

    /// The given parameters, each made a leaf that requires a gradient.
    public init(_ entries: [(String, Tensor)]) { self.entries = entries.map { ($0.0, $0.1.asParameter()) } }

    /// The parameter at position `index` (registration order).
    public subscript(index: Int) -> Tensor { entries[index].tensor }
}

/// What reflection looks for in a module's stored properties.
protocol ParameterSlot {
    var slotTensor: Tensor? { get }
}

protocol BufferSlot {
    var slotTensor: Tensor? { get }
    var dtype: StateDType { get }
}

extension Parameter: ParameterSlot {
    var slotTensor: Tensor? { wrappedValue.stateTensor }
}

extension Buffer: BufferSlot {
    var slotTensor: Tensor? { wrappedValue.stateTensor }
}

/// The tensors and child modules that reflection finds in one module (not recursive).
struct LocalState {
    var parameters: [(String, Tensor)] = []
    var buffers: [(String, Tensor, StateDType)] = []
    var children: [(String, Module)] = []

    /// Reads the stored properties of `module`, base class first, in declaration order.
    init(of module: Module) {
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: module)
        while let current = m {
            mirrors.append(current)
            m = current.superclassMirror
        }
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label else { continue }
                if let list = child.value as? ParameterList {
                    parameters += list.entries.map { ($0.key, $0.tensor) }
                } else if let p = child.value as? ParameterSlot {
                    if let t = p.slotTensor { parameters.append((LocalState.key(label), t)) }
                } else if let b = child.value as? BufferSlot {
                    if let t = b.slotTensor { buffers.append((LocalState.key(label), t, b.dtype)) }
                } else if let sub = child.value as? Module {
                    children.append((LocalState.key(label), sub))
                } else if let list = child.value as? [Module] {
                    let name = LocalState.key(label)
                    for (i, sub) in list.enumerated() { children.append(("\(name).\(i)", sub)) }
                }
            }
        }
    }

    /// The PyTorch name of a Swift property: wrapper underscore dropped, camelCase → snake_case
    /// (`_runningMean` → `running_mean`, `conv1` → `conv1`, `weightHH` → `weight_hh`).
    static func key(_ label: String) -> String {
        let chars = Array(label.hasPrefix("_") ? String(label.dropFirst()) : label)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase && i > 0 {
                let prev = chars[i - 1]
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                if prev.isLowercase || prev.isNumber || (prev.isUppercase && nextIsLower) { out.append("_") }
            }
            out.append(contentsOf: c.lowercased())
        }
        return out
    }
}

extension Parameter: Sendable where Value: Sendable {}
extension Buffer: Sendable where Value: Sendable {}
