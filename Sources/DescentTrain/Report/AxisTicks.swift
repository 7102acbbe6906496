import Foundation

/// Tick values and labels for one plot axis, at "nice" numbers (1, 2 or 5 × 10^k), and the range they span.
public struct AxisTicks: Sendable, Equatable {
    /// The range the axis shows: from the first tick to the last, which enclose the data.
    public let domain: ClosedRange<Double>
    /// Tick values, increasing.
    public let values: [Double]
    /// One label per tick (`0.2`, `1.0`, `5e-6`: decimals fit the step, large and tiny numbers in e-notation).
    public let labels: [String]

    /// Evenly spaced ticks enclosing `lo...hi` in about `target` steps; `integers` keeps the step at least 1.
    public static func linear(_ lo: Double, _ hi: Double, target: Int = 5, integers: Bool = false) -> AxisTicks {
        var (lo, hi) = lo.isFinite && hi.isFinite ? (Swift.min(lo, hi), Swift.max(lo, hi)) : (0, 1)
        if hi - lo <= Swift.max(Swift.abs(lo), Swift.abs(hi)) * 1e-9 {  // one value: widen around it
            let pad = lo == 0 ? 1 : Swift.abs(lo) * 0.1
            (lo, hi) = (lo - pad, hi + pad)
        }
        let raw = (hi - lo) / Double(Swift.max(target, 1))
        var k = Int(log10(raw).rounded(.down))
        var m = [1, 2, 5, 10].first { Double($0) * power10(k) >= raw * (1 - 1e-9) } ?? 10
        if m == 10 { (m, k) = (1, k + 1) }
        if integers && k < 0 { (m, k) = (1, 0) }
        let step = Double(m) * power10(k)
        let first = Int((lo / step + 1e-9).rounded(.down)), last = Int((hi / step - 1e-9).rounded(.up))
        let multiples = (first...Swift.max(first, last)).map { $0 * m }
        let values = multiples.map { value($0, exponent: k) }
        let scientific = k <= -5 || values.contains { Swift.abs($0) >= 1e6 }
        let labels = multiples.map {
            scientific ? exponential($0, exponent: k) : decimal($0, exponent: k, decimals: Swift.max(0, -k))
        }
        return AxisTicks(domain: values[0]...values[values.count - 1], values: values, labels: labels)
    }

    /// Ticks for a logarithmic axis enclosing `lo...hi` (both > 0): 1, 2 and 5 × 10^k, or only powers of ten
    /// (every n-th one) when that would make more than `maxCount` ticks.
    public static func logarithmic(_ lo: Double, _ hi: Double, maxCount: Int = 10) -> AxisTicks {
        let (lo, hi) = lo > 0 && hi > 0 && lo.isFinite && hi.isFinite ? (Swift.min(lo, hi), Swift.max(lo, hi)) : (1, 10)
        var (a, b) = (gridIndex(atOrBelow: lo), gridIndex(atOrAbove: hi))
        if a == b { (a, b) = (a - 1, b + 1) }
        var indices = Array(a...b)
        if indices.count > maxCount {
            let decades = indices.filter { floorMod($0, 3) == 0 }
            let stride = (decades.count + Swift.max(maxCount, 1) - 1) / Swift.max(maxCount, 1)
            indices = decades.filter { floorMod($0 / 3, stride) == 0 }
        }
        let labels = indices.map { g -> String in
            let (n, k) = gridNumber(g)
            return k <= -5 || k >= 6 ? exponential(n, exponent: k) : decimal(n, exponent: k, decimals: Swift.max(0, -k))
        }
        return AxisTicks(domain: gridValue(a)...gridValue(b), values: indices.map(gridValue), labels: labels)
    }

    // MARK: exact decimal arithmetic on n × 10^k

    /// 10^k, exact where a double can hold it.
    static func power10(_ k: Int) -> Double {
        if Swift.abs(k) > 22 { return pow(10, Double(k)) }
        var p = 1.0
        for _ in 0..<Swift.abs(k) { p *= 10 }
        return k < 0 ? 1 / p : p
    }

    /// The double nearest to n × 10^k.
    static func value(_ n: Int, exponent k: Int) -> Double {
        k >= 0 ? Double(n) * power10(k) : Double(n) / power10(-k)
    }

    /// n × 10^k written with `decimals` digits after the point (at least −k).
    static func decimal(_ n: Int, exponent k: Int, decimals: Int) -> String {
        let fraction = Swift.max(0, -k)
        var digits = n == 0 ? "0" : String(n.magnitude) + String(repeating: "0", count: Swift.max(0, k))
        if digits.count <= fraction { digits = String(repeating: "0", count: fraction + 1 - digits.count) + digits }
        let whole = digits.dropLast(fraction)
        let rest = digits.suffix(fraction) + String(repeating: "0", count: Swift.max(0, decimals - fraction))
        return (n < 0 ? "-" : "") + whole + (rest.isEmpty ? "" : "." + rest)
    }

    /// n × 10^k in e-notation (`2.5e-6`).
    static func exponential(_ n: Int, exponent k: Int) -> String {
        guard n != 0 else { return "0" }
        var (n, k) = (n, k)
        while n % 10 == 0 { (n, k) = (n / 10, k + 1) }
        let digits = String(n.magnitude)
        let mantissa = String(digits.prefix(1)) + (digits.count > 1 ? "." + digits.dropFirst() : "")
        return (n < 0 ? "-" : "") + mantissa + "e" + String(k + digits.count - 1)
    }

    // MARK: the 1-2-5 grid: index 3k + j stands for [1, 2, 5][j] × 10^k

    private static func floorMod(_ a: Int, _ b: Int) -> Int { ((a % b) + b) % b }
    private static func gridNumber(_ g: Int) -> (n: Int, k: Int) {
        let j = floorMod(g, 3)
        return ([1, 2, 5][j], (g - j) / 3)
    }
    private static func gridValue(_ g: Int) -> Double { let (n, k) = gridNumber(g); return value(n, exponent: k) }
    private static func gridIndex(atOrBelow v: Double) -> Int {
        var g = 3 * Int(log10(v).rounded(.down))
        while gridValue(g) > v * (1 + 1e-9) { g -= 1 }
        while gridValue(g + 1) <= v * (1 + 1e-9) { g += 1 }
        return g
    }
    private static func gridIndex(atOrAbove v: Double) -> Int {
        var g = 3 * Int(log10(v).rounded(.down))
        while gridValue(g) < v * (1 - 1e-9) { g += 1 }
        while gridValue(g - 1) >= v * (1 - 1e-9) { g -= 1 }
        return g
    }
}
