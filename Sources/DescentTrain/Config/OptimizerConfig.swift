import Descent

/// The `optimizer` section: the update rule with `torch.optim`'s option names and defaults, and parameter
/// groups with their own learning rate, weight decay or momentum.
public struct OptimizerConfig: Sendable, Equatable {
    /// Options for the parameters whose names match `params` (glob patterns: `*` any run of characters,
    /// `?` one), as `torch.optim` param groups; each parameter goes to the first group that matches it, the
    /// rest keep the optimizer's options.
    public struct Group: Sendable, Equatable {
        /// Name patterns (`fc.*`, `*.bias`).
        public var params: [String]
        /// The group's learning rate.
        public var lr: Double?
        /// The group's weight decay.
        public var weightDecay: Double?
        /// The group's momentum (β₁ for the Adam family).
        public var momentum: Double?

        /// A group of the parameters matching `params`.
        public init(params: [String], lr: Double? = nil, weightDecay: Double? = nil, momentum: Double? = nil) {
            self.params = params
            self.lr = lr
            self.weightDecay = weightDecay
            self.momentum = momentum
        }
    }

    /// The optimizer's name in ``Descent/OptimizerRegistry`` (`adam`).
    public private(set) var name: String
    /// Its options.
    public var options: ConfigOptions
    /// Parameter groups with their own options.
    public var groups: [Group]
    /// Whether `lr: find` asks for the learning-rate range test (``LearningRateFinder``) before training; ``lr``
    /// then holds the rule's default until ``TrainingConfig/resolvingLearningRate(_:)`` sets the rate found.
    public var findsLearningRate = false
    /// Where the section's keys were written.
    var sources = SourceMap()

    /// The optimizer of `rule` (one of ``Descent/OptimizerRegistry/rules``, e.g. `AdamRule.self`); options left out
    /// take `torch.optim`'s defaults.
    public init(_ rule: any RegisteredRule.Type, options: ConfigOptions = ConfigOptions(), groups: [Group] = []) {
        name = rule.configName
        self.options = ConfigOptions.defaults(rule.specs).merging(options)
        self.groups = groups
    }

    /// The registered rule.
    var rule: any RegisteredRule.Type { OptimizerRegistry.rule(named: name)! }

    /// The names configs accept.
    static var names: [String] { OptimizerRegistry.rules.map { $0.configName } }

    /// The learning rate (of the parameters outside the groups); setting it ends ``findsLearningRate``.
    public var lr: Double {
        get { options.double("lr") ?? 1e-3 }
        set {
            options["lr"] = .number(newValue)
            findsLearningRate = false
        }
    }

    /// Reads the `optimizer` section (absent: Adam with lr 0.001).
    init(_ r: SectionReader) throws {
        name = try r.choice("name", Self.names, what: "optimizer") ?? "adam"
        let rule = OptimizerRegistry.rule(named: name)!
        var specs = rule.specs
        if let n = r.value("lr"), case .scalar(let s, _) = n.content,
            Double(s.replacingOccurrences(of: "_", with: "")) == nil
        {
            guard s == "find" else { throw r.error("lr", "expected a number or 'find', got \(n.described)") }
            findsLearningRate = true
            specs.removeAll { $0.key == "lr" }
        }
        options = try r.options(specs, for: name)
        if findsLearningRate { options["lr"] = rule.specs.first { $0.key == "lr" }?.fallback }
        if options.bool("nesterov") == true
            && ((options.double("momentum") ?? 0) <= 0 || options.double("dampening") != 0)
        {
            throw r.error("nesterov", "Nesterov momentum needs a momentum above 0 and dampening 0")
        }
        groups = []
        for (node, path) in try r.list("groups") ?? [] {
            let g = try r.section(item: node, path: path)
            guard let params = try g.strings("params", single: true), !params.isEmpty else {
                throw g.error("params", "missing: the name pattern(s) of the group's parameters, such as 'fc.*'")
            }
            let momentumBound = rule.groupMomentumBound
            let group = Group(
                params: params, lr: try g.double("lr", .positive),
                weightDecay: try g.double("weight_decay", .nonNegative),
                momentum: try momentumBound.map { try g.double("momentum", $0) } ?? nil)
            let groupKeys = ["lr", "weight_decay"] + (momentumBound == nil ? [] : ["momentum"])
            let others = Set(OptimizerRegistry.rules.flatMap { $0.specs.map(\.key) } + ["momentum"]).subtracting(
                groupKeys
            ).sorted()
            try g.finish(
                known: ["params"] + groupKeys,
                elsewhere: Dictionary(
                    uniqueKeysWithValues: others.map {
                        (
                            $0,
                            "cannot differ between parameter groups (groups may set \(groupKeys.joined(separator: ", ")))"
                        )
                    }))
            groups.append(group)
        }
        let own = rule.specs.map(\.key)
        try r.finish(
            known: ["name", "groups"] + own,
            elsewhere: OptionSpec.misplaced(OptimizerRegistry.rules.flatMap { $0.specs.map(\.key) }, own: own, in: name)
        )
        sources = r.sourceMap
    }

