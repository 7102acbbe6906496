/// The optimizer engine: parameter groups, per-parameter state, and one fused update pass per parameter
/// driven by an ``UpdateRule``. ``SGD``, ``Adam`` and the others are this class with their rule.
///
/// Each step, for every parameter that has a gradient, the engine counts the parameter's step, allocates its
/// state buffers the first time they are needed (never again), asks the rule for the step's coefficients and
/// runs the rule's element pass over the parameter's storage in place, split over threads for large tensors.
/// Nothing is allocated per step after the first. Parameters without a gradient are skipped: neither they nor
/// their state change, as in PyTorch.
public final class RuleOptimizer<Rule: UpdateRule>: Optimizer {
    /// One parameter group: its parameters and its hyperparameters (the rule value).
    public struct Group: Sendable {
        /// The group's parameters.
        public let parameters: [Tensor]
        /// A name per parameter.
        public let names: [String]
        /// The group's hyperparameters; change them freely between steps (`optimizer.groups[0].options.lr = 0.01`).
        public var options: Rule
        /// The group's learning rate when it was created (PyTorch's `initial_lr`, the base of schedules).
        public internal(set) var initialLR: Double
    }

    /// The hyperparameters that groups start from (fields a ``ParameterGroup`` leaves `nil` come from here).
    public let defaults: Rule
    /// The parameter groups. Their hyperparameters may be changed; their parameters may not (use ``addGroup(_:)``).
    public var groups: [Group] {
        didSet {
            precondition(
                groups.count == slots.count && zip(groups, slots).allSatisfy { $0.parameters.count == $1.count },
                "\(Rule.name): the parameters of a group cannot be changed; use addGroup(_:)")
        }
    }
    /// How many times ``step()`` has run.
    public private(set) var stepCount = 0
    /// Per-parameter state, by group and position in the group.
    var slots: [[OptimizerSlot]] = []
    /// Whether the parameters currently sit at the point ``UpdateRule/moveBeforeGradient(_:_:_:)`` moved them to.
    var moved = false

    /// An optimizer over `groups`, each group taking `defaults` for the hyperparameters it leaves `nil`.
    public init(_ groups: [ParameterGroup], defaults: Rule) {
        self.defaults = defaults
        self.groups = []
        precondition(
            !groups.isEmpty && groups.contains { !$0.parameters.isEmpty },
            "\(Rule.name): got an empty parameter list")
        for g in groups { addGroup(g) }
    }

    /// An optimizer over one group of `parameters` with hyperparameters `defaults`.
    public convenience init(_ parameters: [Tensor], defaults: Rule) {
        self.init([ParameterGroup(parameters)], defaults: defaults)
    }

    /// Adds a parameter group (PyTorch's `add_param_group`); fields it leaves `nil` take ``defaults``.
    public func addGroup(_ group: ParameterGroup) {
        var seen = Set(groups.flatMap { $0.parameters }.compactMap { $0.node.map(ObjectIdentifier.init) })
        for (p, name) in zip(group.parameters, group.names) {
            precondition(
                p.requiresGrad && p.isLeaf,
                "\(Rule.name): parameter '\(name)' is not a leaf tensor that requires a gradient")
            precondition(
                seen.insert(ObjectIdentifier(p.node!)).inserted,
                "\(Rule.name): parameter '\(name)' appears in more than one group")
        }
        var options = defaults
        if let lr = group.lr { options.lr = lr }
        if let wd = group.weightDecay { options.weightDecay = wd }
        if let m = group.momentum {
            guard let path = Rule.momentumKeyPath else {
                preconditionFailure("\(Rule.name) has no momentum for parameter group \(groups.count) to override")
            }
            options[keyPath: path] = m
        }
        slots.append(
            group.parameters.map {
                OptimizerSlot(count: $0.count, buffers: Rule.bufferNames.count, scalars: Rule.scalarNames.count)
            })
        groups.append(Group(parameters: group.parameters, names: group.names, options: options, initialLR: options.lr))
    }

    /// Name of the optimizer, as in `torch.optim`.
    public var name: String { Rule.name }

    /// Every parameter, group after group.
    public var parameters: [Tensor] { groups.flatMap { $0.parameters } }

    /// The learning rate of each group.
    public var learningRates: [Double] {
        get { groups.map { $0.options.lr } }
        set {
            precondition(
                newValue.count == groups.count,
                "\(Rule.name): \(newValue.count) learning rates for \(groups.count) groups")
            for i in groups.indices { groups[i].options.lr = newValue[i] }
        }
    }

    /// Each group's learning rate when the group was created.
    public var initialLearningRates: [Double] { groups.map { $0.initialLR } }

