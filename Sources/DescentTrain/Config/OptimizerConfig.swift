import Descent

/// The `optimizer` section: the update rule with `torch.optim`'s option names and defaults, and parameter
/// groups with their own learning rate, weight decay or momentum.
public struct OptimizerConfig: Sendable, Equatable {
    /// The optimizers that can be named.
    public enum Kind: String, Sendable, CaseIterable {
        /// `torch.optim`'s optimizers, lower-cased.
        case sgd, adam, adamw, rmsprop, adagrad, nadam, radam, adamax

        /// The options, their types and `torch.optim`'s defaults.
        var specs: [OptionSpec] {
            let betas = OptionSpec.numbers("betas", [0.9, 0.999], count: 2, .fraction)
            let wd = OptionSpec.number("weight_decay", 0, .nonNegative), maximize = OptionSpec.flag("maximize", false)
            switch self {
            case .sgd:
                return [.number("lr", 1e-3, .positive), .number("momentum", 0, .nonNegative), .number("dampening", 0, .nonNegative),
                        wd, .flag("nesterov", false), maximize]
            case .adam, .adamw:
                return [.number("lr", 1e-3, .positive), betas, .number("eps", 1e-8, .nonNegative),
                        .number("weight_decay", self == .adamw ? 1e-2 : 0, .nonNegative), .flag("amsgrad", false), maximize]
            case .rmsprop:
                return [.number("lr", 1e-2, .positive), .number("alpha", 0.99, .nonNegative), .number("eps", 1e-8, .nonNegative), wd,
                        .number("momentum", 0, .nonNegative), .flag("centered", false), maximize]
            case .adagrad:
                return [.number("lr", 1e-2, .positive), .number("lr_decay", 0, .nonNegative), wd,
                        .number("initial_accumulator_value", 0, .nonNegative), .number("eps", 1e-10, .nonNegative), maximize]
            case .nadam:
                return [.number("lr", 2e-3, .positive), betas, .number("eps", 1e-8, .nonNegative), wd, .number("momentum_decay", 4e-3, .nonNegative),
                        .flag("decoupled_weight_decay", false), maximize]
            case .radam:
                return [.number("lr", 1e-3, .positive), betas, .number("eps", 1e-8, .nonNegative), wd, .flag("decoupled_weight_decay", false), maximize]
            case .adamax:
                return [.number("lr", 2e-3, .positive), betas, .number("eps", 1e-8, .nonNegative), wd, maximize]
            }
        }

        /// Whether parameter groups may set `momentum` (β₁ for the Adam family; Adagrad has none).
        var groupMomentum: Bool { self != .adagrad }
    }

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

    /// The optimizer.
    public var kind: Kind
    /// Its options.
    public var options: ConfigOptions
    /// Parameter groups with their own options.
    public var groups: [Group]
    /// Where the section's keys were written.
    var sources = SourceMap()

    /// An optimizer; options left out take `torch.optim`'s defaults.
    public init(_ kind: Kind, options: ConfigOptions = ConfigOptions(), groups: [Group] = []) {
        self.kind = kind
        self.options = ConfigOptions.defaults(kind.specs).merging(options)
        self.groups = groups
    }

    /// The learning rate (of the parameters outside the groups).
    public var lr: Double { options.double("lr") ?? 1e-3 }

    /// Reads the `optimizer` section (absent: Adam with lr 0.001).
    init(_ r: SectionReader) throws {
        kind = Kind(rawValue: try r.choice("name", Kind.allCases.map(\.rawValue), what: "optimizer") ?? "adam")!
        options = try r.options(kind.specs, for: kind.rawValue)
        if options.bool("nesterov") == true && ((options.double("momentum") ?? 0) <= 0 || options.double("dampening") != 0) {
            throw r.error("nesterov", "Nesterov momentum needs a momentum above 0 and dampening 0")
        }
        groups = []
        for (node, path) in try r.list("groups") ?? [] {
            let g = try r.section(item: node, path: path)
            guard let params = try g.strings("params", single: true), !params.isEmpty else {
                throw g.error("params", "missing: the name pattern(s) of the group's parameters, such as 'fc.*'")
            }
            let momentumBound: ConfigBound = kind == .sgd || kind == .rmsprop ? .nonNegative : .fraction
            let group = Group(params: params, lr: try g.double("lr", .positive), weightDecay: try g.double("weight_decay", .nonNegative),
                              momentum: kind.groupMomentum ? try g.double("momentum", momentumBound) : nil)
            let others = ["betas", "eps", "amsgrad", "alpha", "centered", "dampening", "nesterov", "lr_decay", "maximize"]
            try g.finish(known: ["params", "lr", "weight_decay"] + (kind.groupMomentum ? ["momentum"] : []),
                         elsewhere: Dictionary(uniqueKeysWithValues: (others + (kind.groupMomentum ? [] : ["momentum"])).map {
                             ($0, "cannot differ between parameter groups (groups may set lr, weight_decay\(kind.groupMomentum ? ", momentum" : ""))")
                         }))
            groups.append(group)
        }
        let own = kind.specs.map(\.key)
        try r.finish(known: ["name", "groups"] + own,
                     elsewhere: OptionSpec.misplaced(Kind.allCases.flatMap { $0.specs.map(\.key) }, own: own, in: kind.rawValue))
        sources = r.sourceMap
    }

