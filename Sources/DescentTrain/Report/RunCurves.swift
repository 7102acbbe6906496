import Descent
import Foundation

/// One metric of several training runs on one plot (the README's comparisons, `descent plot`): per run, the
/// step-interval validations (``History/evaluations``) against the optimizer step when every run has them and
/// the metric is a validation one, else the epoch records against the epoch.
public enum RunCurves {
    /// The plot of `metric` for each `(name, history)`, titled `title`.
    ///
    /// - Throws: ``DescentError`` naming the run whose history has no value of `metric`.
    public static func plot(_ runs: [(name: String, history: History)], metric: MonitoredMetric, title: String)
        throws -> LinePlot
    {
        let validation = metric == .validationLoss || metric == .validationAccuracy
        let bySteps = validation && runs.allSatisfy { !$0.history.evaluations.isEmpty }
        var series: [LinePlot.Series] = []
        for (i, run) in runs.enumerated() {
            let points: [(x: Double, y: Double)]
            if bySteps {
                points = run.history.evaluations.map {
                    (Double($0.step), metric == .validationLoss ? $0.loss : $0.accuracy ?? .nan)
                }
            } else {
                points = run.history.epochs.compactMap { e in e.value(of: metric).map { (Double(e.epoch), $0) } }
            }
            guard points.contains(where: { $0.y.isFinite }) else {
                throw DescentError(.argument, run.name, "its history has no \(metric.rawValue)")
            }
            series.append(
                .init(
                    name: run.name, points: points, style: bySteps ? .line : .lineAndMarkers,
                    color: PlotPalette.color(i)))
        }
        let name = metric.rawValue.replacingOccurrences(of: "_", with: " ")
        return LinePlot(
            title: title, xLabel: bySteps ? "optimizer step" : "epoch",
            yLabel: name.replacingOccurrences(of: "val ", with: "validation "), series: series, width: 720,
            height: 400)
    }
}
