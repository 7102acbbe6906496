import Descent
import Foundation
import Testing

@testable import DescentTrain

/// The search report: a plot of the metric against each key (log and categorical axes), the heat map's cells,
/// every trial's validation curve, the table and the line naming the data behind the numbers.
@Suite struct SearchReportTests {
    private func trial(_ number: Int, _ lr: String, _ name: String, _ metric: Double?) -> SearchTrial {
        var t = SearchTrial(number: number, parameters: ["optimizer.lr=\(lr)", "optimizer.name=\(name)"])
        t.status = metric == nil ? .failed : .done
        t.metric = metric
        t.reason = metric == nil ? "exit status 1: Error: <boom>" : nil
        t.bestEpoch = metric == nil ? nil : 2
        t.epochs = 2
        t.seconds = 1.5
        return t
    }

    private func history(_ values: [Double]) -> History {
        var h = History()
        h.epochs = values.enumerated().map { i, v in
            EpochLog(
                epoch: i + 1, trainLoss: v + 0.1, validationLoss: v, learningRate: 1e-3, seconds: 1,
                samplesPerSecond: 100)
        }
        return h
    }

    /// A 3 × 2 grid: (0.01, adam) failed, so its heat-map cell is empty; trial 002 is the best.
    private func report(test: String? = "test split, read once\n  accuracy 90.00%\n") throws -> SearchReport {
        let trials = [
            trial(1, "0.1", "sgd", 0.9), trial(2, "0.1", "adam", 0.5), trial(3, "0.01", "sgd", 0.7),
            trial(4, "0.01", "adam", nil), trial(5, "0.001", "sgd", 0.8), trial(6, "0.001", "adam", 0.6),
        ]
        let results = SearchResults(metric: .validationLoss, keys: ["optimizer.lr", "optimizer.name"], trials: trials)
        let parameters = [
            try SearchParameter(key: "optimizer.lr", spec: "0.1,0.01,0.001", grid: true),
            try SearchParameter(key: "optimizer.name", spec: "sgd,adam", grid: true),
        ]
        var histories: [Int: History] = [:]
        for t in trials where t.metric != nil { histories[t.number] = history([t.metric! + 0.2, t.metric!]) }
        return SearchReport(
            directory: URL(fileURLWithPath: "/tmp/search"), results: results, parameters: parameters,
            histories: histories, test: test)
    }

    private func marker(_ plot: LinePlot, _ x: Double, _ y: Double) -> String {
        let p = plot.position(x: x, y: y)!
        return "<circle cx=\"\(Markup.number(p.x))\" cy=\"\(Markup.number(p.y))\""
    }

    @Test func metricAgainstANumericKeySpanningDecadesIsOnALogAxisWithEveryPoint() throws {
        let plot = try report().parameterPlot("optimizer.lr")
        #expect(plot.xScale == .logarithmic && plot.xCategories == nil)
        let svg = plot.svg()
        for (lr, metric) in [(0.1, 0.9), (0.1, 0.5), (0.01, 0.7), (0.001, 0.8), (0.001, 0.6)] {
            #expect(svg.contains(marker(plot, lr, metric)), "no marker at lr \(lr), val_loss \(metric)")
        }
        #expect(svg.contains("best (trial 002)"))
        #expect(plot.series.last?.points.count == 1 && plot.series.last?.points[0].y == 0.5)
    }

    @Test func categoricalValuesAreEvenlySpacedLabels() throws {
        let plot = try report().parameterPlot("optimizer.name")
        #expect(plot.xCategories == ["sgd", "adam"])
        #expect(plot.xTicks.values == [0, 1] && plot.xTicks.labels == ["sgd", "adam"])
        let svg = plot.svg()
        #expect(svg.contains(">sgd</text>") && svg.contains(">adam</text>"))
        #expect(svg.contains(marker(plot, 0, 0.9)) && svg.contains(marker(plot, 1, 0.5)))
        let (a, b) = (plot.position(x: 0, y: 0.5)!.x, plot.position(x: 1, y: 0.5)!.x)
        #expect(a < b)
    }

