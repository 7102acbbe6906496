/// A set of parameters that share hyperparameters inside one optimizer (PyTorch's `param_groups` entry).
///
/// Fields left `nil` take the optimizer's value. Build groups by hand, or from a module's named parameters with
/// ``byName(_:_:)`` (glob patterns) or ``separatingWeightDecay(_:noDecay:oneDimensional:)``:
/// ```swift
/// let groups = ParameterGroup.separatingWeightDecay(model.namedParameters())   // no decay on biases and norms
/// let optimizer = SGD(groups, lr: 0.1, momentum: 0.9, weightDecay: 5e-4)
/// ```
public struct ParameterGroup: Sendable {
    /// The parameters (leaf tensors that require a gradient).
    public var parameters: [Tensor]
    /// A name per parameter (for saved state and messages).
    public var names: [String]
    /// The group's learning rate, or `nil` for the optimizer's.
    public var lr: Double?
    /// The group's weight decay, or `nil` for the optimizer's.
    public var weightDecay: Double?
    /// The group's momentum-like coefficient (momentum; β₁ for the Adam family), or `nil` for the optimizer's.
    /// An optimizer without one (Adagrad) rejects a group that sets it.
    public var momentum: Double?

    /// A group of `parameters` (named `"0"`, `"1"`, ... unless `names` is given).
    public init(
        _ parameters: [Tensor], names: [String]? = nil, lr: Double? = nil, weightDecay: Double? = nil,
        momentum: Double? = nil
    ) {
        precondition(
            names == nil || names!.count == parameters.count,
            "ParameterGroup: \(names!.count) names for \(parameters.count) parameters")
        self.parameters = parameters
        self.names = names ?? parameters.indices.map { String($0) }
        self.lr = lr
        self.weightDecay = weightDecay
        self.momentum = momentum
    }

    /// A group of named parameters (as a module's `namedParameters()` lists them).
    public init(
        named: [(name: String, tensor: Tensor)], lr: Double? = nil, weightDecay: Double? = nil,
        momentum: Double? = nil
    ) {
        self.init(
            named.map { $0.tensor }, names: named.map { $0.name }, lr: lr, weightDecay: weightDecay,
            momentum: momentum)
    }
}

extension ParameterGroup {
    /// Hyperparameters for the parameters whose names match any of `patterns` (see ``ParameterGroup/byName(_:_:)``).
    public struct Selector: Sendable {
        /// Glob patterns matched against the whole name: `*` any run of characters (dots included), `?` one (ASCII) character.
        public var patterns: [String]
        /// Also select every parameter with at most one dimension (biases, normalisation scales and shifts).
        public var oneDimensional: Bool
        /// Learning rate of the selected parameters, or `nil` for the optimizer's.
        public var lr: Double?
        /// Weight decay of the selected parameters, or `nil` for the optimizer's.
        public var weightDecay: Double?
        /// Momentum-like coefficient of the selected parameters, or `nil` for the optimizer's.
        public var momentum: Double?

        /// Selects names matching `patterns` (and 1-D parameters if `oneDimensional`) with these hyperparameters.
        public init(
            _ patterns: [String], oneDimensional: Bool = false, lr: Double? = nil, weightDecay: Double? = nil,
            momentum: Double? = nil
        ) {
            self.patterns = patterns
            self.oneDimensional = oneDimensional
            self.lr = lr
            self.weightDecay = weightDecay
            self.momentum = momentum
        }

        /// Whether the parameter `name` with `tensor` is selected.
        public func matches(_ name: String, _ tensor: Tensor) -> Bool {
            (oneDimensional && tensor.rank <= 1) || patterns.contains { globMatch($0, name) }
        }
    }

    /// Splits named parameters into groups: each parameter goes to the first selector that matches it, the
    /// rest to a leading group with the optimizer's hyperparameters. Empty groups are left out; the order of
    /// parameters inside a group is their order in `named`.
    public static func byName(_ named: [(name: String, tensor: Tensor)], _ selectors: [Selector]) -> [ParameterGroup] {
        var buckets = Array(repeating: [(name: String, tensor: Tensor)](), count: selectors.count + 1)
        for item in named {
            let k = selectors.firstIndex { $0.matches(item.name, item.tensor) }.map { $0 + 1 } ?? 0
            buckets[k].append(item)
        }
        var groups: [ParameterGroup] = []
        for (k, bucket) in buckets.enumerated() where !bucket.isEmpty {
            if k == 0 {
                groups.append(ParameterGroup(named: bucket))
            } else {
                let s = selectors[k - 1]
                groups.append(ParameterGroup(named: bucket, lr: s.lr, weightDecay: s.weightDecay, momentum: s.momentum))
            }
        }
        return groups
    }

    /// Name patterns of parameters that conventionally get no weight decay: biases and normalisation layers.
    public static let defaultNoDecayPatterns = ["*.bias", "bias", "bn*", "*.bn*", "*norm*", "*Norm*"]

    /// Two groups: parameters with the optimizer's weight decay, then those without (weight decay 0): names
    /// matching `noDecay` and, if `oneDimensional`, every tensor with at most one dimension (this catches
    /// BatchNorm and LayerNorm parameters whatever their names). Empty groups are left out.
    public static func separatingWeightDecay(
        _ named: [(name: String, tensor: Tensor)],
        noDecay: [String] = defaultNoDecayPatterns,
        oneDimensional: Bool = true
    ) -> [ParameterGroup] {
        byName(named, [Selector(noDecay, oneDimensional: oneDimensional, weightDecay: 0)])
    }
}

/// Whether `name` matches the glob `pattern` as a whole: `*` matches any run of characters, `?` one character.
public func globMatch(_ pattern: String, _ name: String) -> Bool {
    let p = Array(pattern.utf8), s = Array(name.utf8)
    var i = 0, j = 0, star = -1, mark = 0
    while j < s.count {
        if i < p.count && (p[i] == UInt8(ascii: "?") || p[i] == s[j]) {
            i += 1; j += 1
        } else if i < p.count && p[i] == UInt8(ascii: "*") {
            star = i; mark = j; i += 1
        } else if star >= 0 {
            i = star + 1; mark += 1; j = mark
        } else {
            return false
        }
    }
    while i < p.count && p[i] == UInt8(ascii: "*") { i += 1 }
    return i == p.count
}
