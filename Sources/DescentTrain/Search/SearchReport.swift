import Descent
import Foundation

/// A search's report: one self-contained `report.html` in the search folder (inline CSS and SVG, no scripts) with
/// the validation metric against each searched key, a heat map of two keys, every trial's validation curve and
/// the final table, plus the plots as separate SVG files (`metric_KEY.svg`, `heatmap.svg`, `curves.svg`).
///
/// Every number of a trial is its validation metric (from its `history.json`); the test split appears only
/// in `test.txt`, read once for the best trial, and the report says so.
///
/// ```swift
/// try SearchReport.load(from: URL(fileURLWithPath: "runs/search")).write()
/// ```
public struct SearchReport: Sendable {
    /// The search folder (where `report.html` goes).
    public var directory: URL
    /// The trials.
    public var results: SearchResults
    /// The searched parameters, to tell grid keys and log-uniform ones (nil: every key is read from the results).
    public var parameters: [SearchParameter]?
    /// Each trial's epochs, by trial number (trials without a readable `history.json` are absent).
    public var histories: [Int: History]
    /// The text of `test.txt`, the one test-split evaluation of the best trial.
    public var test: String?

    /// A report of `results` for the search folder `directory`.
    public init(
        directory: URL, results: SearchResults, parameters: [SearchParameter]? = nil,
        histories: [Int: History] = [:], test: String? = nil
    ) {
        (self.directory, self.results, self.parameters) = (directory, results, parameters)
        (self.histories, self.test) = (histories, test)
    }

    /// The report of the search folder `directory`: its `results.json`, `search.json` (when present), every
    /// trial's `history.json` and `test.txt`.
    ///
    /// - Throws: ``DescentError`` when `results.json` is missing or malformed.
    public static func load(from directory: URL) throws -> SearchReport {
        let results = try SearchResults.read(from: directory)
        let plan = try? SearchPlan.read(from: directory)
        var histories: [Int: History] = [:]
        let trials = directory.appendingPathComponent("trials")
        for t in results.trials {
            let url = trials.appendingPathComponent(t.folderName).appendingPathComponent("history.json")
            if let data = FileManager.default.contents(atPath: url.path),
                let history = try? JSONFile.decode(History.self, from: data)
            {
                histories[t.number] = history
            }
        }
        let test = try? String(contentsOf: directory.appendingPathComponent("test.txt"), encoding: .utf8)
        return SearchReport(
            directory: directory, results: results, parameters: plan?.space.parameters,
            histories: histories, test: test)
    }

    /// Writes the report of the finished search in `directory` and tells `log` where it is; a report that cannot
    /// be written is reported through `log` and does not fail the search.
    static func write(in directory: URL, log: (String) -> Void) {
        do {
            try load(from: directory).write()
            log("report: \(directory.appendingPathComponent("report.html").path)")
        } catch {
            log("the search report was not written: \(error)")
        }
    }

    // MARK: what is shown

    /// The trials with a validation metric.
    private var scored: [SearchTrial] { results.trials.filter { $0.status == .done && $0.metric != nil } }

    private var metricName: String { results.metric.rawValue }

    /// The sentence naming the data behind every number of the report.
    public var dataSource: String {
        var s =
            "Every trial's number here (the plots, the heat map, the table) is its \(metricName) on the "
            + "validation split, from its history.json: the curves show every epoch, the rest the best epoch. "
        if let k = results.folds {
            s =
                "Every trial's number here (the plots, the heat map, the table) is a \(k)-fold cross-validation "
                + "mean: its \(metricName) on each of \(k) folds of the training data (held out in turn, "
                + "trials/NNN/fold-K), averaged per epoch into its history.json; the curves show every epoch of "
                + "that mean, the rest its best epoch, the table also the folds' standard deviation. "
        }
        if let rungs = results.rungEpochs {
            s +=
                "Successive halving: a trial stopped at a rung is plotted with its metric over that rung's epochs; the "
                + "heat map compares every trial at rung 1 (\(rungs[0]) epoch\(rungs[0] == 1 ? "" : "s")). "
        }
        if let best = results.best, results.folds != nil {
            s += "The test split was read once, for the best trial \(best.folderName) only, refit on the training "
            s += "split as best.yaml trains it (refit/, test.txt)"
            s += test == nil ? "; that evaluation has not been run." : "; no trial was ranked on it."
        } else if let best = results.best {
            s += "The test split was read once, for the best trial \(best.folderName) only (test.txt)"
            s += test == nil ? "; that evaluation has not been run." : "; no trial was ranked on it."
        } else {
            s += "No trial finished with a \(metricName), so the test split was never read."
        }
        return s
    }

