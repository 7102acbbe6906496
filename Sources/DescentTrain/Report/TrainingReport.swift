import Descent
import Foundation

/// A training run's report: one self-contained `report.html` (inline CSS and SVG, no scripts, nothing
/// fetched) with the run's facts, final metrics, loss/accuracy/learning-rate curves, the confusion matrix and
/// the configuration, plus the plots as separate SVG files.
///
/// ```swift
/// let report = TrainingReport(title: "W3 CNN on shapes", history: history, test: test,
///                             facts: [("dataset", "shapes"), ("seed", "0")], config: yaml)
/// try report.write(to: URL(fileURLWithPath: "runs/latest"))
/// ```
public struct TrainingReport: Sendable {
    /// Heading of the report.
    public var title: String
    /// The epochs (and step-interval validations) of the run.
    public var history: History
    /// The final evaluation on held-out test data, if one was run.
    public var test: Evaluation?
    /// Facts about the run, in display order (dataset, model, parameters, optimizer, seed, wall time…).
    public var facts: [(name: String, value: String)]
    /// The run's configuration text, shown verbatim.
    public var config: String?
    /// Class names for the per-class table and the confusion matrix (default `0…n−1`).
    public var classNames: [String]?
    /// Optimizer steps per epoch, to place step-interval validations on the epoch axis; nil estimates it
    /// from the logged (step, epoch) pairs.
    public var stepsPerEpoch: Int?

    /// A report of `history`, with an optional test evaluation, facts and configuration text.
    public init(
        title: String, history: History, test: Evaluation? = nil, facts: [(name: String, value: String)] = [],
        config: String? = nil, classNames: [String]? = nil, stepsPerEpoch: Int? = nil
    ) {
        (self.title, self.history, self.test, self.facts) = (title, history, test, facts)
        (self.config, self.classNames, self.stepsPerEpoch) = (config, classNames, stepsPerEpoch)
    }

    // MARK: plots

    private var epochs: [Double] { history.epochs.map { Double($0.epoch) } }

    /// Step-interval validations on the epoch axis: step / steps per epoch.
    private var evaluationEpochs: [Double] {
        let evaluations = history.evaluations
        let perEpoch =
            stepsPerEpoch ?? evaluations.map { ($0.step + max($0.epoch, 1) - 1) / max($0.epoch, 1) }.max() ?? 1
        return evaluations.map { Double($0.step) / Double(max(perEpoch, 1)) }
    }

    /// Dashed lines at the restored epoch and at the epoch of the best validation loss.
    private var epochMarkers: [LinePlot.VerticalLine] {
        var lines: [LinePlot.VerticalLine] = []
        if let restored = history.restoredEpoch {
            lines.append(.init(x: Double(restored), label: "restored (epoch \(restored))"))
        }
        let validated = history.epochs.filter { $0.validationLoss?.isFinite == true }
        if let best = validated.min(by: { $0.validationLoss! < $1.validationLoss! }),
            best.epoch != history.restoredEpoch
        {
            lines.append(.init(x: Double(best.epoch), label: "best validation loss (epoch \(best.epoch))"))
        }
        return lines
    }

    /// Logarithmic when all values are positive and span more than a factor of 20.
    private static func scale(for values: [Double]) -> LinePlot.Scale {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max(), lo > 0 else { return .linear }
        return hi / lo > 20 ? .logarithmic : .linear
    }

    /// Training and validation loss per epoch, with the step-interval validations as points.
    public var lossPlot: LinePlot {
        let e = history.epochs
        var series = [LinePlot.Series(name: "training", x: epochs, y: e.map(\.trainLoss), style: .lineAndMarkers)]
        if e.contains(where: { $0.validationLoss != nil }) {
            series.append(
                .init(name: "validation", x: epochs, y: e.map { $0.validationLoss ?? .nan }, style: .lineAndMarkers))
        }
        if !history.evaluations.isEmpty {
            series.append(
                .init(
                    name: "validation (every N steps)", x: evaluationEpochs, y: history.evaluations.map(\.loss),
                    style: .markers))
        }
        let all = series.flatMap { $0.points.map(\.y) }
        return LinePlot(
            title: "Loss", xLabel: "epoch", yLabel: "loss", series: series, yScale: Self.scale(for: all),
            verticalLines: epochMarkers)
    }

    /// Training and validation accuracy per epoch (nil when no accuracy was measured).
    public var accuracyPlot: LinePlot? {
        let e = history.epochs
        var series: [LinePlot.Series] = []
        if e.contains(where: { $0.trainAccuracy != nil }) {
            series.append(
                .init(name: "training", x: epochs, y: e.map { $0.trainAccuracy ?? .nan }, style: .lineAndMarkers))
        }
        if e.contains(where: { $0.validationAccuracy != nil }) {
            series.append(
                .init(
                    name: "validation", x: epochs, y: e.map { $0.validationAccuracy ?? .nan }, style: .lineAndMarkers,
                    color: PlotPalette.color(1)))
        }
        if history.evaluations.contains(where: { $0.accuracy != nil }) {
            series.append(
                .init(
                    name: "validation (every N steps)", x: evaluationEpochs,
                    y: history.evaluations.map { $0.accuracy ?? .nan }, style: .markers, color: PlotPalette.color(2)))
        }
        guard !series.isEmpty else { return nil }
        return LinePlot(
            title: "Accuracy", xLabel: "epoch", yLabel: "accuracy", series: series, verticalLines: epochMarkers)
    }

