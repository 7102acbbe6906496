import Foundation

/// A self-contained SVG chart of named series of (x, y) points — lines, markers or both, so also 2-D paths —
/// on linear or logarithmic axes, with nice ticks, a legend and labelled vertical lines. The same plot always
/// gives the same bytes.
///
/// ```swift
/// let plot = LinePlot(title: "Loss", xLabel: "epoch", yLabel: "loss",
///                     series: [.init(name: "training", x: [1, 2, 3], y: [0.9, 0.5, 0.4], style: .lineAndMarkers)])
/// try plot.svg().write(toFile: "loss.svg", atomically: true, encoding: .utf8)
/// ```
public struct LinePlot: Sendable {
    /// How a series is drawn.
    public enum Style: Sendable {
        /// A line through the points (a lone point between gaps still gets a marker).
        case line
        /// A dot at each point, unconnected (scatter).
        case markers
        /// A line with a dot at each point.
        case lineAndMarkers
        /// A filled bar from y = 0 to each point, centred on its x (a histogram: x the bin centres, equal widths).
        case bars
    }

    /// How an axis maps values to pixels.
    public enum Scale: Sendable {
        /// Equal distances for equal differences.
        case linear
        /// Equal distances for equal ratios (values ≤ 0 are not drawn).
        case logarithmic
    }

    /// One named series of points, drawn in order (points that are not finite, or not positive on a
    /// logarithmic axis, are skipped and break the line).
    public struct Series: Sendable {
        /// Name shown in the legend (an empty name leaves the series out of the legend).
        public var name: String
        /// The points, in drawing order.
        public var points: [(x: Double, y: Double)]
        /// Line, markers or both.
        public var style: Style
        /// `#rrggbb`; nil takes the series' place in ``PlotPalette``.
        public var color: String?
        /// Draws the line dashed (to tell apart series that overlap).
        public var dashed = false

        /// A series of points.
        public init(name: String, points: [(x: Double, y: Double)], style: Style = .line, color: String? = nil) {
            (self.name, self.points, self.style, self.color) = (name, points, style, color)
        }

        /// A series from paired `x` and `y` values (the shorter one sets the length).
        public init(name: String, x: [Double], y: [Double], style: Style = .line, color: String? = nil) {
            self.init(name: name, points: zip(x, y).map { (x: $0, y: $1) }, style: style, color: color)
        }
    }

    /// A dashed vertical line across the plot at `x`, with a label (such as "best epoch").
    public struct VerticalLine: Sendable {
        /// Where the line stands, in data units.
        public var x: Double
        /// Text written beside the line.
        public var label: String
        /// A line at `x` labelled `label`.
        public init(x: Double, label: String) { (self.x, self.label) = (x, label) }
    }

    /// Title above the plot.
    public var title: String
    /// Caption of the x axis.
    public var xLabel: String
    /// Caption of the y axis.
    public var yLabel: String
    /// The series, drawn in order (later ones on top).
    public var series: [Series]
    /// Linear or logarithmic x axis.
    public var xScale: Scale
    /// Linear or logarithmic y axis.
    public var yScale: Scale
    /// Labelled vertical lines.
    public var verticalLines: [VerticalLine]
    /// Width of the picture in pixels.
    public var width: Int
    /// Height of the picture in pixels.
    public var height: Int
    /// Labels of a categorical x axis: category *i* stands at x = *i*, evenly spaced and labelled (nil: numeric).
    public var xCategories: [String]?
    /// Shaded error bands, drawn under the series (such as mean ± one standard deviation).
    public var bands: [Band] = []
    /// Contour lines of a 2-D function drawn under the series (the axes then span its grid).
    public var contours: Contours?

    /// A plot; everything but the series has a default.
    public init(
        title: String = "", xLabel: String = "", yLabel: String = "", series: [Series] = [],
        xScale: Scale = .linear, yScale: Scale = .linear, verticalLines: [VerticalLine] = [],
        width: Int = 640, height: Int = 360
    ) {
        (self.title, self.xLabel, self.yLabel, self.series) = (title, xLabel, yLabel, series)
        (self.xScale, self.yScale, self.verticalLines, self.width, self.height) = (
            xScale, yScale, verticalLines, width, height
        )
    }

    /// The ticks of the x axis (its domain encloses the drawable points and the vertical lines).
    public var xTicks: AxisTicks {
        if let categories = xCategories, !categories.isEmpty {
            return AxisTicks(
                domain: -0.5...Double(categories.count) - 0.5,
                values: categories.indices.map(Double.init), labels: categories)
        }
        return Self.ticks(
            drawablePoints.map(\.x) + verticalLines.map(\.x) + bands.flatMap(\.x) + contourCorners.map(\.x),
            scale: xScale, target: 8)
    }

    /// The ticks of the y axis (its domain encloses the drawable points, the bands, and 0 under bars).
    public var yTicks: AxisTicks {
        let zero: [Double] = series.contains { $0.style == .bars } ? [0] : []
        return Self.ticks(
            drawablePoints.map(\.y) + bands.flatMap { $0.lower + $0.upper } + contourCorners.map(\.y) + zero,
            scale: yScale, target: 5)
    }