    /// Writes the section.
    func write(_ w: inout YAMLWriter) {
        w.section("optimizer") { w in
            w.line("name", name)
            for spec in rule.specs {
                w.line(spec.key, spec.key == "lr" && findsLearningRate ? .string("find") : options[spec.key])
            }
            w.list(
                "groups",
                groups.map { g in
                    let params =
                        g.params.count == 1
                        ? YAMLWriter.string(g.params[0]) : YAMLWriter.flow(.list(g.params.map(ConfigValue.string)))
                    let pairs = [("lr", g.lr), ("weight_decay", g.weightDecay), ("momentum", g.momentum)].compactMap {
                        k, v in v.map { "\(k): \(YAMLWriter.number($0))" }
                    }
                    return "{" + (["params: \(params)"] + pairs).joined(separator: ", ") + "}"
                })
        }
    }

    /// The optimizer over `model`'s parameters, grouped as configured (the parameters outside every group come
    /// first, as a group with the optimizer's options).
    ///
    /// - Throws: ``DescentError`` of kind `.config` when a group's patterns match no parameter.
    public func makeOptimizer(for model: Module) throws -> any Optimizer {
        let named = model.namedParameters().map { (name: $0.0, tensor: $0.1) }
        let selectors = groups.map {
            ParameterGroup.Selector($0.params, lr: $0.lr, weightDecay: $0.weightDecay, momentum: $0.momentum)
        }
        for (i, s) in selectors.enumerated()
        where !named.contains(where: { p in
            s.matches(p.name, p.tensor) && !selectors[..<i].contains { $0.matches(p.name, p.tensor) }
        }) {
            let names = named.prefix(8).map(\.name).joined(separator: ", ") + (named.count > 8 ? ", …" : "")
            throw sources.error(
                "optimizer.groups[\(i)]",
                "params \(s.patterns) match no parameter left by the groups before (the model's parameters: \(names))")
        }
        return rule.makeOptimizer(ParameterGroup.byName(named, selectors), options)
    }

    /// `Adam lr 0.001` (and the groups), for one-line summaries.
    var summary: String {
        var s = "\(rule.name) lr \(findsLearningRate ? "find" : YAMLWriter.number(lr))"
        if let m = options.double("momentum"), m > 0 { s += " momentum \(YAMLWriter.number(m))" }
        if let wd = options.double("weight_decay"), wd > 0 { s += " weight decay \(YAMLWriter.number(wd))" }
        if !groups.isEmpty { s += " (\(groups.count) parameter group\(groups.count == 1 ? "" : "s"))" }
        return s
    }
}

extension RegisteredRule {
    /// The config options of the rule: its hyper-parameters with the defaults of ``RegisteredRule/init()``.
    static var specs: [OptionSpec] {
        let defaults = Self()
        return hyperParameters.map { h in
            switch h.field {
            case .number(let path): return .number(h.key, defaults[keyPath: path], h.bound.config)
            case .flag(let path): return .flag(h.key, defaults[keyPath: path])
            case .pair(let a, let b):
                return .numbers(h.key, [defaults[keyPath: a], defaults[keyPath: b]], count: 2, h.bound.config)
            }
        }
    }

    /// The bound of the option that parameter groups override as `momentum` (β₁ for the Adam family), or
    /// `nil` when the rule has none.
    static var groupMomentumBound: ConfigBound? {
        guard let path = momentumKeyPath, let h = hyperParameters.first(where: { $0.holds(path) }) else { return nil }
        return h.bound.config
    }

    /// The optimizer over `groups` with `options` (read against ``specs``) on top of the defaults.
    static func makeOptimizer(_ groups: [ParameterGroup], _ options: ConfigOptions) -> any Optimizer {
        var rule = Self()
        for h in hyperParameters {
            switch h.field {
            case .number(let path): if let v = options.double(h.key) { rule[keyPath: path] = v }
            case .flag(let path): if let v = options.bool(h.key) { rule[keyPath: path] = v }
            case .pair(let a, let b):
                if let v = options.doubles(h.key), v.count == 2 { (rule[keyPath: a], rule[keyPath: b]) = (v[0], v[1]) }
            }
        }
        return makeOptimizer(groups, rule)
    }
}

extension HyperParameter.Bound {
    /// The config reader's bound.
    var config: ConfigBound {
        switch self {
        case .any: return .any
        case .positive: return .positive
        case .nonNegative: return .nonNegative
        case .fraction: return .fraction
        }
    }
}
