import Foundation
import Testing

/// `descent lab`: one line for a bad experiment, optimizer, function or check folder; an experiment writes its
/// folder and the index, and `descent lab check` parses what it wrote.
@Suite(.serialized) struct LabCommandTests {
    static let experiments =
        "lr, optimizers, decay, weight-decay, batch, early-stopping, dropout, clipping, batchnorm, augmentation, gan"

    @Test(arguments: [
        (
            ["lab", "nope"],
            CommandOutcome.failure("lab: unknown experiment \"nope\" (choose from all, check, \(experiments))")
        ),
        (
            ["lab", "optimizers", "--optimizers", "gd,lbfgs", "--output", "$TMP/lab"],
            .failure(
                "--optimizers: unknown optimizer \"lbfgs\" (choose from gd, momentum, nesterov, nesterov-lookahead, rmsprop, adam, adamw)"
            )
        ),
        (
            ["lab", "optimizers", "--function", "himmelblau", "--output", "$TMP/lab"],
            .failure("--function: unknown function \"himmelblau\" (choose from quadratic, rosenbrock, beale, saddle)")
        ),
        (["lab", "lr", "--function", "beale"], .failure("--function: applies to the optimizers experiment only")),
        (["lab", "check", "--output", "$TMP/none"], .failure("--output: no such folder: $TMP/none")),
        (["lab", "lr", "--seed", "x"], .usage("The value 'x' is invalid for '--seed <seed>'")),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lab-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(CommandOutcome.of(arguments, inFolder: folder) == expected.inFolder(folder))
    }

    @Test func writesTheExperimentAndTheIndexAndChecksThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lab-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("lab").path
        #expect(
            CommandOutcome.of([
                "lab", "optimizers", "--optimizers", "gd,adam", "--function", "saddle", "--quick", "--output", out,
            ])
                == .success)
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/optimizers").sorted()
        #expect(["saddle-loss.svg", "saddle-paths.svg", "steps.csv", "summary.txt"].allSatisfy(files.contains))
        let summary = try String(contentsOfFile: out + "/optimizers/summary.txt", encoding: .utf8)
        #expect(
            summary.contains("saddle") && summary.contains("gd") && summary.contains("adam")
                && !summary.contains("rmsprop"))
        #expect(FileManager.default.fileExists(atPath: out + "/index.html"))
        #expect(CommandOutcome.of(["lab", "check", "--output", out]) == .success)
        // A broken SVG is named.
        try "<svg><g></svg>".write(toFile: out + "/optimizers/broken.svg", atomically: true, encoding: .utf8)
        let broken = CommandOutcome.of(["lab", "check", "--output", out])
        #expect(
            broken.status == 1 && broken.line.hasPrefix("Error: \(out)/optimizers/broken.svg: not well-formed XML"),
            "\(broken)")
    }
}
