import Descent
import Foundation

/// The optimizers `descent lab optimizers` compares, each one of Descent's optimizer classes.
public enum LabOptimizer: String, CaseIterable, Sendable {
    /// ``SGD`` without momentum: θ ← θ − lr·∇f.
    case gd
    /// ``SGD`` with momentum μ = 0.9: b ← μb + ∇f, θ ← θ − lr·b.
    case momentum
    /// ``SGD`` with `nesterov: true` (PyTorch's form: the parameter is the look-ahead point).
    case nesterov
    /// ``LookAheadNesterov``: v ← μv − lr·∇f(θ + μv), θ ← θ + v (the notes' form).
    case nesterovLookAhead = "nesterov-lookahead"
    /// ``RMSprop`` (α = 0.99).
    case rmsprop
    /// ``Adam`` (β = 0.9, 0.999).
    case adam
    /// ``AdamW`` (decoupled weight decay 0.01, which pulls the solution towards 0).
    case adamw

    /// The optimizer named `name`, or a ``DescentError`` naming `--optimizers`.
    public static func named(_ name: String) throws -> LabOptimizer {
        guard let o = LabOptimizer(rawValue: name) else {
            throw DescentError(
                .argument, "--optimizers",
                "unknown optimizer \"\(name)\" (choose from \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return o
    }

    /// Whether the rate is of the gradient-scale family (GD, momentum, Nesterov) rather than adaptive.
    var adaptive: Bool { self == .rmsprop || self == .adam || self == .adamw }

    /// Builds the optimizer over `parameters` with learning rate `lr`.
    func make(_ parameters: [Tensor], lr: Double) -> any Optimizer {
        switch self {
        case .gd: SGD(parameters, lr: lr)
        case .momentum: SGD(parameters, lr: lr, momentum: 0.9)
        case .nesterov: SGD(parameters, lr: lr, momentum: 0.9, nesterov: true)
        case .nesterovLookAhead: LookAheadNesterov(parameters, lr: lr, momentum: 0.9)
        case .rmsprop: RMSprop(parameters, lr: lr)
        case .adam: Adam(parameters, lr: lr)
        case .adamw: AdamW(parameters, lr: lr)
        }
    }
}

/// `descent lab optimizers`: the paths of several optimizers over 2-D test functions, and the steps each needs
/// to bring f − f* under a tolerance. Each function has one learning rate for the gradient-scale methods (GD,
/// momentum, Nesterov) and one for the adaptive ones (RMSprop, Adam, AdamW), chosen once for the function so
/// that plain GD is stable; the comparison is at equal rates, not each optimizer tuned.
public struct OptimizerLab: Sendable {
    /// The optimizers compared.
    public var optimizers: [LabOptimizer]
    /// The test functions.
    public var surfaces: [LabSurface]
    /// Most steps per run.
    public var steps: Int
    /// The gap f − f* that counts as reached.
    public var tolerance: Double

    /// All optimizers on all functions, 3000 steps, tolerance 1e-4.
    public init(
        optimizers: [LabOptimizer] = LabOptimizer.allCases, surfaces: [LabSurface] = LabSurface.all,
        steps: Int = 3000, tolerance: Double = 1e-4
    ) {
        (self.optimizers, self.surfaces, self.steps, self.tolerance) = (optimizers, surfaces, steps, tolerance)
    }

    /// The learning rates used on `surface`: (gradient-scale methods, adaptive methods).
    public static func rates(for surface: LabSurface) -> (plain: Double, adaptive: Double) {
        switch surface.name {
        case "quadratic": (0.04, 0.1)
        case "rosenbrock": (1e-3, 0.02)
        case "beale": (0.005, 0.02)
        case "saddle": (0.1, 0.05)
        default: (0.01, 0.01)
        }
    }

    /// Runs every optimizer on `surface`.
    func runs(on surface: LabSurface, steps: Int) -> [(LabOptimizer, SurfaceRun)] {
        let r = Self.rates(for: surface)
        return optimizers.map { o in
            (
                o,
                SurfaceRun.run(surface, steps: steps, tolerance: tolerance) {
                    o.make($0, lr: o.adaptive ? r.adaptive : r.plain)
                }
            )
        }
    }

    /// Steps to the tolerance of each optimizer on each surface (nil: not reached within the steps).
    public func stepsToTolerance(steps: Int? = nil) -> [String: [LabOptimizer: Int?]] {
        var table: [String: [LabOptimizer: Int?]] = [:]
        for s in surfaces {
            table[s.name] = Dictionary(
                uniqueKeysWithValues: runs(on: s, steps: steps ?? self.steps).map { ($0.0, $0.1.stepsToTolerance) })
        }
        return table
    }

    /// Runs everything (quick: at most 1000 steps) and draws, per function, the paths over the contours and f − f* against step.
    public func run(_ options: LabOptions) throws -> LabResult {
        let steps = options.quick ? min(self.steps, 1000) : self.steps
        var plots: [(name: String, plot: LinePlot)] = []
        var text = "descent lab optimizers: \(optimizers.map(\.rawValue).joined(separator: ", ")); "
        text += "at most \(steps) steps; tolerance f − f* < \(LabMath.format(tolerance)).\n"
        var csv = "function,optimizer,lr,steps_to_tolerance,final_gap,diverged\n"
        for s in surfaces {
            let r = Self.rates(for: s), results = runs(on: s, steps: steps)
            var paths = LinePlot(
                title: "\(s.name): \(s.formula), start (\(LabMath.short(s.start.x)), \(LabMath.short(s.start.y)))",
                xLabel: "x", yLabel: "y", width: 760, height: 580)
            paths.contours = s.contours()
            paths.series =
                results.map { o, run in
                    var line = LinePlot.Series(name: o.rawValue, points: run.visiblePath(in: s), style: .line)
                    line.dashed = o == .nesterovLookAhead || o == .adamw
                    return line
                } + SurfaceRun.landmarks(s)
            var gaps = LinePlot(
                title:
                    "\(s.name): f − f* against step (lr \(LabMath.short(r.plain)) plain, \(LabMath.short(r.adaptive)) adaptive)",
                xLabel: "step", yLabel: "f − f* (log scale)", yScale: .logarithmic, width: 760, height: 420)
            gaps.series = results.map { o, run in
                var line = LinePlot.Series(
                    name: o.rawValue, points: LabSeries.curve(run.gaps.map { max($0, 1e-12) }), style: .line)
                line.dashed = o == .nesterovLookAhead || o == .adamw
                return line
            }
            plots += [("\(s.name)-paths", paths), ("\(s.name)-loss", gaps)]
            text += "\n\(s.name) (\(s.formula)); lr \(LabMath.short(r.plain)) for GD/momentum/Nesterov, "
            text += "\(LabMath.short(r.adaptive)) for RMSprop/Adam/AdamW:\n"
            for (o, run) in results {
                let lr = o.adaptive ? r.adaptive : r.plain
                let reached = run.stepsToTolerance.map { "\($0) steps" } ?? (run.diverged ? "diverged" : "not reached")
                let last = run.gaps.last ?? .nan
                let end = run.path.last!
                text +=
                    "  \(o.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)) \(reached.padding(toLength: 12, withPad: " ", startingAt: 0))"
                text +=
                    " final f − f* \(LabMath.format(last)) at (\(LabMath.format(abs(end.x) < 1e-9 ? 0 : end.x)), \(LabMath.format(abs(end.y) < 1e-9 ? 0 : end.y)))\n"
                csv +=
                    "\(s.name),\(o.rawValue),\(lr),\(run.stepsToTolerance.map(String.init) ?? ""),\(last),\(run.diverged)\n"
            }
            let reached = results.filter { $0.1.stepsToTolerance != nil }
            if let best = reached.min(by: { $0.1.stepsToTolerance! < $1.1.stepsToTolerance! }) {
                text += "  fastest: \(best.0.rawValue) (\(best.1.stepsToTolerance!) steps)"
                if let gd = results.first(where: { $0.0 == .gd })?.1 {
                    text += gd.stepsToTolerance.map { "; plain GD: \($0) steps\n" } ?? "; plain GD did not reach it\n"
                } else {
                    text += "\n"
                }
            } else {
                text += "  none reached the tolerance\n"
            }
        }
        return LabResult(experiment: .optimizers, plots: plots, summary: text, files: [("steps.csv", csv)])
    }
}