    /// How a key's values are placed on an axis: as numbers (on a linear or a logarithmic scale) or as
    /// evenly spaced labels.
    enum Axis: Equatable {
        case numeric(LinePlot.Scale)
        case categorical([String])
    }

    /// The axis of `key`: numeric when every value is a number, logarithmic when they are positive and span
    /// more than a decade or the key is sampled log-uniformly; else the distinct values in order of appearance
    /// (numbers sorted).
    func axis(_ key: String) -> Axis {
        let values = results.trials.compactMap { $0.value(of: key) }
        let numbers = values.compactMap(Double.init)
        guard !values.isEmpty, numbers.count == values.count, numbers.allSatisfy(\.isFinite) else {
            var distinct: [String] = []
            for v in values where !distinct.contains(v) { distinct.append(v) }
            return .categorical(distinct)
        }
        let logUniform =
            parameters?.first { $0.key == key }.map {
                if case .logUniform = $0.values { true } else { false }
            } ?? false
        let lo = numbers.min()!, hi = numbers.max()!
        return lo > 0 && (logUniform || hi / lo > 10) ? .numeric(.logarithmic) : .numeric(.linear)
    }

    /// The validation metric of every scored trial against `key`, the best trial highlighted.
    public func parameterPlot(_ key: String) -> LinePlot {
        let axis = axis(key)
        func x(_ t: SearchTrial) -> Double {
            let value = t.value(of: key) ?? ""
            switch axis {
            case .numeric: return Double(value) ?? .nan
            case .categorical(let labels): return Double(labels.firstIndex(of: value) ?? -1)
            }
        }
        let best = results.best
        let others = scored.filter { $0.number != best?.number }
        var series = [LinePlot.Series(name: "trials", points: others.map { (x($0), $0.metric!) }, style: .markers)]
        if let rungs = results.rungEpochs {
            // Successive halving: every trial at the last rung it reached (its metric over that rung's epochs).
            series = rungs.indices.map { k in
                let at = results.trials.filter {
                    ($0.status == .done || $0.status == .stopped) && $0.metric != nil && ($0.rung ?? 1) == k + 1
                        && $0.number != best?.number
                }
                let name =
                    (k + 1 == rungs.count ? "reached" : "stopped at") + " rung \(k + 1) (\(rungs[k]) epoch"
                    + (rungs[k] == 1 ? ")" : "s)")
                return LinePlot.Series(
                    name: name, points: at.map { (x($0), $0.metric!) }, style: .markers, color: PlotPalette.color(k))
            }.filter { !$0.points.isEmpty }
        }
        if let best {
            series.append(
                .init(
                    name: "best (trial \(best.folderName))", points: [(x(best), best.metric!)],
                    style: .markers, color: PlotPalette.color(3)))
        }
        var plot = LinePlot(
            title: "\(metricName) against \(key)", xLabel: key, yLabel: "validation \(metricName)",
            series: series, width: 480, height: 300)
        switch axis {
        case .numeric(let scale): plot.xScale = scale
        case .categorical(let labels): plot.xCategories = labels
        }
        return plot
    }

