import Descent
import Foundation

/// A GAN run's `report.html`: self-contained (inline CSS, SVG and the sample grids as PNG data), with the final
/// figures, the loss curves (`L_D`, `L_G` against steps), the discriminator's outputs (`D(x)`, `D(G(z))`), a
/// table of the epochs, each epoch's fixed-noise grid and the configuration; the two plots are also written as
/// `losses.svg` and `discriminator.svg`.
public struct GANReport {
    /// Heading.
    public var title: String
    /// Per-epoch means.
    public var history: [GANEpochLog]
    /// Step figures.
    public var trace: [GANTracePoint]
    /// The final figures.
    public var metrics: GANMetrics
    /// The configuration text, shown verbatim.
    public var config: String

    /// A report of a run.
    public init(title: String, history: [GANEpochLog], trace: [GANTracePoint], metrics: GANMetrics, config: String) {
        (self.title, self.history, self.trace, self.metrics, self.config) = (title, history, trace, metrics, config)
    }

    /// The curves against steps (the trace; the epoch means at their last step when no trace was kept).
    private var points: [GANTracePoint] {
        if !trace.isEmpty { return trace }
        var step = 0
        return history.map { e in
            step += e.steps
            return GANTracePoint(step: step, lossD: e.lossD, lossG: e.lossG, dReal: e.dReal, dFake: e.dFake)
        }
    }

    /// `L_D` and `L_G` against steps.
    public var lossPlot: LinePlot {
        let p = points, x = p.map { Double($0.step) }
        return LinePlot(
            title: "Losses", xLabel: "step", yLabel: "BCE with logits",
            series: [.init(name: "L_D", x: x, y: p.map(\.lossD)), .init(name: "L_G", x: x, y: p.map(\.lossG))])
    }

    /// Mean `σ(D(x))` and `σ(D(G(z)))` against steps.
    public var discriminatorPlot: LinePlot {
        let p = points, x = p.map { Double($0.step) }
        return LinePlot(
            title: "Discriminator outputs", xLabel: "step", yLabel: "mean σ(D)",
            series: [.init(name: "D(x)", x: x, y: p.map(\.dReal)), .init(name: "D(G(z))", x: x, y: p.map(\.dFake))])
    }

    /// The HTML, with the grids read from `samples/epoch-NNN.png` under `folder`.
    public func html(folder: URL) -> String {
        var h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(Markup.escape(title))</title>\n"
        h += "<style>body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}"
        h += "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}pre{background:#f6f6f6;padding:1em}"
        h += "figure{display:inline-block;margin:0.5em}</style></head><body>\n<h1>\(Markup.escape(title))</h1>\n"
        h += "<p>\(Markup.escape(metrics.summary))</p>\n"
        h += lossPlot.svg(standalone: false) + "\n" + discriminatorPlot.svg(standalone: false) + "\n"
        h += "<h2>Epochs</h2>\n<table><tr><th>epoch</th><th>steps</th><th>L_D</th><th>L_G</th><th>D(x)</th>"
        h += "<th>D(G(z))</th><th>seconds</th></tr>\n"
        for e in history {
            h += "<tr><td>\(e.epoch)</td><td>\(e.steps)</td><td>\(Markup.metric(e.lossD))</td>"
            h +=
                "<td>\(Markup.metric(e.lossG))</td><td>\(Markup.metric(e.dReal))</td><td>\(Markup.metric(e.dFake))</td>"
            h += "<td>\(Markup.metric(e.seconds, digits: 1))</td></tr>\n"
        }
        h += "</table>\n<h2>Fixed-noise samples</h2>\n"
        for e in history {
            let name = String(format: "samples/epoch-%03d.png", e.epoch)
            guard let png = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                continue
            }
            h += "<figure><img alt=\"\(name)\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
            h += "<figcaption>epoch \(e.epoch)</figcaption></figure>\n"
        }
        h += "<h2>Configuration</h2>\n<pre>\(Markup.escape(config))</pre>\n</body></html>\n"
        return h
    }

    /// Writes `report.html`, `losses.svg` and `discriminator.svg` into `folder`.
    ///
    /// - Throws: ``DescentError`` naming the file that cannot be written.
    public func write(to folder: URL) throws {
        try AtomicFile.write(Data(html(folder: folder).utf8), to: folder.appendingPathComponent("report.html"))
        try AtomicFile.write(Data(lossPlot.svg().utf8), to: folder.appendingPathComponent("losses.svg"))
        try AtomicFile.write(Data(discriminatorPlot.svg().utf8), to: folder.appendingPathComponent("discriminator.svg"))
    }
}