    /// The learning rate at the end of each epoch (and at each step-interval validation).
    public var learningRatePlot: LinePlot {
        var series = [
            LinePlot.Series(
                name: "end of epoch", x: epochs, y: history.epochs.map(\.learningRate), style: .lineAndMarkers)
        ]
        if !history.evaluations.isEmpty {
            series.append(
                .init(
                    name: "at validations", x: evaluationEpochs, y: history.evaluations.map(\.learningRate),
                    style: .markers))
        }
        return LinePlot(
            title: "Learning rate", xLabel: "epoch", yLabel: "learning rate", series: series,
            yScale: Self.scale(for: series.flatMap { $0.points.map(\.y) }))
    }

    /// The test confusion matrix (nil without a classification test evaluation).
    public var confusionMatrixPlot: ConfusionMatrixPlot? {
        guard let c = test?.classification else { return nil }
        return ConfusionMatrixPlot(c.confusion, classNames: names(c.classes), title: "Confusion matrix (test)")
    }

    private func names(_ count: Int) -> [String] {
        classNames?.count == count ? classNames! : (0..<count).map(String.init)
    }

    // MARK: output

    /// The SVG files written beside `report.html`: `loss.svg`, `accuracy.svg` (when accuracies exist),
    /// `learning_rate.svg` and `confusion_matrix.svg` (when the test evaluation has one).
    private var svgFiles: [(name: String, svg: String)] {
        var files = [("loss.svg", lossPlot.svg())]
        if let a = accuracyPlot { files.append(("accuracy.svg", a.svg())) }
        files.append(("learning_rate.svg", learningRatePlot.svg()))
        if let c = confusionMatrixPlot { files.append(("confusion_matrix.svg", c.svg())) }
        return files
    }

