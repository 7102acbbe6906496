import Descent
import Foundation

/// The configurations a search tries: the grid's axes (every combination, the first key outermost) and the
/// sampled parameters, from a config's `search:` section and the `--grid`/`--random` flags.
///
/// With grid axes only, the trials are the grid's combinations. With sampled parameters, there are `trials`
/// trials (default 10); trial *i* takes grid combination *i* mod (grid size) and fresh samples, drawn from
/// `seed`, and a configuration equal to an earlier one is drawn again (up to 100 times), so no two trials
/// are the same.
///
/// ```yaml
/// search:
///   trials: 20
///   grid: {optimizer.lr: [0.1, 0.01, 0.001], optimizer.name: [sgd, adam]}
///   random: {optimizer.weight_decay: "loguniform:1e-6:1e-2"}
/// ```
public struct SearchSpace: Sendable, Equatable, Codable {
    /// The parameters, grid axes and sampled ones in the order given.
    public var parameters: [SearchParameter] = []
    /// The number of trials when some parameters are sampled (`nil`: the grid size, or 10).
    public var trials: Int?
    /// The section's `strategy` (`nil`: chosen by the number of trials, see ``SearchStrategy/defaultFor(trials:)``).
    public var strategy: SearchStrategy?
    /// The section's `min_epochs`: the epochs of successive halving's first rung (`nil`: 1).
    public var minEpochs: Int?
    /// The section's `reduction_factor`: successive halving's η (`nil`: 3).
    public var reductionFactor: Int?
    /// The section's `folds` (scikit-learn's `cv`): each trial is K runs, fold k of the training data the
    /// validation part of run k (`data.folds`, `data.fold`), scored by the mean over the folds (`nil`: one run
    /// on the `validation_fraction` split).
    public var folds: Int?

    /// An empty space.
    public init() {}

    /// The keys of the `search:` section.
    static let keys = ["trials", "grid", "random", "strategy", "min_epochs", "reduction_factor", "folds"]

    /// Reads the `search:` section of the config file at `url` (an empty space when there is none).
    ///
    /// - Throws: ``DescentError`` of kind `.config` located at `file:line search.…` for a malformed section.
    public static func load(contentsOf url: URL) throws -> SearchSpace {
        guard let bytes = FileManager.default.contents(atPath: url.path),
            let text = String(data: bytes, encoding: .utf8)
        else {
            throw DescentError(.file, url.relativePath, "cannot read the configuration file")
        }
        return try parse(yaml: text, source: url.relativePath)
    }

    /// Reads the `search:` section of a YAML or JSON document named `source`.
    ///
    /// - Throws: ``DescentError`` of kind `.config`, as ``load(contentsOf:)``.
    public static func parse(yaml: String, source: String = "config") throws -> SearchSpace {
        let root = try ConfigNode.parse(yaml: yaml, source: source)
        let box = SectionReader.Box()
        let document = root.isNull ? .emptyMapping(root.origin) : root
        let top = try SectionReader(document, path: "", origin: root.origin, sources: box)
        let r = try top.section("search")
        var space = SearchSpace()
        space.trials = try r.int("trials", .atLeast(1))
        space.strategy = try r.choice("strategy", SearchStrategy.allCases.map(\.rawValue)).flatMap(SearchStrategy.init)
        space.minEpochs = try r.int("min_epochs", .atLeast(1))
        space.reductionFactor = try r.int("reduction_factor", .atLeast(2))
        space.folds = try r.int("folds", .atLeast(2))
        for (name, grid) in [("grid", true), ("random", false)] {
            let section = try r.section(name)
            for entry in section.entries {
                let path = section.keyPath(entry.key), location = entry.location.location(path)
                let spec: String
                switch entry.value.content {
                case .sequence(let items) where grid:
                    spec = try items.map { item -> String in
                        guard case .scalar(let s, _) = item.content, !item.isNull else {
                            throw DescentError(
                                .config, item.origin.location(path),
                                "expected a value, got \(item.described)")
                        }
                        return s
                    }.joined(separator: ",")
                case .scalar(let s, _) where !entry.value.isNull:
                    spec = s
                default:
                    let expected = grid ? "a list of values" : "a distribution such as loguniform:1e-5:1e-1"
                    throw DescentError(.config, location, "expected \(expected), got \(entry.value.described)")
                }
                try space.add(SearchParameter(key: entry.key, spec: spec, grid: grid, location: location))
            }
        }
        try r.finish(known: keys)
        return space
    }