    @Test func logUniformKeysAreOnALogAxisEvenWithinADecade() throws {
        var r = try report()
        r.results.keys = ["optimizer.weight_decay"]
        r.results.trials = [0.002, 0.005, 0.009].enumerated().map { i, v in
            var t = SearchTrial(number: i + 1, parameters: ["optimizer.weight_decay=\(v)"])
            (t.status, t.metric) = (.done, 1 - v)
            return t
        }
        r.parameters = [try SearchParameter(key: "optimizer.weight_decay", spec: "loguniform:1e-3:1e-2", grid: false)]
        #expect(r.parameterPlot("optimizer.weight_decay").xScale == .logarithmic)
        r.parameters = [try SearchParameter(key: "optimizer.weight_decay", spec: "uniform:1e-3:1e-2", grid: false)]
        #expect(r.parameterPlot("optimizer.weight_decay").xScale == .linear)
        #expect(r.heatMap == nil)
    }

    @Test func heatMapHasTheMeanOfEachCellAndMarksEmptyCells() throws {
        var r = try report()
        r.results.trials.append(trial(7, "0.1", "sgd", 0.7))  // a second trial in the (0.1, sgd) cell
        let heat = try #require(r.heatMap)
        #expect(heat.columnKey == "optimizer.lr" && heat.rowKey == "optimizer.name")
        #expect(heat.columns == ["0.001", "0.01", "0.1"] && heat.rows == ["sgd", "adam"])
        #expect(heat.means[0][2] == 0.8 && heat.counts[0][2] == 2)
        #expect(heat.means[1][1] == nil && heat.counts[1][1] == 0)
        #expect(heat.means[1][2] == 0.5)
        let svg = heat.svg()
        #expect(svg.components(separatedBy: "<rect class=\"cell\"").count - 1 == 5)
        #expect(svg.components(separatedBy: "<rect class=\"empty\"").count - 1 == 1)
        #expect(svg.contains(">no trial</text>"))
        #expect(svg.contains(">0.8000</text>") && svg.contains(">n=2</text>"))
        #expect(svg.contains("optimizer.lr=0.1, optimizer.name=sgd: mean 0.8000 over 2 trials"))
    }

    @Test func heatMapWithoutTwoGridKeysTakesTheKeysWithMostValuesAndBinsManyNumbers() throws {
        var r = try report()
        r.parameters = nil
        r.results.keys = ["optimizer.name", "optimizer.lr", "optimizer.weight_decay"]
        r.results.trials = (1...12).map { i in
            var t = SearchTrial(
                number: i,
                parameters: [
                    "optimizer.name=adam", "optimizer.lr=\(0.001 * Double(i))",
                    "optimizer.weight_decay=\(i % 2 == 0 ? "0" : "0.1")",
                ])
            (t.status, t.metric) = (.done, Double(i))
            return t
        }
        let heat = try #require(r.heatMap)
        #expect(heat.columnKey == "optimizer.lr" && heat.rowKey == "optimizer.weight_decay")
        #expect(heat.columns.count == 6 && heat.rows == ["0", "0.1"])
        #expect(heat.counts.joined().reduce(0, +) == 12)
    }

    @Test func everyTrialsValidationCurveIsDrawnWithTheBestLast() throws {
        let r = try report()
        let plot = r.curvesPlot
        #expect(plot.series.count == 5)
        #expect(plot.series.last?.name == "best (trial 002)")
        #expect(plot.series.last!.points.map(\.y) == [0.7, 0.5])
        #expect(plot.series.dropLast().allSatisfy { $0.color == "#b3b3b3" })
        #expect(plot.series.filter { !$0.name.isEmpty }.count == 2)
        let svg = plot.svg()
        #expect(svg.contains(marker(plot, 1, 0.7)) && svg.contains(marker(plot, 2, 0.5)))
    }