    /// Every trial's validation metric per epoch, the best trial drawn last in colour, the others in grey.
    public var curvesPlot: LinePlot {
        let best = results.best?.number
        var series: [LinePlot.Series] = []
        var named = false
        for t in results.trials where t.number != best {
            guard let history = histories[t.number] else { continue }
            series.append(.init(name: named ? "" : "other trials", points: curve(history), color: "#b3b3b3"))
            named = true
        }
        if let best, let history = histories[best] {
            series.append(
                .init(
                    name: "best (trial \(String(format: "%03d", best)))", points: curve(history),
                    style: .lineAndMarkers, color: PlotPalette.color(3)))
        }
        return LinePlot(
            title: "Validation \(metricName) of every trial", xLabel: "epoch",
            yLabel: "validation \(metricName)", series: series, width: 960, height: 400)
    }

    private func curve(_ history: History) -> [(x: Double, y: Double)] {
        history.epochs.map { (Double($0.epoch), $0.value(of: results.metric) ?? .nan) }
    }

    /// The heat map of two keys (nil with fewer than two keys).
    public var heatMap: SearchHeatMap? {
        let keys = results.keys
        guard keys.count >= 2 else { return nil }
        let grid = parameters?.filter(\.isGrid).map(\.key).filter(keys.contains) ?? []
        let pair: [String]
        if grid.count >= 2 {
            pair = Array(grid.prefix(2))
        } else {
            let distinct = keys.map { k in Set(results.trials.compactMap { $0.value(of: k) }).count }
            pair = keys.indices.sorted { distinct[$0] > distinct[$1] || (distinct[$0] == distinct[$1] && $0 < $1) }
                .prefix(2).sorted().map { keys[$0] }
        }
        let columns = bins(pair[0]), rows = bins(pair[1])
        var sums = Array(repeating: Array(repeating: 0.0, count: columns.count), count: rows.count)
        var counts = Array(repeating: Array(repeating: 0, count: columns.count), count: rows.count)
        // Successive halving: every trial's metric at the first rung, the one all of them trained.
        let firstRung = results.rungEpochs != nil
        let cells =
            firstRung
            ? results.trials.compactMap { t in t.rungMetrics?.first.map { (t, $0) } } : scored.map { ($0, $0.metric!) }
        for (t, metric) in cells {
            guard let c = columns.firstIndex(where: { $0.contains(t.value(of: pair[0]) ?? "") }),
                let r = rows.firstIndex(where: { $0.contains(t.value(of: pair[1]) ?? "") })
            else { continue }
            sums[r][c] += metric
            counts[r][c] += 1
        }
        let means = zip(sums, counts).map { zip($0, $1).map { $1 == 0 ? nil : $0 / Double($1) } }
        return SearchHeatMap(
            columnKey: pair[0], rowKey: pair[1], columns: columns.map(\.label),
            rows: rows.map(\.label), means: means, counts: counts, metric: results.metric,
            caption: results.rungEpochs.map { " at rung 1 (\($0[0]) epoch\($0[0] == 1 ? "" : "s"), every trial)" } ?? ""
        )
    }

    /// A heat-map axis bin: a label and the values it holds.
    struct Bin {
        var label: String
        var contains: (String) -> Bool
    }

    /// The heat-map bins of `key`: one per distinct value when there are at most 8, else 6 equal ranges
    /// (equal ratios on a logarithmic axis).
    func bins(_ key: String) -> [Bin] {
        let values = results.trials.compactMap { $0.value(of: key) }
        var distinct: [String] = []
        for v in values where !distinct.contains(v) { distinct.append(v) }
        let axis = axis(key)
        if case .numeric = axis { distinct.sort { Double($0)! < Double($1)! } }
        guard case .numeric(let scale) = axis, distinct.count > 8 else {
            return distinct.map { v in Bin(label: v) { $0 == v } }
        }
        let log = scale == .logarithmic
        let numbers = distinct.map { Double($0)! }
        let (lo, hi) = (numbers.first!, numbers.last!)
        let count = 6
        func edge(_ i: Int) -> Double {
            let f = Double(i) / Double(count)
            return log ? lo * pow(hi / lo, f) : lo + (hi - lo) * f
        }
        return (0..<count).map { i in
            let (a, b) = (edge(i), edge(i + 1)), last = i == count - 1
            return Bin(label: "\(SearchParameter.format(a))–\(SearchParameter.format(b))") { s in
                guard let v = Double(s) else { return false }
                return v >= a && (v < b || (last && v <= hi))
            }
        }
    }

