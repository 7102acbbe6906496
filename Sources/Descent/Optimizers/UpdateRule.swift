/// The part that makes one optimizer differ from another: its hyperparameters and its per-element update.
///
/// A rule is a value holding the hyperparameters of one parameter group (so `lr`, `weightDecay`, ...) together
/// with two static functions: ``constants(_:step:newBuffers:scalars:)``, run once per parameter and step to
/// compute the step's scalar coefficients (bias corrections and the like, in `Double` as PyTorch computes them
/// in Python), and ``update(_:_:_:_:_:)``, the fused pass over the elements of one parameter that applies
/// weight decay, updates the moment buffers and moves the parameter. ``RuleOptimizer`` does everything else:
/// groups, per-parameter state, skipping parameters without a gradient, threading and saving state.
///
/// The update runs on raw pointers, once per chunk of elements, possibly on several threads at once for
/// disjoint ranges; it must only read and write index `i` of each buffer for `i` in the range.
public protocol UpdateRule: Codable, Sendable, Equatable {
    /// Per-parameter, per-step coefficients computed before the element pass.
    associatedtype Constants

    /// Learning rate of the group.
    var lr: Double { get set }
    /// Weight-decay coefficient of the group (coupled L2 added to the gradient, or decoupled where the rule says so).
    var weightDecay: Double { get set }

    /// Name of the optimizer, as in `torch.optim` (recorded in saved state).
    static var name: String { get }
    /// Names of the per-element state buffers (PyTorch's state keys, such as `exp_avg`); at most four.
    static var bufferNames: [String] { get }
    /// Names of the per-parameter scalar state values (such as NAdam's `mu_product`); empty by default.
    static var scalarNames: [String] { get }
    /// The momentum-like coefficient that ``ParameterGroup/momentum`` overrides: SGD's and RMSprop's momentum,
    /// β₁ for the Adam family; `nil` when the optimizer has none.
    static var momentumKeyPath: WritableKeyPath<Self, Double>? { get }
    /// Work per element, in units of one simple loop body (used to size parallel chunks).
    static var costPerElement: Int { get }

    /// Whether buffer `slot` is needed under these hyperparameters (it is allocated the first time it is).
    func usesBuffer(_ slot: Int) -> Bool
    /// The value a buffer starts with when it is allocated (0 unless the optimizer says otherwise).
    func initialValue(ofBuffer slot: Int) -> Float
    /// The scalar state of a parameter before its first step.
    func initialScalars() -> [Double]

    /// Computes the coefficients of one parameter's update: `step` counts this parameter's updates including
    /// this one (1 on its first), `newBuffers` lists the buffers allocated just now, and `scalars` is the
    /// parameter's scalar state, which the rule may advance.
    func constants(step: Int, newBuffers: BufferSet, scalars: inout [Double]) -> Constants

    /// The fused element pass over `range`: reads the gradient, updates the state buffers and the parameter.
    static func update(
        _ range: Range<Int>, _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
        _ buffers: StateBuffers, _ constants: Constants)

    /// Whether the rule moves the parameters *before* the gradient is computed (the look-ahead form of
    /// Nesterov momentum); such a rule must be stepped with ``Optimizer/step(computingGradients:)``.
    static var movesBeforeGradient: Bool { get }
    /// The pass before the gradient: moves the parameter to the point where the gradient is to be taken.
    func moveBeforeGradient(_ range: Range<Int>, _ parameter: UnsafeMutablePointer<Float>, _ buffers: StateBuffers)
    /// Undoes ``moveBeforeGradient(_:_:_:)`` for a parameter that then received no gradient.
    func undoMoveBeforeGradient(_ range: Range<Int>, _ parameter: UnsafeMutablePointer<Float>, _ buffers: StateBuffers)
}

extension UpdateRule {
    /// No scalar state.
    public static var scalarNames: [String] { [] }
    /// No momentum-like coefficient.
    public static var momentumKeyPath: WritableKeyPath<Self, Double>? { nil }
    /// A few flops per element.
    public static var costPerElement: Int { 8 }
    /// Buffers start at zero.
    public func initialValue(ofBuffer slot: Int) -> Float { 0 }
    /// No scalar state.
    public func initialScalars() -> [Double] { [] }
    /// The gradient is taken where the parameters are.
    public static var movesBeforeGradient: Bool { false }
    /// Nothing to do.
    public func moveBeforeGradient(
        _ range: Range<Int>, _ parameter: UnsafeMutablePointer<Float>, _ buffers: StateBuffers
    ) {}
    /// Nothing to do.
    public func undoMoveBeforeGradient(
        _ range: Range<Int>, _ parameter: UnsafeMutablePointer<Float>, _ buffers: StateBuffers
    ) {}
}

/// A small set of state-buffer slots (0 to 3), such as the buffers allocated during this step.
public struct BufferSet: Sendable, Equatable {
    /// Bit `i` is set when slot `i` is in the set.
    public var bits: UInt8
    /// The set with the given bits.
    public init(bits: UInt8 = 0) { self.bits = bits }
    /// Whether slot `slot` is in the set.
    @inlinable public func contains(_ slot: Int) -> Bool { bits & (1 << UInt8(slot)) != 0 }
    /// Adds `slot`.
    @inlinable public mutating func insert(_ slot: Int) { bits |= 1 << UInt8(slot) }
}

/// The state buffers of one parameter (as many elements as the parameter), by slot; a slot the rule does not
/// use under its current hyperparameters is `nil`.
public struct StateBuffers {
    @usableFromInline let b0, b1, b2, b3: UnsafeMutablePointer<Float>?

    /// The buffers in slots 0 to 3.
    public init(
        _ b0: UnsafeMutablePointer<Float>?, _ b1: UnsafeMutablePointer<Float>?,
        _ b2: UnsafeMutablePointer<Float>?, _ b3: UnsafeMutablePointer<Float>?
    ) {
        (self.b0, self.b1, self.b2, self.b3) = (b0, b1, b2, b3)
    }

    /// The buffer in `slot`, which must be allocated (fetch it once, before the element loop).
    @inlinable public subscript(_ slot: Int) -> UnsafeMutablePointer<Float> {
        let b: UnsafeMutablePointer<Float>?
        switch slot {
        case 0: b = b0
        case 1: b = b1
        case 2: b = b2
        default: b = b3
        }
        guard let b else { preconditionFailure("optimizer state buffer \(slot) is not allocated") }
        return b
    }
}

/// PyTorch's `lerp` for a weight `w`: `m + w·(x − m)` when `w < 0.5`, else `x − (x − m)·(1 − w)`.
@inline(__always) @usableFromInline
func torchLerp(_ m: Float, _ x: Float, _ w: Float) -> Float { w < 0.5 ? m + w * (x - m) : x - (x - m) * (1 - w) }