    @Test func dataSourceLineNamesTheValidationAndTheTestSplit() throws {
        let html = try report().html()
        #expect(
            html.contains(
                "<p class=\"source\" id=\"data-source\">Every trial&#39;s number here (the plots, the "
                    + "heat map, the table) is its val_loss on the validation split, from its history.json"))
        #expect(
            html.contains(
                "The test split was read once, for the best trial 002 only (test.txt); no trial was "
                    + "ranked on it."))
        #expect(html.contains("accuracy 90.00%"))
        #expect(try report(test: nil).dataSource.contains("that evaluation has not been run"))
    }

    @Test func tableRanksTheTrialsAndEscapesTheReasons() throws {
        let html = try report().html()
        let table = String(html[html.range(of: "<table class=\"trials\">")!.lowerBound...])
        let order = ["<td>002</td>", "<td>006</td>", "<td>003</td>", "<td>005</td>", "<td>001</td>", "<td>004</td>"]
        let positions = order.map { table.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(table.contains("<tr class=\"best\"><td>002</td>"))
        #expect(table.contains("exit status 1: Error: &lt;boom&gt;"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
    }

    @Test func writeAndLoadFromASearchFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("descent-search-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try report()
        for (number, h) in r.histories {
            let trial = folder.appendingPathComponent("trials").appendingPathComponent(String(format: "%03d", number))
            try FileManager.default.createDirectory(at: trial, withIntermediateDirectories: true)
            try JSONFile.encode(h).write(to: trial.appendingPathComponent("history.json"))
        }
        try r.results.write(to: folder)
        var lines: [String] = []
        SearchReport.write(in: folder, log: { lines.append($0) })
        #expect(lines == ["report: \(folder.appendingPathComponent("report.html").path)"])
        for name in [
            "report.html", "heatmap.svg", "curves.svg", "metric_optimizer_lr.svg",
            "metric_optimizer_name.svg",
        ] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        let loaded = try SearchReport.load(from: folder)
        #expect(loaded.histories == r.histories && loaded.test == nil && loaded.parameters == nil)
        #expect(loaded.curvesPlot.series.count == 5)
    }

    @Test func aHalvingSearchPlotsPrunedTrialsByRungAndItsHeatMapComparesRungOne() throws {
        // Rungs at 1 and 3 epochs: trials 1 and 3 stopped at rung 1, trial 2 (the best) reached rung 2.
        var trials = [trial(1, "0.1", "sgd", 0.9), trial(2, "0.01", "adam", 0.3), trial(3, "0.001", "sgd", 0.8)]
        trials[0].status = .stopped
        trials[2].status = .stopped
        (trials[0].rung, trials[1].rung, trials[2].rung) = (1, 2, 1)
        (trials[0].rungMetrics, trials[1].rungMetrics, trials[2].rungMetrics) = ([0.9], [0.6, 0.3], [0.8])
        let results = SearchResults(
            metric: .validationLoss, keys: ["optimizer.lr", "optimizer.name"], trials: trials, rungEpochs: [1, 3])
        let report = SearchReport(
            directory: URL(fileURLWithPath: "/tmp/search"), results: results, parameters: nil, histories: [:],
            test: nil)
        let plot = report.parameterPlot("optimizer.lr")
        #expect(plot.series.map(\.name) == ["stopped at rung 1 (1 epoch)", "best (trial 002)"])
        #expect(plot.series[0].points.map(\.y) == [0.9, 0.8] && plot.series[1].points.map(\.y) == [0.3])
        let heat = try #require(report.heatMap)
        #expect(heat.caption == " at rung 1 (1 epoch, every trial)")
        #expect(heat.counts.flatMap { $0 }.reduce(0, +) == 3)  // the pruned trials too, at rung 1
        #expect(heat.means.flatMap { $0 }.compactMap { $0 }.sorted() == [0.6, 0.8, 0.9])
        #expect(report.dataSource.contains("the heat map compares every trial at rung 1 (1 epoch)"))
    }
}
