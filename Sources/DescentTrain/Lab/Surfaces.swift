import Descent
import Foundation

/// A 2-D test function with its gradient, its minimum value, a start point and the box its contours show.
public struct LabSurface: Sendable {
    /// Name used by `--function` (`quadratic`, `rosenbrock`, `beale`, `saddle`).
    public var name: String
    /// The formula, for titles and summaries.
    public var formula: String
    /// f(x, y).
    public var value: @Sendable (Double, Double) -> Double
    /// ∇f(x, y).
    public var gradient: @Sendable (Double, Double) -> (Double, Double)
    /// The minimum value f*, so that f − f* measures the gap.
    public var minimum: Double
    /// Where the descent starts.
    public var start: (x: Double, y: Double)
    /// The x extent of the contour plot.
    public var xRange: ClosedRange<Double>
    /// The y extent of the contour plot.
    public var yRange: ClosedRange<Double>
    /// Where f = f* (marked on the plots).
    public var minimizers: [(x: Double, y: Double)] = [(0, 0)]

    /// f = ½(x² + 25y²): condition number 25, minimum 0 at the origin.
    public static let quadratic = LabSurface(
        name: "quadratic", formula: "f = ½(x² + 25y²)", value: { x, y in 0.5 * (x * x + 25 * y * y) },
        gradient: { x, y in (x, 25 * y) }, minimum: 0, start: (-4.5, 1.5), xRange: -5...5, yRange: -2...2)

    /// Rosenbrock's banana f = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1).
    public static let rosenbrock = LabSurface(
        name: "rosenbrock", formula: "f = (1 − x)² + 100(y − x²)²",
        value: { x, y in (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x) },
        gradient: { x, y in (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)) }, minimum: 0,
        start: (-1.2, 1), xRange: -2...2, yRange: -1...3, minimizers: [(1, 1)])

    /// Beale's function f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², minimum 0 at (3, 0.5).
    public static let beale = LabSurface(
        name: "beale", formula: "f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        value: { x, y in
            let a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y
            return a * a + b * b + c * c
        },
        gradient: { x, y in
            let a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y
            return (
                2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1),
                2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y * y
            )
        }, minimum: 0, start: (1, 1), xRange: -1...4, yRange: -1.5...2, minimizers: [(3, 0.5)])

    /// A saddle at the origin between two minima: f = ½x² + ¼y⁴ − ½y², minima −¼ at (0, ±1); the start lies
    /// almost on the saddle's ridge (y = 10⁻³), where the gradient across it is tiny.
    public static let saddle = LabSurface(
        name: "saddle", formula: "f = ½x² + ¼y⁴ − ½y²",
        value: { x, y in 0.5 * x * x + 0.25 * y * y * y * y - 0.5 * y * y },
        gradient: { x, y in (x, y * y * y - y) }, minimum: -0.25, start: (-2.5, 1e-3), xRange: -3...3,
        yRange: -1.6...1.6,
        minimizers: [(0, -1), (0, 1)])

    /// Every surface, in display order.
    public static let all: [LabSurface] = [quadratic, rosenbrock, beale, saddle]

    /// The surface called `name`, or a ``DescentError`` naming `flag`.
    public static func named(_ name: String, flag: String = "--function") throws -> LabSurface {
        guard let s = all.first(where: { $0.name == name }) else {
            throw DescentError(
                .argument, flag, "unknown function \"\(name)\" (choose from \(all.map(\.name).joined(separator: ", ")))"
            )
        }
        return s
    }

    /// Contour lines at log-spaced gaps f − f* between the smallest and largest gap on the grid.
    func contours(count: Int = 14) -> LinePlot.Contours {
        let grid = LinePlot.Contours(xRange: xRange, yRange: yRange, resolution: 200, levels: []) { x, y in
            self.value(x, y) - self.minimum
        }
        let gaps = grid.values.flatMap { $0 }.filter { $0 > 0 && $0.isFinite }
        let low = max(gaps.min() ?? 1e-3, 1e-3), high = gaps.max() ?? 1
        var c = grid
        c.levels = LinePlot.Contours.logLevels(from: low * 4, to: high * 0.8, count: count)
        return c
    }
}

