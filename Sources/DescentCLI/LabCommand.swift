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
            `all` runs every one but gan (minutes of GAN training; run it by name); `check` runs none and parses every SVG under --output as XML (for \
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
            chosen = LabExperiment.inAll
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
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder), isFolder.boolValue,
            let walker = FileManager.default.enumerator(atPath: root.path)
        else {
            throw DescentError(.argument, "--output", "no such folder: \(root.path)")
        }
        var count = 0
        for case let path as String in walker where path.hasSuffix(".svg") {
            let file = root.appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw DescentError(.file, file.path, "cannot be read")
            }
            let parser = XMLParser(data: data), root = RootElement()
            parser.delegate = root
            guard parser.parse() else {
                let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "parse error"
                throw DescentError(.file, file.path, "not well-formed XML (line \(parser.lineNumber): \(reason))")
            }
            if let problem = Self.unbalancedTag(in: String(decoding: data, as: UTF8.self)) {
                throw DescentError(.file, file.path, "not well-formed XML (\(problem))")
            }
            guard root.name == "svg" else {
                throw DescentError(.file, file.path, "the root element is <\(root.name ?? "")>, not <svg>")
            }
            count += 1
        }
        guard count > 0 else { throw DescentError(.argument, "--output", "no .svg files under \(root.path)") }
        print("lab check: \(count) SVG files under \(root.path) parse as XML")
    }
}

extension LabCommand {
    /// The first tag that does not nest (an end tag that closes another element, an unclosed element, a tag
    /// without `>`), or nil: a strict check beside `XMLParser`, which on Linux recovers from such errors.
    static func unbalancedTag(in text: String) -> String? {
        var open: [Substring] = []
        var rest = text[...]
        while let start = rest.firstIndex(of: "<") {
            guard let end = rest[start...].firstIndex(of: ">") else { return "a tag without '>'" }
            let tag = rest[rest.index(after: start)..<end]
            rest = rest[rest.index(after: end)...]
            if tag.hasPrefix("?") || tag.hasPrefix("!") || tag.hasSuffix("/") { continue }
            if tag.hasPrefix("/") {
                let name = tag.dropFirst().trimmingCharacters(in: .whitespaces)
                guard let last = open.popLast() else { return "</\(name)> closes nothing" }
                if last != name[...] { return "</\(name)> closes <\(last)>" }
            } else {
                open.append(tag.prefix { !$0.isWhitespace })
            }
        }
        return open.last.map { "<\($0)> is never closed" }
    }
}

/// Remembers the name of the first element an `XMLParser` meets.
private final class RootElement: NSObject, XMLParserDelegate {
    var name: String?
    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == nil { name = elementName }
    }
}