    /// The corners of the contour grid, if any.
    private var contourCorners: [(x: Double, y: Double)] {
        guard let c = contours else { return [] }
        return [(c.xRange.lowerBound, c.yRange.lowerBound), (c.xRange.upperBound, c.yRange.upperBound)]
    }

    /// Points of every series whose x and y can both be drawn.
    private var drawablePoints: [(x: Double, y: Double)] {
        series.flatMap { $0.points.filter { Self.drawable($0.x, xScale) && Self.drawable($0.y, yScale) } }
    }

    /// Where the point (x, y) lands in ``svg()``, in pixels from the top left; nil when it cannot be drawn.
    public func position(x: Double, y: Double) -> (x: Double, y: Double)? { layout().map(x, y) }

    /// The plot as a standalone SVG document.
    public func svg() -> String { svg(standalone: true) }

    /// The SVG; `standalone: false` leaves out the namespace, for inline use in HTML.
    func svg(standalone: Bool) -> String {
        let l = layout(), f = l.frame
        var s = Markup.svgHeader(width: width, height: height, standalone: standalone)
        if !title.isEmpty {
            s += text(
                Double(width) / 2, 22, title, anchor: "middle", attributes: "font-size=\"15\" font-weight=\"bold\"")
        }
        for entry in l.legend {
            let (x, y) = (entry.x, entry.y), c = color(entry.index), style = series[entry.index].style
            if style == .bars {
                s +=
                    "<rect x=\"\(n(x + 4))\" y=\"\(n(y - 6))\" width=\"12\" height=\"12\" fill=\"\(c)\" fill-opacity=\"0.5\" stroke=\"\(c)\"/>\n"
            } else if style != .markers {
                s +=
                    "<line x1=\"\(n(x))\" y1=\"\(n(y))\" x2=\"\(n(x + 20))\" y2=\"\(n(y))\" stroke=\"\(c)\" stroke-width=\"2\"\(series[entry.index].dashed ? " stroke-dasharray=\"5 3\"" : "")/>\n"
            }
            if style == .markers || style == .lineAndMarkers { s += circle(x + 10, y, c) }
            s += text(x + 26, y + 4, series[entry.index].name)
        }
        s += "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n"
        for v in l.xTicks.values {
            let x = l.px(v); s += "<line x1=\"\(n(x))\" y1=\"\(n(f.minY))\" x2=\"\(n(x))\" y2=\"\(n(f.maxY))\"/>\n"
        }
        for v in l.yTicks.values {
            let y = l.py(v); s += "<line x1=\"\(n(f.minX))\" y1=\"\(n(y))\" x2=\"\(n(f.maxX))\" y2=\"\(n(y))\"/>\n"
        }
        s +=
            "</g>\n<rect class=\"frame\" x=\"\(n(f.minX))\" y=\"\(n(f.minY))\" width=\"\(n(f.width))\" height=\"\(n(f.height))\" fill=\"none\" stroke=\"#444444\"/>\n"
        s += "<g class=\"x-ticks\" font-size=\"11\" fill=\"#333333\">\n"
        for (v, label) in zip(l.xTicks.values, l.xTicks.labels) {
            s += text(l.px(v), f.maxY + 16, label, anchor: "middle")
        }
        s += "</g>\n<g class=\"y-ticks\" font-size=\"11\" fill=\"#333333\">\n"
        for (v, label) in zip(l.yTicks.values, l.yTicks.labels) {
            s += text(f.minX - 6, l.py(v) + 4, label, anchor: "end")
        }
        s += "</g>\n"
        if !xLabel.isEmpty { s += text(f.midX, f.maxY + 36, xLabel, anchor: "middle") }
        if !yLabel.isEmpty {
            s += text(14, f.midY, yLabel, anchor: "middle", attributes: "transform=\"rotate(-90 14 \(n(f.midY)))\"")
        }
        if let contours { s += draw(contours, layout: l) }
        for band in bands { s += draw(band, layout: l) }
        for (i, series) in series.enumerated() { s += draw(series, color: color(i), layout: l) }
        let pixels = drawablePoints.compactMap { l.map($0.x, $0.y) }
        for (i, line) in verticalLines.enumerated() {
            guard let x = l.map(line.x, l.yTicks.domain.lowerBound)?.x else { continue }
            s +=
                "<line class=\"vertical-line\" x1=\"\(n(x))\" y1=\"\(n(f.minY))\" x2=\"\(n(x))\" y2=\"\(n(f.maxY))\" stroke=\"#555555\" stroke-dasharray=\"4 3\"/>\n"
            // The label goes beside the line, at the top or the bottom: wherever fewer points lie under it.
            let right = x > f.minX + f.width * 0.75, span = Markup.textWidth(line.label, size: 11) + 8
            let under = pixels.filter { right ? ($0.x > x - span && $0.x <= x) : ($0.x >= x && $0.x < x + span) }
            let band = f.height * 0.25 + 13 * Double(i)
            let top = under.filter { $0.y < f.minY + band }.count <= under.filter { $0.y > f.maxY - band }.count
            s += text(
                right ? x - 4 : x + 4, top ? f.minY + 13 + 13 * Double(i) : f.maxY - 5 - 13 * Double(i), line.label,
                anchor: right ? "end" : "start",
                attributes:
                    "font-size=\"11\" fill=\"#333333\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"")
        }
        return s + "</svg>\n"
    }

