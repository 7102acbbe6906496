import Descent
import Foundation

/// `descent lab lr`: plain gradient descent (Descent's ``SGD``, no momentum) on the convex quadratic
/// f = ½(x² + 4y²) with several learning rates. On a quadratic with largest curvature L, GD converges iff
/// lr < 2/L (here 0.5): a small rate crawls, a rate near 1/L converges fast, a rate just under 2/L overshoots
/// (zig-zags) yet converges, and a rate above 2/L diverges.
public struct LearningRateLab: Sendable {
    /// The convex loss: f = ½(x² + 4y²), curvatures 1 and 4 (L = 4, so GD is stable for lr < 0.5).
    public static let surface = LabSurface(
        name: "bowl", formula: "f = ½(x² + 4y²)", value: { x, y in 0.5 * (x * x + 4 * y * y) },
        gradient: { x, y in (x, 4 * y) }, minimum: 0, start: (-4, 2.5), xRange: -5...5, yRange: -4...4)
    /// The largest curvature of ``surface``.
    public static let largestCurvature = 4.0

    /// The learning rates compared, smallest first.
    public var rates: [Double]
    /// Gradient steps per rate.
    public var steps: Int
    /// The loss below which a run counts as converged.
    public var tolerance: Double

    /// The default comparison: 0.02 (too small), 0.25 (good, 1/L), 0.45 (overshoots), 0.52 (too large) for 80 steps.
    public init(rates: [Double] = [0.02, 0.25, 0.45, 0.52], steps: Int = 80, tolerance: Double = 1e-6) {
        (self.rates, self.steps, self.tolerance) = (rates, steps, tolerance)
    }

    /// One rate's outcome.
    public struct Outcome: Sendable {
        /// The learning rate.
        public var lr: Double
        /// The loss at every step (step 0 is the start).
        public var losses: [Double]
        /// The first step whose loss is below the tolerance, if any.
        public var stepsToTolerance: Int?
        /// How many times the y coordinate changed sign (overshooting the valley floor).
        public var signChanges: Int
        /// The last loss is above the first (the run diverged).
        public var diverged: Bool { !(losses.last! <= losses[0]) }
        /// The verdict in words, from the numbers.
        public var verdict: String {
            if diverged { return "diverges" }
            if stepsToTolerance == nil { return "too slow: not at the tolerance" }
            return signChanges > 2 ? "overshoots (zig-zags) but converges" : "converges"
        }
    }

    /// Runs gradient descent at each rate.
    public func outcomes() -> [(Outcome, SurfaceRunPath)] {
        rates.map { lr in
            let run = SurfaceRun.run(Self.surface, steps: steps, tolerance: tolerance) { SGD($0, lr: lr) }
            var losses = run.gaps
            if run.diverged { losses.append(.infinity) }
            let ys = run.path.map(\.y)
            let changes = zip(ys, ys.dropFirst()).filter { $0 * $1 < 0 }.count
            return (
                Outcome(lr: lr, losses: losses, stepsToTolerance: run.stepsToTolerance, signChanges: changes),
                SurfaceRunPath(points: run.visiblePath(in: Self.surface))
            )
        }
    }

    /// Runs the comparison and draws loss against step (log axis) and the paths over the contour lines.
    public func run(_ options: LabOptions) -> LabResult {
        let results = outcomes()
        let s = Self.surface
        let names = results.map { "lr = \(LabMath.short($0.0.lr))" }
        var loss = LinePlot(
            title: "Gradient descent on \(s.formula): loss against step", xLabel: "step",
            yLabel: "loss f(θ) (log scale)", yScale: .logarithmic, width: 720, height: 420)
        loss.series = zip(names, results).map { name, r in
            LinePlot.Series(name: name, points: LabSeries.curve(r.0.losses.filter(\.isFinite)), style: .line)
        }
        var paths = LinePlot(
            title: "Paths over the contours of \(s.formula) ", xLabel: "x", yLabel: "y",
            width: 720, height: 560)
        paths.contours = s.contours(count: 12)
        paths.series =
            zip(names, results).map { name, r in
                LinePlot.Series(name: name, points: r.1.points, style: .lineAndMarkers)
            } + SurfaceRun.landmarks(s)
        var text = "descent lab lr: gradient descent (SGD, no momentum) on \(s.formula) from "
        text +=
            "(\(LabMath.short(s.start.x)), \(LabMath.short(s.start.y))), \(steps) steps, tolerance \(LabMath.format(tolerance)).\n"
        text +=
            "Largest curvature L = \(LabMath.short(Self.largestCurvature)): GD is stable for lr < 2/L = \(LabMath.short(2 / Self.largestCurvature)).\n\n"
        for r in results.map(\.0) {
            let reached =
                r.stepsToTolerance.map { "reaches the tolerance at step \($0)" } ?? "does not reach the tolerance"
            let final = r.losses.last!.isFinite ? LabMath.format(r.losses.last!) : "non-finite"
            text += "lr = \(LabMath.short(r.lr)): \(r.verdict); \(reached); final loss \(final); "
            text += "y changes sign \(r.signChanges) times.\n"
        }
        if let best = results.map(\.0).filter({ $0.stepsToTolerance != nil }).min(by: {
            $0.stepsToTolerance! < $1.stepsToTolerance!
        }) {
            text += "\nFastest: lr = \(LabMath.short(best.lr)) (\(best.stepsToTolerance!) steps).\n"
        }
        let csv =
            "lr,steps_to_tolerance,final_loss,sign_changes,verdict\n"
            + results.map(\.0).map {
                "\($0.lr),\($0.stepsToTolerance.map(String.init) ?? ""),\($0.losses.last!),\($0.signChanges),\($0.verdict)"
            }.joined(separator: "\n") + "\n"
        return LabResult(
            experiment: .lr, plots: [("loss", loss), ("paths", paths)], summary: text, files: [("lr.csv", csv)])
    }
}

/// The drawable part of a path (inside the contour box).
public struct SurfaceRunPath: Sendable {
    /// The points, start first.
    public var points: [(x: Double, y: Double)]
}

extension LabMath {
    /// A short decimal for rates and coordinates (`0.25`, `1e-3` → `0.001`).
    static func short(_ v: Double) -> String {
        var s = String(format: "%.4g", v)
        if s.contains("e") { return s }
        if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
        return s
    }
}
