/// The optimizers that configs, `descent bench` and the tests know by name: the one list of them. Adding an
/// optimizer means adding its rule here, once it conforms to ``RegisteredRule`` in its own file.
public enum OptimizerRegistry {
    /// Every registered rule, in the order configs and docs list them.
    public static let rules: [any RegisteredRule.Type] = [
        SGDRule.self, AdamRule.self, AdamWRule.self, RMSpropRule.self, AdagradRule.self, NAdamRule.self, RAdamRule.self,
        AdamaxRule.self,
    ]

    /// The rule registered as `name` (`torch.optim`'s class name, lower-cased: `adam`), if any.
    public static func rule(named name: String) -> (any RegisteredRule.Type)? {
        rules.first { $0.configName == name }
    }
}

/// An update rule that configs can name: `torch.optim`'s defaults in `init()` and its option names.
public protocol RegisteredRule: UpdateRule {
    /// The rule with `torch.optim`'s defaults (the one place they are declared).
    init()
    /// Its options under `torch.optim`'s keyword names (`lr`, `betas`, `weight_decay`, …).
    static var hyperParameters: [HyperParameter<Self>] { get }
}

extension RegisteredRule {
    /// The name in configs: ``UpdateRule/name`` lower-cased (`adamw`).
    public static var configName: String { name.lowercased() }

    /// The optimizer over one group of `parameters` with `torch.optim`'s defaults.
    public static func makeOptimizer(_ parameters: [Tensor]) -> any Optimizer {
        RuleOptimizer([ParameterGroup(parameters)], defaults: Self())
    }

    /// The optimizer over `groups` with this rule's `hyperparameters` (defaults where not set).
    public static func makeOptimizer(_ groups: [ParameterGroup], _ hyperparameters: Self) -> any Optimizer {
        RuleOptimizer(groups, defaults: hyperparameters)
    }
}

/// One option of a registered rule, as `torch.optim` names it, with where it lives in the rule and the values it
/// may take.
public struct HyperParameter<Rule: UpdateRule> {
    /// Where the value lives.
    public enum Field {
        /// A real number.
        case number(WritableKeyPath<Rule, Double>)
        /// A flag.
        case flag(WritableKeyPath<Rule, Bool>)
        /// Two numbers written as a list, such as `betas`.
        case pair(WritableKeyPath<Rule, Double>, WritableKeyPath<Rule, Double>)
    }

    /// The values a number may take.
    public enum Bound: Sendable {
        /// Any finite number.
        case any
        /// Above 0.
        case positive
        /// 0 or above.
        case nonNegative
        /// In [0, 1).
        case fraction
    }

    /// The option's keyword name (`weight_decay`).
    public let key: String
    /// Where the value lives.
    public let field: Field
    /// The values a number (or each number of a pair) may take.
    public let bound: Bound

    /// A real-valued option.
    public static func number(_ key: String, _ path: WritableKeyPath<Rule, Double>, _ bound: Bound = .nonNegative)
        -> Self
    {
        Self(key: key, field: .number(path), bound: bound)
    }
    /// A flag.
    public static func flag(_ key: String, _ path: WritableKeyPath<Rule, Bool>) -> Self {
        Self(key: key, field: .flag(path), bound: .any)
    }
    /// A pair of numbers.
    public static func pair(
        _ key: String, _ first: WritableKeyPath<Rule, Double>, _ second: WritableKeyPath<Rule, Double>,
        _ bound: Bound = .fraction
    ) -> Self {
        Self(key: key, field: .pair(first, second), bound: bound)
    }

    /// Whether the option holds `path` (the whole number, or either half of a pair).
    public func holds(_ path: WritableKeyPath<Rule, Double>) -> Bool {
        switch field {
        case .number(let p): return p == path
        case .pair(let a, let b): return a == path || b == path
        case .flag: return false
        }
    }
}