    /// Each group's momentum-like coefficient, or `nil` when the optimizer has none.
    public var momenta: [Double]? {
        get { Rule.momentumKeyPath.map { path in groups.map { $0.options[keyPath: path] } } }
        set {
            guard let newValue, let path = Rule.momentumKeyPath else { return }
            precondition(
                newValue.count == groups.count, "\(Rule.name): \(newValue.count) momenta for \(groups.count) groups")
            for i in groups.indices { groups[i].options[keyPath: path] = newValue[i] }
        }
    }

    /// Updates every parameter that has a gradient with one fused pass over its elements.
    public func step() {
        precondition(
            !Rule.movesBeforeGradient || moved,
            "\(Rule.name): use step(computingGradients:) so that the gradient is taken at the look-ahead point")
        stepCount += 1
        for gi in groups.indices {
            let rule = groups[gi].options
            let params = groups[gi].parameters
            let groupSlots = slots[gi]
            for pi in params.indices {
                let p = params[pi], slot = groupSlots[pi]
                let wasMoved = slot.moved
                slot.moved = false
                guard let grad = p.grad else {
                    if wasMoved { slot.undoMove(rule, p) }
                    continue
                }
                slot.step += 1
                let fresh = slot.prepare(rule)
                if slot.scalars.count != slot.scalarCount { slot.scalars = rule.initialScalars() }
                let constants = rule.constants(step: slot.step, newBuffers: fresh, scalars: &slot.scalars)
                let buffers = slot.pointers
                grad.withUnsafeBufferPointer { g in
                    p.withSharedStorage { w in
                        let wp = w.baseAddress!, gp = g.baseAddress!
                        Parallel.forEachChunk(w.count, cost: Rule.costPerElement) { r in
                            Rule.update(r, wp, gp, buffers, constants)
                        }
                    }
                }
            }
        }
        moved = false
    }

    /// Runs `computeGradients` and steps; for a rule that moves before the gradient (look-ahead Nesterov),
    /// first moves every parameter to its look-ahead point, so the gradient is taken there. If
    /// `computeGradients` throws, the parameters are moved back and the error is rethrown.
    public func step(computingGradients computeGradients: () throws -> Void) rethrows {
        if Rule.movesBeforeGradient {
            for gi in groups.indices {
                let rule = groups[gi].options
                for (p, slot) in zip(groups[gi].parameters, slots[gi]) {
                    _ = slot.prepare(rule)
                    let buffers = slot.pointers
                    p.withSharedStorage { w in
                        let wp = w.baseAddress!
                        Parallel.forEachChunk(w.count, cost: 2) { r in rule.moveBeforeGradient(r, wp, buffers) }
                    }
                    slot.moved = true
                }
            }
            moved = true
            do {
                try computeGradients()
            } catch {
                for gi in groups.indices {
                    for (p, slot) in zip(groups[gi].parameters, slots[gi]) where slot.moved {
                        slot.undoMove(groups[gi].options, p)
                        slot.moved = false
                    }
                }
                moved = false
                throw error
            }
        } else {
            try computeGradients()
        }
        step()
    }

    /// Sets every parameter's gradient to `nil`.
    public func zeroGrad() {
        for g in groups { for p in g.parameters { p.zeroGrad() } }
    }

    /// The complete state as a plain `Codable` value.
    public func stateDict() -> OptimizerState {
        var groupStates: [OptimizerState.Group] = []
        var paramStates: [OptimizerState.ParameterState] = []
        for (gi, g) in groups.enumerated() {
            let options: StateValue
            do { options = try StateValue(encoding: g.options) } catch {
                preconditionFailure("\(Rule.name): cannot encode the hyperparameters of group \(gi): \(error)")
            }
            groupStates.append(.init(names: g.names, initialLR: g.initialLR, options: options))
            for (p, slot) in zip(g.parameters, slots[gi]) {
                var buffers: [String: [Float]] = [:]
                for (k, storage) in slot.buffers.enumerated() {
                    if let storage {
                        buffers[Rule.bufferNames[k]] = Array(
                            UnsafeBufferPointer(start: storage.pointer, count: slot.count))
                    }
                }
                var scalars: [String: Double] = [:]
                for (name, v) in zip(Rule.scalarNames, slot.scalars) { scalars[name] = v }
                paramStates.append(.init(step: slot.step, shape: p.shape, scalars: scalars, buffers: buffers))
            }
        }
        return OptimizerState(optimizer: Rule.name, stepCount: stepCount, groups: groupStates, parameters: paramStates)
    }

