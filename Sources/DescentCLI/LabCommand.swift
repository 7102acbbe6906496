import ArgumentParser
import Descent
import DescentTrain
import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `descent lab`: the training notes' claims as small real experiments with plots and computed summaries.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run a small experiment that shows a training claim, with SVG/PNG plots and a computed summary.",
        discussion: """
            Experiments: \(LabExperiment.allCases.map { "\($0.rawValue) (\($0.abstract))" }.joined(separator: "; ")). \
            `all` runs every one; `check` runs none and parses every SVG under --output as XML (for \
            scripts/lab-check.sh). Each writes OUTPUT/<experiment>/ (SVG plots, a PNG of each when rsvg-convert \
            is installed, summary.txt) and OUTPUT/index.html links every experiment found in OUTPUT.
            """
    )

    @Argument(help: "The experiment, `all`, or `check` (parse the SVGs under --output).")
    var experiment: String

    @Option(help: "The folder receiving <experiment>/ and index.html.")
    var output: String = "lab"

    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 0

    @Flag(help: "Fewer steps and smaller data (a first look, and the tests).")
    var quick = false

    @Option(
        help:
            "optimizers only: comma-separated optimizers (default: all of \(LabOptimizer.allCases.map(\.rawValue).joined(separator: ", ")))."
    )
    var optimizers: String?

    @Option(
        help:
            "optimizers only: comma-separated functions (default: all of \(LabSurface.all.map(\.name).joined(separator: ", ")))."
    )
    var function: String?

    func run() throws {
        if experiment == "check" { return try check() }
        let chosen: [LabExperiment]
        if experiment == "all" {
            chosen = LabExperiment.allCases
        } else if let e = LabExperiment(rawValue: experiment) {
            chosen = [e]
        } else {
            throw DescentError(
                .argument, "lab",
                "unknown experiment \"\(experiment)\" (choose from all, check, \(LabExperiment.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        if (optimizers != nil || function != nil) && !chosen.contains(.optimizers) {
            throw DescentError(
                .argument, optimizers != nil ? "--optimizers" : "--function",
                "applies to the optimizers experiment only")
        }
        let folder = URL(fileURLWithPath: output)
        let options = LabOptions(seed: seed, quick: quick)
        for e in chosen {
            let start = Date()
            let result: LabResult
            if e == .optimizers {
                var lab = OptimizerLab()
                if let optimizers {
                    lab.optimizers = try optimizers.split(separator: ",").map { try LabOptimizer.named(String($0)) }
                }
                if let function {
                    lab.surfaces = try function.split(separator: ",").map { try LabSurface.named(String($0)) }
                }
                result = try lab.run(options)
            } else {
                result = try e.run(options)
            }
            let files = try LabWriter.write(result, to: folder)
            print(
                "== \(e.rawValue) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s): \(folder.appendingPathComponent(e.rawValue).path)/ \(files.joined(separator: " "))"
            )
            print(result.summary)
        }
        let listed = try LabWriter.writeIndex(in: folder)
        print(
            "index: \(folder.appendingPathComponent("index.html").path) (\(listed.map(\.rawValue).joined(separator: ", ")))"
        )
        fflush(nil)
    }

    /// Parses every `.svg` under --output as XML; the first that is not well-formed, or none at all, is an error.
    func check() throws {
        let root = URL(fileURLWithPath: output)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw DescentError(.argument, "--output", "no such folder: \(root.path)")
        }
        var count = 0
        for case let path as String in walker where path.hasSuffix(".svg") {
            let file = root.appendingPathComponent(path)
            do {
                let document = try XMLDocument(contentsOf: file, options: [])
                guard document.rootElement()?.localName == "svg" else {
                    throw DescentError(.file, file.path, "the root element is not <svg>")
                }
            } catch let error as DescentError {
                throw error
            } catch {
                throw DescentError(.file, file.path, "not well-formed XML: \(error.localizedDescription)")
            }
            count += 1
        }
        guard count > 0 else { throw DescentError(.argument, "--output", "no .svg files under \(root.path)") }
        print("lab check: \(count) SVG files under \(root.path) parse as XML")
    }
}