    /// Adds a parameter from a `--grid key=v1,v2` or `--random key=kind:…` flag.
    ///
    /// - Throws: ``DescentError`` of kind `.config` naming the flag and key for a malformed value or a key given twice.
    public mutating func add(flag: String, grid: Bool) throws {
        let name = grid ? "--grid" : "--random"
        guard let eq = flag.firstIndex(of: "="), eq != flag.startIndex else {
            throw DescentError(.config, "\(name) \(flag)", "expected key=\(grid ? "v1,v2,…" : "loguniform:A:B")")
        }
        let key = String(flag[..<eq]).trimmingCharacters(in: .whitespaces)
        let spec = String(flag[flag.index(after: eq)...])
        try add(SearchParameter(key: key, spec: spec, grid: grid, location: "\(name) \(key)"))
    }

    /// Adds `parameter`, replacing a `search:` section's parameter of the same key (flags win over the file).
    mutating func add(_ parameter: SearchParameter) throws {
        parameters.removeAll { $0.key == parameter.key }
        parameters.append(parameter)
    }

    /// The number of grid combinations (1 without grid axes).
    public var gridSize: Int {
        parameters.reduce(1) { n, p in if case .grid(let v) = p.values { n * v.count } else { n } }
    }

    /// The trials' overrides (`key=value`, in the parameters' order), drawn from `seed`.
    public func configurations(seed: UInt64) -> [[String]] {
        let axes = parameters.filter(\.isGrid), sampled = parameters.filter { !$0.isGrid }
        var combinations: [[String: String]] = [[:]]
        for axis in axes {
            guard case .grid(let values) = axis.values else { continue }
            combinations = combinations.flatMap { c in values.map { c.merging([axis.key: $0]) { $1 } } }
        }
        let gridCount = trials.map { min($0, combinations.count) } ?? combinations.count
        let count = sampled.isEmpty ? gridCount : (trials ?? 10)
        var random = SearchRandom(seed: seed)
        var result: [[String]] = []
        for i in 0..<count {
            var candidate: [String] = []
            for _ in 0..<100 {
                var values = combinations[i % combinations.count]
                for p in sampled { values[p.key] = p.sample(&random) }
                candidate = parameters.map { "\($0.key)=\(values[$0.key]!)" }
                if !result.contains(candidate) { break }
            }
            if result.contains(candidate) { break }
            result.append(candidate)
        }
        return result
    }

    /// Checks that every value of the space, and every trial's configuration, builds a ``TrainingConfig`` from
    /// the base config (`url`, or the built-in one when `nil`) and `overrides`.
    ///
    /// - Throws: ``DescentError`` naming the key (`search optimizer.lr=-1: must not be negative, got -1`) for
    ///   an unknown key, a value of the wrong type or out of range; or when the space has no parameter.
    public func validate(base url: URL?, overrides: [String], seed: UInt64) throws {
        guard !parameters.isEmpty else {
            throw DescentError(.config, "search", "no parameters to search: give a search: section, --grid or --random")
        }
        let foldSets = folds.map { ["data.folds=\($0)", "data.fold=1"] } ?? []
        func check(_ sets: [String]) throws {
            let sets = sets + foldSets
            do {
                if let url {
                    _ = try TrainingConfig.load(contentsOf: url, overrides: overrides + sets)
                } else {
                    _ = try TrainingConfig.parse(yaml: "", source: "the built-in config", overrides: overrides + sets)
                }
            } catch let e as DescentError where e.location.hasPrefix("--set ") {
                let key = String(e.location.dropFirst(6))
                let value = sets.first { $0.hasPrefix(key + "=") } ?? key
                throw DescentError(.config, "search \(value)", e.reason)
            }
        }
        let all = configurations(seed: seed)
        for (i, p) in parameters.enumerated() where !p.isGrid {
            for v in p.representativeValues {
                var sets = all[0]
                sets[i] = "\(p.key)=\(v)"
                try check(sets)
            }
        }
        for sets in all { try check(sets) }
    }
}
