import Descent
import Foundation

/// A Hyperband search (``Hyperband``) from a plan to a search folder: each bracket is a successive-halving search
/// (``SearchRun``) of its share of the configurations in `bracket-K/` (its own `results.json`, `results.csv`,
/// `trials/`, `best.yaml` and `report.html`), run one after the other; then the best trial of all brackets (every
/// bracket ends at `training.epochs`, so their metrics compare) is written to `best.yaml` and evaluated once on the
/// test split (`test.txt`), and `hyperband.csv` lists every bracket's best.
///
/// ```
/// DIR/
///   search.json      the plan, with its `hyperband` brackets (read back by --resume)
///   bracket-1/ …     one search folder per bracket, the most aggressive first
///   hyperband.csv    bracket, its first rung's epochs, trials, best trial, its parameters and metric
///   best.yaml, test.txt
/// ```
/// `--resume` resumes each bracket folder that has a `results.json` and starts the others.
public final class HyperbandRun: @unchecked Sendable {
    /// The plan (with ``SearchPlan/hyperband`` set).
    public let plan: SearchPlan
    /// The search folder.
    public let directory: URL
    /// The `descent` executable that runs the trials.
    public let executable: URL
    /// Whether the brackets already in the folder are resumed.
    public let resume: Bool
    /// Where progress and the tables go.
    public var write: @Sendable (String) -> Void = {
        print($0)
        fflush(nil)
    }
    /// Applied to each bracket's ``SearchRun`` before it starts (live output, MPI slots).
    public var configure: (SearchRun) -> Void = { _ in }
    /// Whether the last ``start()`` stopped on Ctrl-C before every bracket had run.
    public private(set) var interrupted = false

    /// A Hyperband search of `plan` in `directory`, its trials run by `executable`.
    public init(plan: SearchPlan, directory: URL, executable: URL, resume: Bool = false) {
        self.plan = plan
        self.directory = directory
        self.executable = executable
        self.resume = resume
    }

    /// The bracket plans: each bracket's successive halving (none for the last, whose trials train straight to
    /// the end) over its share of the configurations, in order.
    ///
    /// - Throws: ``DescentError`` when the space has fewer configurations than brackets.
    public func bracketPlans() throws -> [SearchPlan] {
        guard let hyperband = plan.hyperband else { return [plan] }
        let configurations = plan.trialConfigurations
        guard let shares = hyperband.split(configurations.count) else {
            throw DescentError(
                .config, "search.strategy: hyperband",
                "\(configurations.count) trials for \(hyperband.brackets.count) brackets; give at least one per bracket"
            )
        }
        var offset = 0
        return zip(hyperband.brackets, shares).map { bracket, n in
            var sub = plan
            sub.hyperband = nil
            sub.halving = bracket.rungEpochs.count > 1 ? bracket : nil
            sub.configurations = Array(configurations[offset..<(offset + n)])
            offset += n
            return sub
        }
    }

    /// Runs every bracket, then writes `hyperband.csv` and `best.yaml` and evaluates the best trial once on the test
    /// split.
    ///
    /// - Throws: ``DescentError`` when a folder cannot be written or a trial cannot be started.
    public func start() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try plan.write(to: directory)
        let plans = try bracketPlans()
        if let hyperband = plan.hyperband { write(hyperband.summary(plan.trialConfigurations.count)) }
        var bests: [(bracket: Int, plan: SearchPlan, trial: SearchTrial?, folder: URL)] = []
        for (k, sub) in plans.enumerated() {
            let folder = directory.appendingPathComponent("bracket-\(k + 1)")
            let again =
                resume && FileManager.default.fileExists(atPath: folder.appendingPathComponent("results.json").path)
            let first = sub.halving?.rungEpochs.first ?? plan.hyperband?.maxEpochs ?? 0
            write(
                "hyperband bracket \(k + 1) of \(plans.count): \(sub.trialConfigurations.count) trials from \(first) "
                    + "epochs in \(folder.path)")
            let run = try SearchRun(plan: sub, directory: folder, executable: executable, resume: again)
            run.evaluatesBest = false
            run.write = write
            configure(run)
            let results = try run.start()
            if run.interrupted {
                interrupted = true
                write("interrupted; continue with: descent search --resume \(directory.path)")
                return
            }
            bests.append((k + 1, sub, results.best, folder))
        }
        let scored = bests.filter { $0.trial?.metric != nil }
        var csv =
            "bracket,first_rung_epochs,trials,best_trial," + plan.space.parameters.map(\.key).joined(separator: ",")
        csv += ",\(plan.metric.rawValue)\n"
        for b in bests {
            let values = plan.space.parameters.map { p in b.trial?.value(of: p.key) ?? "" }
            csv +=
                ([
                    "\(b.bracket)", "\(b.plan.halving?.rungEpochs.first ?? plan.hyperband?.maxEpochs ?? 0)",
                    "\(b.plan.trialConfigurations.count)", b.trial?.folderName ?? "",
                ] + values + [b.trial?.metric.map { "\($0)" } ?? ""])
                .joined(separator: ",") + "\n"
        }
        try AtomicFile.write(Data(csv.utf8), to: directory.appendingPathComponent("hyperband.csv"))
        write("")
        write("the best trial of each bracket (all at \(plan.hyperband?.maxEpochs ?? 0) epochs):")
        for b in bests {
            let text =
                b.trial.map {
                    String(
                        format: "trial %@ (%@) %@ %.4f", $0.folderName, $0.parameters.joined(separator: " "),
                        plan.metric.rawValue, $0.metric ?? .nan)
                } ?? "no trial finished"
            write("  bracket \(b.bracket): " + text)
        }
        let higher = plan.metric.higherIsBetter
        guard
            let best = scored.min(by: { a, b in
                higher ? a.trial!.metric! > b.trial!.metric! : a.trial!.metric! < b.trial!.metric!
            })
        else {
            write("no trial finished with a \(plan.metric.rawValue): no best.yaml, no test evaluation")
            return
        }
        let trial = best.trial!
        try SearchRun.writeBestConfig(plan, trial.parameters, to: directory)
        write(
            String(
                format: "best: bracket %d trial %@ (%@) with validation %@ %.4f; its config: %@", best.bracket,
                trial.folderName, trial.parameters.joined(separator: " "), plan.metric.rawValue, trial.metric!,
                directory.appendingPathComponent("best.yaml").path))
        let run = best.folder.appendingPathComponent("trials").appendingPathComponent(trial.folderName)
        let test = directory.appendingPathComponent("test.txt")
        let header =
            "test split, read once for the best trial \(trial.folderName) of bracket \(best.bracket) "
            + "(descent evaluate --run \(run.path) --split test):"
        if SearchRun.reuseTestResult(test, header: header, write: write) { return }
        try SearchRun.evaluateTest(run, executable: executable, to: test, header: header, write: write)
    }
}