    // MARK: drawing

    private func color(_ index: Int) -> String { series[index].color ?? PlotPalette.color(index) }
    private func n(_ v: Double) -> String { Markup.number(v) }
    private func circle(_ x: Double, _ y: Double, _ c: String) -> String {
        "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"3\" fill=\"\(c)\"/>\n"
    }
    private func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "start", attributes: String = "")
        -> String
    {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\"\(attributes.isEmpty ? "" : " " + attributes)>\(Markup.escape(content))</text>\n"
    }

    /// One series: its line broken into runs of drawable points, and its markers.
    private func draw(_ series: Series, color c: String, layout l: Layout) -> String {
        var runs: [[(x: Double, y: Double)]] = [[]]
        for p in series.points {
            if let q = l.map(p.x, p.y) {
                runs[runs.count - 1].append(q)
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        var s = "<g class=\"series\">\n"
        if series.style == .bars { return s + bars(series, color: c, layout: l) + "</g>\n" }
        if series.style != .markers {
            let d = runs.filter { $0.count > 1 }.map { run in
                "M" + run.map { "\(n($0.x)) \(n($0.y))" }.joined(separator: " L")
            }.joined(separator: " ")
            if !d.isEmpty {
                let dash = series.dashed ? " stroke-dasharray=\"5 3\"" : ""
                s +=
                    "<path d=\"\(d)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" stroke-linejoin=\"round\"\(dash)/>\n"
            }
        }
        for run in runs where series.style != .line || run.count == 1 {  // a lone point of a line still shows
            for p in run { s += circle(p.x, p.y, c) }
        }
        return s + "</g>\n"
    }

    // MARK: layout

    /// Where everything goes: the frame (plot area), the ticks and the legend entries.
    struct Layout {
        var frame: Frame
        var xTicks: AxisTicks, yTicks: AxisTicks
        var xScale: Scale, yScale: Scale
        var legend: [(index: Int, x: Double, y: Double)]

        func px(_ x: Double) -> Double { frame.minX + fraction(x, xTicks.domain, xScale) * frame.width }
        func py(_ y: Double) -> Double { frame.maxY - fraction(y, yTicks.domain, yScale) * frame.height }
        func map(_ x: Double, _ y: Double) -> (x: Double, y: Double)? {
            guard LinePlot.drawable(x, xScale), LinePlot.drawable(y, yScale) else { return nil }
            return (px(x), py(y))
        }
        private func fraction(_ v: Double, _ d: ClosedRange<Double>, _ scale: Scale) -> Double {
            scale == .linear
                ? (v - d.lowerBound) / (d.upperBound - d.lowerBound)
                : log10(v / d.lowerBound) / log10(d.upperBound / d.lowerBound)
        }
    }

    func layout() -> Layout {
        let (xt, yt) = (xTicks, yTicks)
        var legend: [(index: Int, x: Double, y: Double)] = []
        var (x, row) = (16.0, 0)
        for (i, s) in series.enumerated() where !s.name.isEmpty {
            let w = 26 + Markup.textWidth(s.name, size: 12) + 18
            if x + w > Double(width) - 8 && x > 16 { (x, row) = (16, row + 1) }
            legend.append((i, x, (title.isEmpty ? 14 : 40) + 18 * Double(row)))
            x += w
        }
        let top = (title.isEmpty ? 12 : 34) + (legend.isEmpty ? 0 : 18 * Double(row + 1)) + 6
        let left = (yLabel.isEmpty ? 8 : 28) + (yt.labels.map { Markup.textWidth($0, size: 11) }.max() ?? 0) + 8
        let right = max(16, Markup.textWidth(xt.labels.last ?? "", size: 11) / 2 + 6)
        let bottom = 24.0 + (xLabel.isEmpty ? 4 : 20)
        let frame = Frame(
            minX: left, minY: top, width: max(1, Double(width) - left - right),
            height: max(1, Double(height) - top - bottom))
        return Layout(frame: frame, xTicks: xt, yTicks: yt, xScale: xScale, yScale: yScale, legend: legend)
    }

    static func drawable(_ v: Double, _ scale: Scale) -> Bool { v.isFinite && (scale == .linear || v > 0) }

    static func ticks(_ values: [Double], scale: Scale, target: Int) -> AxisTicks {
        let vs = values.filter { drawable($0, scale) }
        guard let lo = vs.min(), let hi = vs.max() else {
            return scale == .linear ? .linear(0, 1) : .logarithmic(1, 10)
        }
        if scale == .logarithmic { return .logarithmic(lo, hi) }
        return .linear(lo, hi, target: target, integers: vs.allSatisfy { $0 == $0.rounded() })
    }
}
