import Descent
import Foundation

/// One searched config key and the values it takes: a grid list (`0.1,0.01`), or a distribution to sample
/// (`uniform:a:b`, `loguniform:a:b`, `int:a:b`, `choice:a,b,c`).
public struct SearchParameter: Sendable, Equatable, Codable {
    /// How the values of a parameter are chosen.
    public enum Values: Sendable, Equatable {
        /// Every value, in order (the grid's axes).
        case grid([String])
        /// A real number drawn uniformly from [a, b].
        case uniform(Double, Double)
        /// A real number whose logarithm is drawn uniformly from [log a, log b] (0 < a ≤ b).
        case logUniform(Double, Double)
        /// An integer drawn uniformly from a...b.
        case integer(Int, Int)
        /// One of the values, drawn uniformly.
        case choice([String])
    }

    /// The dotted config key (`optimizer.lr`).
    public var key: String
    /// Its values as written (`0.1,0.01` or `loguniform:1e-6:1e-2`), kept for `search.json`.
    public var spec: String
    /// The parsed values.
    public var values: Values

    /// Whether the parameter is a grid axis (else it is sampled).
    public var isGrid: Bool { if case .grid = values { true } else { false } }

    /// Parses `spec` for `key`; with `grid`, `spec` is a comma-separated list of values, otherwise a distribution.
    ///
    /// - Throws: ``DescentError`` of kind `.config` located at `location` (default `search KEY`) for an empty
    ///   list, a repeated value, an unknown distribution, a bound that is not a number, an empty range or a
    ///   log range with a bound ≤ 0.
    public init(key: String, spec: String, grid: Bool, location: String? = nil) throws {
        self.key = key
        self.spec = spec
        let at = location ?? "search \(key)"
        func fail(_ reason: String) -> DescentError { DescentError(.config, at, reason) }
        if grid {
            let items = Self.split(spec)
            guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
                throw fail("empty list of values in '\(spec)'")
            }
            if let twice = items.enumerated().first(where: { items[..<$0.offset].contains($0.element) }) {
                throw fail("the value '\(twice.element)' is listed twice (a grid has no duplicate configurations)")
            }
            values = .grid(items)
            return
        }
        guard let colon = spec.firstIndex(of: ":") else {
            throw fail("expected uniform:A:B, loguniform:A:B, int:A:B or choice:A,B,…, got '\(spec)'")
        }
        let kind = String(spec[..<colon]), rest = String(spec[spec.index(after: colon)...])
        if kind == "choice" {
            let items = Self.split(rest)
            guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
                throw fail("empty list of choices in '\(spec)'")
            }
            values = .choice(items.enumerated().filter { !items[..<$0.offset].contains($0.element) }.map(\.element))
            return
        }
        let bounds = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard bounds.count == 2 else { throw fail("expected \(kind):A:B, got '\(spec)'") }
        switch kind {
        case "int":
            guard let a = Int(bounds[0]), let b = Int(bounds[1]) else {
                throw fail("int bounds must be integers, got '\(spec)'")
            }
            guard a <= b else { throw fail("empty range: \(a) > \(b)") }
            values = .integer(a, b)
        case "uniform", "loguniform":
            guard let a = Double(bounds[0]), let b = Double(bounds[1]), a.isFinite, b.isFinite else {
                throw fail("\(kind) bounds must be numbers, got '\(spec)'")
            }
            guard a <= b else { throw fail("empty range: \(bounds[0]) > \(bounds[1])") }
            if kind == "loguniform" {
                guard a > 0 else { throw fail("a log range needs bounds greater than 0, got '\(spec)'") }
                values = .logUniform(a, b)
            } else {
                values = .uniform(a, b)
            }
        default:
            throw fail("unknown distribution '\(kind)' (available: uniform, loguniform, int, choice)")
        }
    }

    /// The values a config must accept for the space to be valid: every grid value or choice, and the bounds.
    public var representativeValues: [String] {
        switch values {
        case .grid(let v), .choice(let v): return v
        case .uniform(let a, let b), .logUniform(let a, let b): return [Self.format(a), Self.format(b)]
        case .integer(let a, let b): return [String(a), String(b)]
        }
    }

    /// A value drawn from the distribution (the first grid value for a grid axis).
    func sample(_ random: inout SearchRandom) -> String {
        switch values {
        case .grid(let v): return v[0]
        case .choice(let v): return v[random.index(v.count)]
        case .integer(let a, let b): return String(a + random.index(b - a + 1))
        case .uniform(let a, let b): return Self.format(a + (b - a) * random.unit())
        case .logUniform(let a, let b): return Self.format(exp(log(a) + (log(b) - log(a)) * random.unit()))
        }
    }

    /// A sampled real number with 4 significant digits, as a config value.
    static func format(_ v: Double) -> String {
        let s = String(format: "%.4g", v)
        return s.contains(".") || s.contains("e") ? s : s + ".0"
    }

    /// Splits on commas outside brackets (`[64,32],[128]` is two values), trimming spaces.
    static func split(_ text: String) -> [String] {
        var items: [String] = [], current = "", depth = 0
        for c in text {
            if c == "[" || c == "{" { depth += 1 }
            if c == "]" || c == "}" { depth -= 1 }
            if c == ",", depth == 0 {
                items.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        items.append(current.trimmingCharacters(in: .whitespaces))
        return items == [""] ? [] : items
    }

    private enum CodingKeys: String, CodingKey { case key, spec, grid }

    /// Reads `{key, spec, grid}` as written to `search.json`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            key: c.decode(String.self, forKey: .key), spec: c.decode(String.self, forKey: .spec),
            grid: c.decode(Bool.self, forKey: .grid))
    }

    /// Writes `{key, spec, grid}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(spec, forKey: .spec)
        try c.encode(isGrid, forKey: .grid)
    }
}

/// The seeded generator of a search's samples (SplitMix64: the same trials on every platform).
struct SearchRandom {
    private var state: UInt64

    /// A generator seeded with `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// An index in 0..<n.
    mutating func index(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
