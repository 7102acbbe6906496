import Descent
import Foundation
import Testing

@testable import DescentTrain

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct TrainingReportTests {
    private func history() -> History {
        var h = History()
        h.epochs = [
            EpochLog(
                epoch: 1, trainLoss: 1.2, trainAccuracy: 0.5, validationLoss: 0.9, validationAccuracy: 0.6,
                learningRate: 1e-3, seconds: 2, samplesPerSecond: 500),
            EpochLog(
                epoch: 2, trainLoss: 0.6, trainAccuracy: 0.8, validationLoss: 0.5, validationAccuracy: 0.85,
                learningRate: 5e-4, seconds: 2, samplesPerSecond: 500),
            EpochLog(
                epoch: 3, trainLoss: 0.4, trainAccuracy: 0.9, validationLoss: 0.55, validationAccuracy: 0.84,
                learningRate: 1e-4, seconds: 2, samplesPerSecond: 500),
        ]
        h.evaluations = [
            EvaluationLog(step: 5, epoch: 1, loss: 1.0, accuracy: 0.55, learningRate: 1e-3),
            EvaluationLog(step: 15, epoch: 2, loss: 0.6, accuracy: 0.8, learningRate: 5e-4),
        ]
        h.stoppedEarly = "early stopping: val_loss has not improved for 1 epochs"
        h.restoredEpoch = 2
        return h
    }

    private func classification() -> Evaluation {
        var m = ClassificationMetrics(classes: 3, topK: 2)
        m.add(
            logits: Tensor(rows: [[5, 1, 0], [0, 3, 1], [0, 2, 1], [1, 0, 4]]), labels: [0, 1, 2, 2], meanLoss: 0.5)
        return Evaluation(loss: 0.5, classification: m)
    }

    private func report(_ test: Evaluation? = nil) -> TrainingReport {
        TrainingReport(
            title: "CNN <shapes> & co", history: history(), test: test ?? classification(),
            facts: [("dataset", "shapes"), ("model", "W3 CNN"), ("seed", "0")],
            config: "model:\n  layers: [conv<3>]\n", classNames: ["circle", "square", "tri&angle"], stepsPerEpoch: 10)
    }

    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("descent-report-\(UUID().uuidString)")
    }

    @Test func htmlHasEverySectionAndNothingRemote() {
        let html = report().html()
        for needle in [
            "<h1>CNN &lt;shapes&gt; &amp; co</h1>", "id=\"facts\"", "<th>dataset</th><td>shapes</td>", "id=\"metrics\"",
            "test accuracy", "0.7500", "test top-2 accuracy", "<th>precision</th>", "tri&amp;angle", "id=\"training\"",
            "Stopped before the last epoch: early stopping", "validation loss (restored epoch 2)",
            "epoch 2 (best weights restored)", "id=\"loss\"", "id=\"accuracy\"",
            "id=\"learning-rate\"", "id=\"confusion-matrix\"", "id=\"config\"",
            "<pre>model:\n  layers: [conv&lt;3&gt;]\n</pre>",
            "restored (epoch 2)", "validation (every N steps)", "6.0 s of training, 500 samples/s", "0.0005",
        ] {
            #expect(html.contains(needle), "missing \(needle)")
        }
        #expect(!html.contains("http") && !html.contains("<script") && !html.contains("xmlns"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(html == report().html())
    }

    @Test func stepValidationsSitOnTheEpochAxis() {
        #expect(report().lossPlot.series[2].points.map(\.x) == [0.5, 1.5])
        var estimated = report()
        estimated.stepsPerEpoch = nil
        estimated.history.evaluations = [4, 8, 12, 16].map {
            EvaluationLog(step: $0, epoch: ($0 + 7) / 8, loss: 1, accuracy: nil, learningRate: 1)
        }
        #expect(estimated.lossPlot.series[2].points.map(\.x) == [0.5, 1, 1.5, 2])
        #expect(estimated.learningRatePlot.series.count == 2)
    }

    @Test func regressionReportShowsErrorsAndNoClassificationParts() throws {
        var r = RegressionMetrics()
        r.add(predictions: Tensor([1, 2, 3, 5]), targets: Tensor([1, 2, 4, 4]), meanLoss: 0.5)
        var h = History()
        h.epochs = [
            EpochLog(epoch: 1, trainLoss: 2, learningRate: 0.1, seconds: 1, samplesPerSecond: 10),
            EpochLog(epoch: 2, trainLoss: 1, learningRate: 0.1, seconds: 1, samplesPerSecond: 10),
        ]
        let report = TrainingReport(title: "regression", history: h, test: Evaluation(loss: 0.5, regression: r))
        let html = report.html()
        for needle in ["test MAE", "0.5000", "test RMSE", "0.7071", "test R²"] {
            #expect(html.contains(needle), "missing \(needle)")
        }
        #expect(
            !html.contains("confusion-matrix") && !html.contains("id=\"accuracy\"") && !html.contains("id=\"config\""))
        #expect(report.accuracyPlot == nil && report.confusionMatrixPlot == nil)

        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try report.write(to: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files == ["learning_rate.svg", "loss.svg", "report.html"])
    }

    @Test func writeCreatesTheReportAndThePlots() throws {
        let directory = temporaryDirectory().appendingPathComponent("nested")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let report = report()
        try report.write(to: directory)
        try report.write(to: directory)  // overwrites in place
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files == ["accuracy.svg", "confusion_matrix.svg", "learning_rate.svg", "loss.svg", "report.html"])
        let html = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html == report.html())
        for name in files where name.hasSuffix(".svg") {
            let svg = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            #expect(try parseXML(svg).name == "svg", "\(name) is not SVG")
        }
        let loss = try String(contentsOf: directory.appendingPathComponent("loss.svg"), encoding: .utf8)
        #expect(loss == report.lossPlot.svg())
    }

    @Test func unwritableDirectoryThrowsAFileError() throws {
        let file = temporaryDirectory()
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let target = file.appendingPathComponent("report")
        #expect {
            try report().write(to: target)
        } throws: { error in
            guard let e = error as? DescentError else { return false }
            return e.kind == .file && e.location.hasPrefix(file.path)
        }
    }

    @Test func emptyHistoryStillRenders() throws {
        let report = TrainingReport(title: "nothing yet", history: History())
        let html = report.html()
        #expect(html.contains("0 epochs.") && html.contains("No test evaluation was run."))
        #expect(try parseXML(report.lossPlot.svg()).name == "svg")
        #expect(report.accuracyPlot == nil)
    }
}

