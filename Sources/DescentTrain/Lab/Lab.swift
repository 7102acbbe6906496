import Descent
import Foundation

/// The experiments of `descent lab`: each trains or optimises for real with Descent's optimizers, schedules and
/// layers, and returns its plots and a summary computed from what it measured.
public enum LabExperiment: String, CaseIterable, Sendable {
    /// Gradient descent on a convex quadratic with a too-small, a good and a too-large learning rate.
    case lr
    /// GD, momentum, both Nesterov forms, RMSprop, Adam and AdamW on 2-D test functions.
    case optimizers
    /// SGD on a noisy least-squares problem: fixed rate, step decay, 1/k and reduce-on-plateau.
    case decay
    /// Ridge regression: closed form against gradient descent with L2, the regularisation path, held-out α.
    case weightDecay = "weight-decay"
    /// Batch, stochastic and mini-batch gradient descent; larger batches with and without a scaled rate.
    case batch
    /// Training and validation curves of an overfitting MLP, the early stop and the restored best epoch.
    case earlyStopping = "early-stopping"
    /// The train/validation gap with and without dropout; inverted against classic (test-time scaled) dropout.
    case dropout
    /// A deep tanh network with exploding gradients, without clipping, clipped by value and by norm.
    case clipping
    /// Training with and without batch norm (and at a higher rate), activation histograms, running statistics.
    case batchnorm
    /// Test accuracy with and without augmentation on 1,000 images, several seeds.
    case augmentation
    /// Test accuracy on 1,000 labelled images with and without a conditional GAN's samples (and augmentation).
    case gan

    /// The experiments `descent lab all` runs: every one but ``gan``, whose GAN training takes minutes.
    public static var inAll: [LabExperiment] { allCases.filter { $0 != .gan } }

    /// One line on what the experiment shows.
    public var abstract: String {
        switch self {
        case .lr: "learning rate too small, good, too large: loss against step and paths over contours"
        case .optimizers: "GD, momentum, Nesterov (two forms), RMSprop, Adam, AdamW on 2-D functions"
        case .decay: "fixed rate vs step decay vs 1/k vs reduce-on-plateau on a noisy problem"
        case .weightDecay: "ridge regression: closed form vs GD with L2, regularisation path, held-out α"
        case .batch: "batch vs stochastic vs mini-batch gradient descent; batch size and rate scaling"
        case .earlyStopping: "an overfitting MLP's training/validation curves, the early stop and the restored epoch"
        case .dropout: "train/validation gap with and without dropout; inverted vs test-time weight scaling"
        case .clipping: "a deep tanh network with exploding gradients: no clipping, clip by value (θ = 5), by norm"
        case .batchnorm:
            "training with and without batch norm and at a higher rate; activation histograms; running stats"
        case .augmentation: "accuracy with and without augmentation on 1,000 images, mean and spread over seeds"
        case .gan: "1,000 labelled images: accuracy without extra data, with augmentation, GAN samples, both (minutes)"
        }
    }

    /// Runs the experiment with its default settings.
    public func run(_ options: LabOptions) throws -> LabResult {
        switch self {
        case .lr: LearningRateLab().run(options)
        case .optimizers: try OptimizerLab().run(options)
        case .decay: DecayLab().run(options)
        case .weightDecay: WeightDecayLab().run(options)
        case .batch: BatchLab().run(options)
        case .earlyStopping: try EarlyStoppingLab().run(options)
        case .dropout: try DropoutLab().run(options)
        case .clipping: ClippingLab().run(options)
        case .batchnorm: try BatchNormLab().run(options)
        case .augmentation: try AugmentationLab().run(options)
        case .gan: try GANLab().run(options)
        }
    }
}

/// Settings every experiment takes.
public struct LabOptions: Sendable {
    /// Seed of every random draw (data, noise, sampling order).
    public var seed: UInt64
    /// Fewer steps and smaller data, for tests and a first look.
    public var quick: Bool

    /// Options with seed `seed` (default 0), full size unless `quick`.
    public init(seed: UInt64 = 0, quick: Bool = false) { (self.seed, self.quick) = (seed, quick) }
}

/// What an experiment produced: named plots and the summary of its measurements.
public struct LabResult: Sendable {
    /// The experiment.
    public var experiment: LabExperiment
    /// The plots, by file name without extension (`loss`, `paths`, …), in display order.
    public var plots: [(name: String, plot: LinePlot)]
    /// Plain-text findings, computed from the measurements.
    public var summary: String
    /// Extra text files (such as CSV tables) by file name.
    public var files: [(name: String, contents: String)]

    /// A result; `files` defaults to none.
    public init(
        experiment: LabExperiment, plots: [(name: String, plot: LinePlot)], summary: String,
        files: [(name: String, contents: String)] = []
    ) {
        (self.experiment, self.plots, self.summary, self.files) = (experiment, plots, summary, files)
    }
}