    /// Writes `report.html` and the plots as SVG files into `directory` (created if missing), each atomically.
    ///
    /// - Throws: ``DescentError`` of kind `.file` naming the file that could not be written.
    public func write(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DescentError(
                .file, directory.path, "cannot create the report directory: \(error.localizedDescription)")
        }
        for (name, text) in svgFiles + [("report.html", html())] {
            let url = directory.appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw DescentError(.file, url.path, "cannot write the report: \(error.localizedDescription)")
            }
        }
    }

    /// The report as one self-contained HTML page.
    public func html() -> String {
        let esc = Markup.escape
        var h = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(esc(title))</title>
            <style>
            body { font-family: sans-serif; color: #222; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
            pre { background: #f5f5f5; padding: 1em; overflow: auto; }
            .note { border-left: 4px solid #E69F00; background: #fff8e6; padding: 0.5em 1em; }
            </style>
            </head>
            <body>
            <h1>\(esc(title))</h1>

            """
        h += "<section id=\"facts\">\n<h2>Run</h2>\n<table>\n"
        for fact in facts { h += "<tr><th>\(esc(fact.name))</th><td>\(esc(fact.value))</td></tr>\n" }
        h += "</table>\n</section>\n" + metricsSection() + trainingSection()
        if let c = confusionMatrixPlot {
            h +=
                "<section id=\"confusion-matrix\">\n<h2>Confusion matrix</h2>\n<figure>\n\(c.svg(standalone: false))</figure>\n</section>\n"
        }
        if let config {
            h += "<section id=\"config\">\n<h2>Configuration</h2>\n<pre>\(esc(config))</pre>\n</section>\n"
        }
        return h + "</body>\n</html>\n"
    }

    private func row(_ name: String, _ value: String) -> String {
        "<tr><th>\(Markup.escape(name))</th><td class=\"n\">\(value)</td></tr>\n"
    }

    private func metricsSection() -> String {
        let f = { Markup.metric($0) }
        var h = "<section id=\"metrics\">\n<h2>Final metrics</h2>\n<table>\n"
        if let test {
            h += row("test loss", f(test.loss))
            if let c = test.classification {
                h += row("test accuracy", f(c.accuracy)) + row("test top-\(c.topK) accuracy", f(c.topKAccuracy))
            }
            if let r = test.regression {
                h += row("test MAE", f(r.mae)) + row("test RMSE", f(r.rmse)) + row("test R²", f(r.r2))
            }
            for (name, value) in test.metrics.sorted(by: { $0.key < $1.key }) {
                h += row("test \(name.replacingOccurrences(of: "_", with: " "))", f(value))
            }
            if let s = test.sequence {
                h += row("test perplexity", f(s.perplexity)) + row("test token accuracy", f(s.accuracy))
                h += row("test tokens", "\(s.tokens)")
            }
        }
        if let last = history.epochs.last {
            h += row("training loss (epoch \(last.epoch))", f(last.trainLoss))
            if let a = last.trainAccuracy { h += row("training accuracy (epoch \(last.epoch))", f(a)) }
            if let v = last.validationLoss { h += row("validation loss (epoch \(last.epoch))", f(v)) }
            if let a = last.validationAccuracy { h += row("validation accuracy (epoch \(last.epoch))", f(a)) }
            for (name, value) in (last.validationMetrics ?? [:]).sorted(by: { $0.key < $1.key }) {
                h += row("validation \(name.replacingOccurrences(of: "_", with: " ")) (epoch \(last.epoch))", f(value))
            }
            if let p = last.validationPerplexity { h += row("validation perplexity (epoch \(last.epoch))", f(p)) }
        }
        if let restored = history.restoredEpoch, restored != history.epochs.last?.epoch,
            let log = history.epochs.first(where: { $0.epoch == restored })
        {
            if let v = log.validationLoss { h += row("validation loss (restored epoch \(restored))", f(v)) }
            if let a = log.validationAccuracy { h += row("validation accuracy (restored epoch \(restored))", f(a)) }
        }
        h += "</table>\n"
        if test == nil { h += "<p>No test evaluation was run.</p>\n" }
        if let c = test?.classification {
            let (names, precision, recall, f1) = (names(c.classes), c.precision, c.recall, c.f1)
            h +=
                "<table class=\"per-class\">\n<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n"
            for k in 0..<c.classes {
                h +=
                    "<tr><td>\(Markup.escape(names[k]))</td><td class=\"n\">\(f(precision[k]))</td><td class=\"n\">\(f(recall[k]))</td>"
                    + "<td class=\"n\">\(f(f1[k]))</td><td class=\"n\">\(c.confusion[k].reduce(0, +))</td></tr>\n"
            }
            h += "</table>\n"
        }
        return h + "</section>\n"
    }

    private func trainingSection() -> String {
        let e = history.epochs
        var h = "<section id=\"training\">\n<h2>Training</h2>\n<p>\(e.count) epoch\(e.count == 1 ? "" : "s")"
        let seconds = e.map(\.seconds).reduce(0, +)
        if seconds > 0 {
            let samples = e.map { $0.seconds * $0.samplesPerSecond }.reduce(0, +)
            h +=
                " in \(Markup.metric(seconds, digits: 1)) s of training, \(Markup.metric(samples / seconds, digits: 0)) samples/s"
        }
        h += ".</p>\n"
        if let reason = history.stoppedEarly {
            h += "<p class=\"note\">Stopped before the last epoch: \(Markup.escape(reason)).</p>\n"
        }
        if let restored = history.restoredEpoch {
            h += "<p class=\"note\">The final weights are those of epoch \(restored) (best weights restored).</p>\n"
        }
        h += "<figure id=\"loss\">\n\(lossPlot.svg(standalone: false))</figure>\n"
        if let a = accuracyPlot { h += "<figure id=\"accuracy\">\n\(a.svg(standalone: false))</figure>\n" }
        h += "<figure id=\"learning-rate\">\n\(learningRatePlot.svg(standalone: false))</figure>\n"
        h +=
            "<table class=\"epochs\">\n<tr><th>epoch</th><th>training loss</th><th>training accuracy</th><th>validation loss</th>"
            + "<th>validation accuracy</th><th>learning rate</th><th>seconds</th><th>samples/s</th></tr>\n"
        for log in e {
            let cells = [
                Markup.metric(log.trainLoss), Markup.metric(log.trainAccuracy), Markup.metric(log.validationLoss),
                Markup.metric(log.validationAccuracy), Self.rate(log.learningRate),
                Markup.metric(log.seconds, digits: 2), Markup.metric(log.samplesPerSecond, digits: 0),
            ]
            h +=
                "<tr><td class=\"n\">\(log.epoch)</td>" + cells.map { "<td class=\"n\">\($0)</td>" }.joined()
                + "</tr>\n"
        }
        return h + "</table>\n</section>\n"
    }

    /// A learning rate with four significant digits (`0.001`, `3.162e-5`).
    private static func rate(_ lr: Double) -> String {
        guard lr.isFinite, lr != 0 else { return Markup.metric(lr) }
        let k = Int(log10(Swift.abs(lr)).rounded(.down)) - 3
        let n = Int((lr / AxisTicks.power10(k)).rounded())
        return k <= -8 || k >= 3
            ? AxisTicks.exponential(n, exponent: k)
            : Self.trimmed(AxisTicks.decimal(n, exponent: k, decimals: max(0, -k)))
    }

    private static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var s = Substring(s)
        while s.hasSuffix("0") { s = s.dropLast() }
        if s.hasSuffix(".") { s = s.dropLast() }
        return String(s)
    }
}