// MARK: - XML parsing shared by the Report tests

/// An XML element copied out of an `XMLDocument` (on Linux the document's nodes dangle once it is freed).
struct XMLNodeCopy {
    /// Local name (namespace dropped).
    var name: String
    /// Attributes by name.
    var attributes: [String: String]
    /// The text content of the element and its descendants.
    var text: String
    /// Child elements in document order.
    var children: [XMLNodeCopy]

    init(_ element: XMLElement) {
        name = element.localName ?? ""
        attributes = Dictionary(
            (element.attributes ?? []).map { ($0.localName ?? "", $0.stringValue ?? "") },
            uniquingKeysWith: { a, _ in a })
        text = element.stringValue ?? ""
        children = (element.children ?? []).compactMap { $0 as? XMLElement }.map(XMLNodeCopy.init)
    }

    /// Every element below (and including) this one named `name`, in document order.
    func all(_ name: String) -> [XMLNodeCopy] { (self.name == name ? [self] : []) + children.flatMap { $0.all(name) } }

    /// The attribute `name` as a number.
    func number(_ name: String) -> Double? { attributes[name].flatMap(Double.init) }

    /// The `class` attribute.
    var cls: String? { attributes["class"] }
}

/// Parses `text` as XML (throws when it is not well-formed) and returns a copy of its root element.
func parseXML(_ text: String) throws -> XMLNodeCopy {
    let document = try XMLDocument(xmlString: text, options: [])
    return withExtendedLifetime(document) { XMLNodeCopy(document.rootElement()!) }
}