/// Writing experiments' results and the index page.
public enum LabWriter {
    /// Writes `result` into `folder/<experiment>/`: one SVG per plot, a PNG of each when `rsvg-convert` is on the
    /// PATH, `summary.txt` and the extra files. Returns the names written.
    @discardableResult
    public static func write(_ result: LabResult, to folder: URL) throws -> [String] {
        let dir = folder.appendingPathComponent(result.experiment.rawValue)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, dir.path, "cannot create the output folder: \(error.localizedDescription)")
        }
        var written: [String] = []
        for (name, plot) in result.plots {
            let svg = dir.appendingPathComponent(name + ".svg")
            try AtomicFile.write(Data(plot.svg().utf8), to: svg)
            written.append(name + ".svg")
            if renderPNG(svg: svg, png: dir.appendingPathComponent(name + ".png")) { written.append(name + ".png") }
        }
        try AtomicFile.write(Data(result.summary.utf8), to: dir.appendingPathComponent("summary.txt"))
        written.append("summary.txt")
        for (name, contents) in result.files {
            try AtomicFile.write(Data(contents.utf8), to: dir.appendingPathComponent(name))
            written.append(name)
        }
        return written
    }

    /// The full path of `rsvg-convert` when it is on the PATH.
    static let rsvgConvert: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/rsvg-convert" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Renders `svg` to `png` with `rsvg-convert`; false when the tool is missing or fails.
    static func renderPNG(svg: URL, png: URL) -> Bool {
        guard let tool = rsvgConvert else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-o", png.path, svg.path]
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Writes `folder/index.html`: every experiment whose folder holds a `summary.txt`, its summary and its
    /// plots (the SVGs, linked to their PNGs when those exist). Returns the experiments listed.
    @discardableResult
    public static func writeIndex(in folder: URL) throws -> [LabExperiment] {
        let fm = FileManager.default
        var listed: [LabExperiment] = []
        var body = ""
        for experiment in LabExperiment.allCases {
            let dir = folder.appendingPathComponent(experiment.rawValue)
            guard let summary = try? String(contentsOf: dir.appendingPathComponent("summary.txt"), encoding: .utf8)
            else { continue }
            listed.append(experiment)
            let svgs = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".svg") }.sorted()
            body += "<section id=\"\(experiment.rawValue)\">\n<h2>\(experiment.rawValue)</h2>\n"
            body += "<p>\(Markup.escape(experiment.abstract))</p>\n<pre>\(Markup.escape(summary))</pre>\n"
            for svg in svgs {
                let href = "\(experiment.rawValue)/\(svg)"
                let png = String(svg.dropLast(4)) + ".png"
                let link =
                    fm.fileExists(atPath: dir.appendingPathComponent(png).path) ? "\(experiment.rawValue)/\(png)" : href
                body +=
                    "<figure><a href=\"\(Markup.escape(link))\"><img src=\"\(Markup.escape(href))\" alt=\"\(Markup.escape(svg))\"></a>"
                body += "<figcaption>\(Markup.escape(svg))</figcaption></figure>\n"
            }
            body += "</section>\n"
        }
        let toc = listed.map {
            "<li><a href=\"#\($0.rawValue)\">\($0.rawValue)</a>: \(Markup.escape($0.abstract))</li>"
        }
        .joined(separator: "\n")
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>descent lab</title>
            <style>body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em}
            figure{display:inline-block;margin:0.5em}img{max-width:660px;border:1px solid #ddd}
            pre{background:#f6f6f6;padding:0.6em;white-space:pre-wrap}</style></head>
            <body><h1>descent lab</h1>
            <p>Each experiment trains or optimises for real with Descent's optimizers, schedules and layers; \
            the summaries are computed from the measurements.</p>
            <ul>
            \(toc)
            </ul>
            \(body)</body></html>

            """
        try AtomicFile.write(Data(html.utf8), to: folder.appendingPathComponent("index.html"))
        return listed
    }
}

/// Small numeric helpers shared by the experiments.
enum LabMath {
    /// Steps `0…count−1` as doubles (x values of a per-step curve, starting at 0).
    static func steps(_ count: Int) -> [Double] { (0..<count).map(Double.init) }

    /// A number in short scientific or fixed notation for summaries (`1.23e-05`, `0.4521`).
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "inf" : "-inf") }
        if v != 0 && (abs(v) < 1e-3 || abs(v) >= 1e5) { return String(format: "%.3e", v) }
        return String(format: "%.4f", v)
    }

    /// Mean of `values` (0 when empty).
    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// Solves `A·x = b` by Gaussian elimination with partial pivoting (A square, non-singular).
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var m = a, v = b
        let n = v.count
        for col in 0..<n {
            let pivot = (col..<n).max { abs(m[$0][col]) < abs(m[$1][col]) }!
            m.swapAt(col, pivot)
            v.swapAt(col, pivot)
            for row in (col + 1)..<n {
                let f = m[row][col] / m[col][col]
                if f == 0 { continue }
                for k in col..<n { m[row][k] -= f * m[col][k] }
                v[row] -= f * v[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = v[row]
            for k in (row + 1)..<n { s -= m[row][k] * x[k] }
            x[row] = s / m[row][row]
        }
        return x
    }
}