    // MARK: output

    /// Safe file-name text for a key (`optimizer.lr` → `optimizer_lr`).
    static func fileName(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    /// The SVG files written beside `report.html`.
    var svgFiles: [(name: String, svg: String)] {
        var files = results.keys.map { ("metric_\(Self.fileName($0)).svg", parameterPlot($0).svg()) }
        if let h = heatMap { files.append(("heatmap.svg", h.svg())) }
        files.append(("curves.svg", curvesPlot.svg()))
        return files
    }

    /// Writes `report.html` and the SVG files into ``directory``, each atomically.
    ///
    /// - Throws: ``DescentError`` of kind `.file` naming the file that could not be written.
    public func write() throws {
        for (name, text) in svgFiles + [("report.html", html())] {
            let url = directory.appendingPathComponent(name)
            do {
                try AtomicFile.write(Data(text.utf8), to: url)
            } catch {
                throw DescentError(.file, url.path, "cannot write the search report: \(error)")
            }
        }
    }

    /// The report as one self-contained HTML page.
    public func html() -> String {
        let esc = Markup.escape
        let done = results.trials.filter { $0.status == .done }.count
        let failed = results.trials.filter { $0.status == .failed }.count
        var h = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Search report</title>
            <style>
            body { font-family: sans-serif; color: #222; max-width: 1000px; margin: 2em auto; padding: 0 1em; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            tr.best td { background: #fff1e6; font-weight: bold; }
            figure { margin: 1em 0; display: inline-block; vertical-align: top; } svg { max-width: 100%; height: auto; }
            pre { background: #f5f5f5; padding: 1em; overflow: auto; }
            .source { border-left: 4px solid #0072B2; background: #eef5fb; padding: 0.5em 1em; }
            </style>
            </head>
            <body>
            <h1>Search report</h1>
            <p>\(esc(directory.path)): \(results.trials.count) trials, \(done) done, \(failed) failed; ranked by \
            validation \(esc(metricName)) (\(results.metric.higherIsBetter ? "highest" : "lowest") best).</p>
            <p class="source" id="data-source">\(esc(dataSource))</p>

            """
        if let best = results.best {
            h +=
                "<p>Best: trial \(best.folderName) (\(esc(best.parameters.joined(separator: " ")))), validation "
                + "\(esc(metricName)) \(Markup.metric(best.metric)) at epoch \(best.bestEpoch ?? 0); its config: "
                + "best.yaml.</p>\n"
        }
        if let test {
            h += "<section id=\"test\">\n<h2>Test split (best trial only)</h2>\n<pre>\(esc(test))</pre>\n</section>\n"
        }
        h += "<section id=\"parameters\">\n<h2>Validation \(esc(metricName)) against each parameter</h2>\n"
        for key in results.keys {
            h +=
                "<figure id=\"metric-\(esc(Self.fileName(key)))\">\n\(parameterPlot(key).svg(standalone: false))"
                + "</figure>\n"
        }
        h += "</section>\n"
        if let heat = heatMap {
            h +=
                "<section id=\"heatmap\">\n<h2>Mean validation \(esc(metricName)) by \(esc(heat.columnKey)) and "
                + "\(esc(heat.rowKey))\(esc(heat.caption))</h2>\n<figure>\n\(heat.svg(standalone: false))</figure>\n</section>\n"
        }
        h +=
            "<section id=\"curves\">\n<h2>Validation curves</h2>\n<figure>\n\(curvesPlot.svg(standalone: false))"
            + "</figure>\n</section>\n"
        return h + tableSection() + "</body>\n</html>\n"
    }

    private func tableSection() -> String {
        let esc = Markup.escape
        let ranked = results.ranked
        let others = results.trials.filter { t in !ranked.contains { $0.number == t.number } }
        var h = "<section id=\"table\">\n<h2>Trials</h2>\n<table class=\"trials\">\n<tr><th>trial</th>"
        h += results.keys.map { "<th>\(esc($0))</th>" }.joined()
        h +=
            "<th>status</th><th>validation \(esc(metricName))"
            + (results.folds.map { " (\($0)-fold mean)</th><th>± std" } ?? "")
            + "</th><th>best epoch</th><th>epochs</th><th>seconds</th><th>reason</th></tr>\n"
        for t in ranked + others {
            h += t.number == results.best?.number ? "<tr class=\"best\">" : "<tr>"
            h += "<td>\(t.folderName)</td>" + results.keys.map { "<td>\(esc(t.value(of: $0) ?? ""))</td>" }.joined()
            let epoch = t.bestEpoch.map(String.init) ?? "–", epochs = t.epochs.map(String.init) ?? "–"
            let cells =
                [Markup.metric(t.metric)] + (results.folds == nil ? [] : [Markup.metric(t.metricSpread)])
                + [epoch, epochs, Markup.metric(t.seconds, digits: 1)]
            h += "<td>\(t.status.rawValue)</td>" + cells.map { "<td class=\"n\">\($0)</td>" }.joined()
            h += "<td>\(esc(t.reason ?? ""))</td></tr>\n"
        }
        return h + "</table>\n</section>\n"
    }
}

/// An SVG heat map of a search: one column per value (or range) of one key, one row per value of another, each
/// cell coloured by the mean validation metric of its trials (darker is better) and labelled with it and the
/// number of trials; a cell without a finished trial is hatched and marked "no trial".
public struct SearchHeatMap: Sendable, Equatable {
    /// The key of the columns.
    public var columnKey: String
    /// The key of the rows.
    public var rowKey: String
    /// Column labels.
    public var columns: [String]
    /// Row labels.
    public var rows: [String]
    /// `means[r][c]`: the mean metric of the trials in row `r`, column `c` (nil: none).
    public var means: [[Double?]]
    /// `counts[r][c]`: how many finished trials fall in the cell.
    public var counts: [[Int]]
    /// The metric shown.
    public var metric: MonitoredMetric
    /// Added to the title, e.g. " at rung 1 (1 epoch, every trial)" in a successive-halving search.
    public var caption: String = ""

    /// The SVG as a standalone document.
    public func svg() -> String { svg(standalone: true) }

    /// The SVG; `standalone: false` leaves out the namespace, for inline use in HTML.
    func svg(standalone: Bool) -> String {
        let n = Markup.number, esc = Markup.escape
        let rowWidth = min(160, (rows.map { Markup.textWidth($0, size: 11) }.max() ?? 0) + 10)
        let left = 34 + rowWidth, top = 40.0
        let cellWidth = max(56, min(120, 640 / Double(max(columns.count, 1))))
        let cellHeight = 44.0
        let width = Int(left + cellWidth * Double(columns.count) + 110)
        let height = Int(top + cellHeight * Double(rows.count) + 56)
        let known = means.joined().compactMap { $0 }
        let (lo, hi) = (known.min() ?? 0, known.max() ?? 1)
        func goodness(_ v: Double) -> Double {
            guard hi > lo else { return 0.6 }
            let t = (v - lo) / (hi - lo)
            return metric.higherIsBetter ? t : 1 - t
        }
        var s = Markup.svgHeader(width: width, height: height, standalone: standalone)
        s +=
            "<defs><pattern id=\"empty-cell\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
            + "<rect width=\"8\" height=\"8\" fill=\"#f2f2f2\"/><path d=\"M0 8 L8 0\" stroke=\"#cccccc\"/>"
            + "</pattern></defs>\n"
        s +=
            "<text x=\"\(n(Double(width) / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" "
            + "font-weight=\"bold\">"
            + "Mean validation \(esc(metric.rawValue))\(esc(caption))</text>\n<g class=\"cells\">\n"
        for r in rows.indices {
            for c in columns.indices {
                let (x, y) = (left + Double(c) * cellWidth, top + Double(r) * cellHeight)
                let (cx, cy) = (x + cellWidth / 2, y + cellHeight / 2)
                let at = "x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(cellWidth))\" height=\"\(n(cellHeight))\""
                guard let mean = means[r][c] else {
                    s += "<rect class=\"empty\" \(at) fill=\"url(#empty-cell)\" stroke=\"#ffffff\"/>\n"
                    s +=
                        "<text class=\"empty\" x=\"\(n(cx))\" y=\"\(n(cy + 4))\" text-anchor=\"middle\" "
                        + "font-size=\"11\" fill=\"#777777\">no trial</text>\n"
                    continue
                }
                let g = goodness(mean)
                s += "<rect class=\"cell\" \(at) fill=\"\(ConfusionMatrixPlot.color(g))\" stroke=\"#ffffff\">"
                let trials = counts[r][c] == 1 ? "1 trial" : "\(counts[r][c]) trials"
                s +=
                    "<title>\(esc(columnKey))=\(esc(columns[c])), \(esc(rowKey))=\(esc(rows[r])): mean "
                    + "\(Markup.metric(mean)) over \(trials)</title></rect>\n"
                let ink = g > 0.5 ? "#ffffff" : "#000000"
                s +=
                    "<text class=\"mean\" x=\"\(n(cx))\" y=\"\(n(cy))\" text-anchor=\"middle\" font-size=\"12\" "
                    + "fill=\"\(ink)\">\(Markup.metric(mean))</text>\n"
                s +=
                    "<text class=\"count\" x=\"\(n(cx))\" y=\"\(n(cy + 14))\" text-anchor=\"middle\" font-size=\"10\" "
                    + "fill=\"\(ink)\">n=\(counts[r][c])</text>\n"
            }
        }
        let (gridWidth, gridHeight) = (cellWidth * Double(columns.count), cellHeight * Double(rows.count))
        s +=
            "</g>\n<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(gridWidth))\" height=\"\(n(gridHeight))\" "
            + "fill=\"none\" stroke=\"#444444\"/>\n<g class=\"labels\" font-size=\"11\" fill=\"#333333\">\n"
        for (r, label) in rows.enumerated() {
            s +=
                "<text x=\"\(n(left - 6))\" y=\"\(n(top + (Double(r) + 0.5) * cellHeight + 4))\" text-anchor=\"end\">"
                + "\(esc(label))</text>\n"
        }
        for (c, label) in columns.enumerated() {
            s +=
                "<text x=\"\(n(left + (Double(c) + 0.5) * cellWidth))\" y=\"\(n(top + gridHeight + 16))\" "
                + "text-anchor=\"middle\">\(esc(label))</text>\n"
        }
        s +=
            "</g>\n<text x=\"\(n(left + gridWidth / 2))\" y=\"\(n(top + gridHeight + 40))\" text-anchor=\"middle\">"
            + "\(esc(columnKey))</text>\n"
        let midY = top + gridHeight / 2
        s +=
            "<text x=\"14\" y=\"\(n(midY))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(n(midY)))\">"
            + "\(esc(rowKey))</text>\n"
        // Colour scale: the best mean at the top (dark), the worst at the bottom.
        let barX = left + gridWidth + 16, barHeight = max(gridHeight, 60)
        for k in 0..<10 {
            let y = top + barHeight - Double(k + 1) * barHeight / 10
            s +=
                "<rect x=\"\(n(barX))\" y=\"\(n(y))\" width=\"14\" height=\"\(n(barHeight / 10))\" "
                + "fill=\"\(ConfusionMatrixPlot.color((Double(k) + 0.5) / 10))\"/>\n"
        }
        let (best, worst) = metric.higherIsBetter ? (hi, lo) : (lo, hi)
        s += "<g font-size=\"11\" fill=\"#333333\">\n"
        s += "<text x=\"\(n(barX + 18))\" y=\"\(n(top + 4))\">\(Markup.metric(best)) best</text>\n"
        s += "<text x=\"\(n(barX + 18))\" y=\"\(n(top + barHeight + 4))\">\(Markup.metric(worst))</text>\n"
        return s + "</g>\n</svg>\n"
    }
}