/// One run of an optimizer from a surface's start: the path, the gap f − f* at each step, and when it first
/// came within the tolerance.
struct SurfaceRun {
    var path: [(x: Double, y: Double)]
    var gaps: [Double]
    /// The first step whose gap is below the tolerance, nil if none.
    var stepsToTolerance: Int?
    /// Whether the iterate left every bound (|θ| > 10⁶ or not finite).
    var diverged: Bool

    /// Runs `optimizer` (built over one 2-element parameter) for `steps` steps on `surface`; the gradient is
    /// set analytically inside `step(computingGradients:)`, so look-ahead forms get it at their look-ahead point.
    static func run(
        _ surface: LabSurface, steps: Int, tolerance: Double, stopAtTolerance: Bool = false,
        start: (x: Double, y: Double)? = nil, optimizer make: ([Tensor]) -> any Optimizer
    ) -> SurfaceRun {
        let s = start ?? surface.start
        let p = Tensor([Float(s.x), Float(s.y)]).requiringGrad()
        let optimizer = make([p])
        var run = SurfaceRun(
            path: [s], gaps: [surface.value(s.x, s.y) - surface.minimum], stepsToTolerance: nil, diverged: false)
        if run.gaps[0] < tolerance { run.stepsToTolerance = 0 }
        for k in 1...max(1, steps) {
            optimizer.step {
                let v = p.scalars
                let g = surface.gradient(Double(v[0]), Double(v[1]))
                p.grad = Tensor([Float(g.0), Float(g.1)])
            }
            let v = p.scalars, (x, y) = (Double(v[0]), Double(v[1]))
            guard x.isFinite, y.isFinite, abs(x) < 1e6, abs(y) < 1e6 else {
                run.diverged = true
                break
            }
            run.path.append((x, y))
            let gap = surface.value(x, y) - surface.minimum
            run.gaps.append(gap)
            if run.stepsToTolerance == nil && gap < tolerance {
                run.stepsToTolerance = k
                if stopAtTolerance { break }
            }
        }
        return run
    }

    /// Marker series for the start (black) and the minimizers (vermillion).
    static func landmarks(_ surface: LabSurface) -> [LinePlot.Series] {
        [
            LinePlot.Series(name: "start", points: [surface.start], style: .markers, color: "#000000"),
            LinePlot.Series(name: "minimum", points: surface.minimizers, style: .markers, color: "#D55E00"),
        ]
    }

    /// The path up to (not including) its first point outside the surface's box, thinned to at most `limit`
    /// points (the last kept).
    func visiblePath(in surface: LabSurface, limit: Int = 600) -> [(x: Double, y: Double)] {
        var shown: [(x: Double, y: Double)] = []
        for p in path {
            guard surface.xRange.contains(p.x), surface.yRange.contains(p.y) else { break }
            shown.append(p)
        }
        return LabSeries.thin(shown, limit: limit)
    }
}

/// Helpers for plot series.
enum LabSeries {
    /// At most `limit` of `points`, evenly spaced, always keeping the first and the last.
    static func thin(_ points: [(x: Double, y: Double)], limit: Int) -> [(x: Double, y: Double)] {
        guard points.count > limit, limit > 1 else { return points }
        let stride = Double(points.count - 1) / Double(limit - 1)
        return (0..<limit).map { points[Int((Double($0) * stride).rounded())] }
    }

    /// Per-step values as a thinned (step, value) series.
    static func curve(_ values: [Double], limit: Int = 600, from first: Int = 0) -> [(x: Double, y: Double)] {
        thin(values.enumerated().map { (Double($0.offset + first), $0.element) }, limit: limit)
    }
}