    /// Writes the section.
    func write(_ w: inout YAMLWriter) {
        w.section("optimizer") { w in
            w.line("name", kind.rawValue)
            for spec in kind.specs { w.line(spec.key, options[spec.key]) }
            w.list("groups", groups.map { g in
                let params = g.params.count == 1 ? YAMLWriter.string(g.params[0]) : YAMLWriter.flow(.list(g.params.map(ConfigValue.string)))
                let pairs = [("lr", g.lr), ("weight_decay", g.weightDecay), ("momentum", g.momentum)].compactMap { k, v in v.map { "\(k): \(YAMLWriter.number($0))" } }
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
        let selectors = groups.map { ParameterGroup.Selector($0.params, lr: $0.lr, weightDecay: $0.weightDecay, momentum: $0.momentum) }
        for (i, s) in selectors.enumerated() where !named.contains(where: { p in s.matches(p.name, p.tensor) && !selectors[..<i].contains { $0.matches(p.name, p.tensor) } }) {
            let names = named.prefix(8).map(\.name).joined(separator: ", ") + (named.count > 8 ? ", …" : "")
            throw sources.error("optimizer.groups[\(i)]", "params \(s.patterns) match no parameter left by the groups before (the model's parameters: \(names))")
        }
        let g = ParameterGroup.byName(named, selectors)
        let o = options
        let lr = o.double("lr")!, wd = o.double("weight_decay") ?? 0, eps = o.double("eps") ?? 1e-8, maximize = o.bool("maximize") ?? false
        let b = o.doubles("betas") ?? [0.9, 0.999], betas = (b[0], b[1])
        switch kind {
        case .sgd:
            return SGD(g, lr: lr, momentum: o.double("momentum") ?? 0, dampening: o.double("dampening") ?? 0, weightDecay: wd,
                       nesterov: o.bool("nesterov") ?? false, maximize: maximize)
        case .adam: return Adam(g, lr: lr, betas: betas, eps: eps, weightDecay: wd, amsgrad: o.bool("amsgrad") ?? false, maximize: maximize)
        case .adamw: return AdamW(g, lr: lr, betas: betas, eps: eps, weightDecay: wd, amsgrad: o.bool("amsgrad") ?? false, maximize: maximize)
        case .rmsprop:
            return RMSprop(g, lr: lr, alpha: o.double("alpha") ?? 0.99, eps: eps, weightDecay: wd, momentum: o.double("momentum") ?? 0,
                           centered: o.bool("centered") ?? false, maximize: maximize)
        case .adagrad:
            return Adagrad(g, lr: lr, lrDecay: o.double("lr_decay") ?? 0, weightDecay: wd,
                           initialAccumulatorValue: o.double("initial_accumulator_value") ?? 0, eps: o.double("eps") ?? 1e-10, maximize: maximize)
        case .nadam:
            return NAdam(g, lr: lr, betas: betas, eps: eps, weightDecay: wd, momentumDecay: o.double("momentum_decay") ?? 4e-3,
                         decoupledWeightDecay: o.bool("decoupled_weight_decay") ?? false, maximize: maximize)
        case .radam:
            return RAdam(g, lr: lr, betas: betas, eps: eps, weightDecay: wd, decoupledWeightDecay: o.bool("decoupled_weight_decay") ?? false,
                         maximize: maximize)
        case .adamax: return Adamax(g, lr: lr, betas: betas, eps: eps, weightDecay: wd, maximize: maximize)
        }
    }

    /// `Adam lr 0.001` (and the groups), for one-line summaries.
    var summary: String {
        let names = ["sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad", "nadam": "NAdam",
                     "radam": "RAdam", "adamax": "Adamax"]
        var s = "\(names[kind.rawValue]!) lr \(YAMLWriter.number(lr))"
        if let m = options.double("momentum"), m > 0 { s += " momentum \(YAMLWriter.number(m))" }
        if let wd = options.double("weight_decay"), wd > 0 { s += " weight decay \(YAMLWriter.number(wd))" }
        if !groups.isEmpty { s += " (\(groups.count) parameter group\(groups.count == 1 ? "" : "s"))" }
        return s
    }
}