    /// Restores a state saved by ``stateDict()``; throws (changing nothing) if it does not fit this optimizer.
    public func load(state: OptimizerState) throws {
        func fail(_ reason: String) -> DescentError { DescentError(.file, "optimizer state (\(Rule.name))", reason) }
        guard state.optimizer == Rule.name else {
            throw fail("the state was saved by \(state.optimizer), not \(Rule.name)")
        }
        guard state.groups.count == groups.count else {
            throw fail("the state has \(state.groups.count) parameter groups, the optimizer \(groups.count)")
        }
        let flat = zip(groups, slots).flatMap { g, s in zip(g.parameters, s).map { ($0, $1) } }
        guard state.parameters.count == flat.count else {
            throw fail("the state has \(state.parameters.count) parameters, the optimizer \(flat.count)")
        }
        var options: [Rule] = []
        for (gi, g) in state.groups.enumerated() {
            guard g.names.count == groups[gi].parameters.count else {
                throw fail(
                    "group \(gi) has \(g.names.count) parameters in the state, \(groups[gi].parameters.count) in the optimizer"
                )
            }
            do { options.append(try g.options.decode(as: Rule.self)) } catch {
                throw fail("the hyperparameters of group \(gi) do not decode: \(error)")
            }
        }
        for (i, ((p, _), saved)) in zip(flat, state.parameters).enumerated() {
            guard saved.shape == p.shape else {
                throw fail("parameter \(i) has shape \(saved.shape) in the state, \(p.shape) in the optimizer")
            }
            guard saved.step >= 0 else { throw fail("parameter \(i) has a negative step count \(saved.step)") }
            for (name, values) in saved.buffers {
                guard Rule.bufferNames.contains(name) else {
                    throw fail("parameter \(i) has an unknown buffer '\(name)'")
                }
                guard values.count == p.count else {
                    throw fail(
                        "buffer '\(name)' of parameter \(i) has \(values.count) elements, the parameter \(p.count)")
                }
            }
            if !saved.scalars.isEmpty && Set(saved.scalars.keys) != Set(Rule.scalarNames) {
                throw fail("parameter \(i) has scalars \(saved.scalars.keys.sorted()), expected \(Rule.scalarNames)")
            }
        }
        for gi in groups.indices {
            groups[gi].options = options[gi]
            groups[gi].initialLR = state.groups[gi].initialLR
        }
        for ((_, slot), saved) in zip(flat, state.parameters) {
            slot.step = saved.step
            slot.moved = false
            slot.scalars = saved.scalars.isEmpty ? [] : Rule.scalarNames.map { saved.scalars[$0]! }
            for (k, name) in Rule.bufferNames.enumerated() {
                if let values = saved.buffers[name] {
                    let storage = TensorStorage(uninitializedCount: slot.count)
                    values.withUnsafeBufferPointer {
                        storage.pointer.initialize(from: $0.baseAddress!, count: slot.count)
                    }
                    slot.buffers[k] = storage
                } else {
                    slot.buffers[k] = nil
                }
            }
        }
        stepCount = state.stepCount
        moved = false
    }
}

/// The state of one parameter inside a ``RuleOptimizer``: step count, scalar state and element buffers.
final class OptimizerSlot {
    let count: Int
    let scalarCount: Int
    var step = 0
    var scalars: [Double] = []
    var buffers: [TensorStorage?]
    var moved = false

    init(count: Int, buffers: Int, scalars: Int) {
        precondition(buffers <= 4, "an update rule has at most four state buffers")
        self.count = count
        self.scalarCount = scalars
        self.buffers = Array(repeating: nil, count: buffers)
    }

    /// Allocates the buffers `rule` needs that are not allocated yet; returns those it allocated.
    func prepare<R: UpdateRule>(_ rule: R) -> BufferSet {
        var fresh = BufferSet()
        for k in buffers.indices where buffers[k] == nil && rule.usesBuffer(k) {
            buffers[k] = TensorStorage(count: count, repeating: rule.initialValue(ofBuffer: k))
            fresh.insert(k)
        }
        return fresh
    }

    /// Pointers to the allocated buffers.
    var pointers: StateBuffers {
        func at(_ k: Int) -> UnsafeMutablePointer<Float>? { k < buffers.count ? buffers[k]?.pointer : nil }
        return StateBuffers(at(0), at(1), at(2), at(3))
    }

    /// Moves parameter `p` back from where `moveBeforeGradient` put it.
    func undoMove<R: UpdateRule>(_ rule: R, _ p: Tensor) {
        let buffers = pointers
        p.withSharedStorage { w in
            let wp = w.baseAddress!
            Parallel.forEachChunk(w.count, cost: 1) { r in rule.undoMoveBeforeGradient(r, wp, buffers) }
        }
    }
}
