import ArgumentParser
import Descent
import DescentMPI
import DescentTrain
import Foundation

/// `descent search`: a hyper-parameter search over any config keys — grid and seeded random sampling, each
/// trial a `descent train` child process scored on the validation split, results written as each trial ends,
/// resumable, and the best configuration evaluated once on the test split.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search hyper-parameters: grid or random trials of descent train, ranked on the validation split.",
        discussion: """
            The space comes from the config's search: section and from flags, e.g. \
            descent search my.yaml --grid optimizer.lr=0.1,0.01,0.001 --grid optimizer.name=sgd,adam \
            --random optimizer.weight_decay=loguniform:1e-6:1e-2 --trials 20. Distributions: uniform:A:B, \
            loguniform:A:B, int:A:B, choice:A,B,C. Every trial's config is checked before any trial starts. \
            Strategies: full (every trial trains training.epochs) or halving (successive halving: every trial \
            trains --min-epochs, the best 1/--reduction-factor continue from their checkpoint, up to \
            training.epochs; the default above \(SearchStrategy.halvingAbove) trials). \
            --folds K (or search.folds) scores each trial by K-fold cross-validation of the training data; the best \
            configuration is then refit on all of it before the one test evaluation. \
            The folder (--output, default runs/search) receives search.json, results.json, results.csv, \
            trials/NNN/, best.yaml, test.txt and report.html; `descent search --resume DIR` continues an interrupted \
            search.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A YAML or JSON config file (its search: section, if any, adds parameters); omit "
                + "it for the built-in config."))
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override a config key in every trial (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("A grid axis: every value is tried (repeatable).", valueName: "key=v1,v2,…"))
    var grid: [String] = []

    @Option(
        help: ArgumentHelp(
            "A sampled key: uniform:A:B, loguniform:A:B, int:A:B or choice:A,B,… (repeatable).",
            valueName: "key=distribution"))
    var random: [String] = []

    @Option(
        help: ArgumentHelp(
            "Trials with sampled keys (default: the search: section's trials, or 10); at most "
                + "this many grid points."))
    var trials: Int?

    @Option(help: "Seed of the sampled values.")
    var seed: UInt64 = 0

    @Option(help: "The validation metric trials are ranked by: val_loss (lowest best) or val_accuracy (highest best).")
    var metric: String = "val_loss"

    @Option(
        help: ArgumentHelp(
            "full, halving (successive halving) or hyperband (several halving brackets; default: the search: "
                + "section's strategy, else halving above \(SearchStrategy.halvingAbove) trials, else full)."))
    var strategy: String?

    @Option(
        help: ArgumentHelp(
            "Epochs of successive halving's first rung (default: search.min_epochs, or 1).",
            valueName: "R"))
    var minEpochs: Int?

    @Option(
        help: ArgumentHelp(
            "Successive halving's η: the best 1/η of a rung continue (default: "
                + "search.reduction_factor, or 3).", valueName: "η"))
    var reductionFactor: Int?

    @Option(
        help: ArgumentHelp(
            "K-fold cross-validation: each trial trains K times, fold k of the training data held out, and is "
                + "scored by the mean over the folds (default: search.folds; none).", valueName: "K"))
    var folds: Int?

    @Option(help: "Trials at a time (default: the cores divided by --threads-per-trial).")
    var parallel: Int?

    @Option(help: "Kernel threads of each trial (descent train --threads).")
    var threadsPerTrial: Int = 1

    @Flag(
        help: ArgumentHelp(
            "Run as one rank of an MPI job (implied under mpirun/srun): rank 0 schedules and writes the results, "
                + "every rank runs trials, one at a time."))
    var distributed = false

    @Option(help: "The search folder (default runs/search).")
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Continue the search in this folder: finished and failed trials are kept, the others "
                + "run again.",
            valueName: "search-folder"))
    var resume: String?

    func validate() throws {
        let space =
            config != nil || !grid.isEmpty || !random.isEmpty || !overrides.isEmpty || trials != nil
            || strategy != nil || minEpochs != nil || reductionFactor != nil || folds != nil
        if resume != nil, space || output != nil {
            throw ValidationError(
                "--resume takes the search from the folder's search.json: give no CONFIG, --grid, "
                    + "--random, --set, --trials, --strategy, --min-epochs, --reduction-factor, "
                    + "--folds or --output with it")
        }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1, got \(trials)") }
        if let strategy, SearchStrategy(rawValue: strategy) == nil {
            throw ValidationError("--strategy must be full, halving or hyperband, got '\(strategy)'")
        }
        if let minEpochs, minEpochs < 1 { throw ValidationError("--min-epochs must be at least 1, got \(minEpochs)") }
        if let reductionFactor, reductionFactor < 2 {
            throw ValidationError("--reduction-factor must be at least 2, got \(reductionFactor)")
        }
        if let folds, folds < 2 { throw ValidationError("--folds must be at least 2, got \(folds)") }
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1, got \(parallel)") }
        if threadsPerTrial < 1 {
            throw ValidationError("--threads-per-trial must be at least 1, got \(threadsPerTrial)")
        }
        if MonitoredMetric(rawValue: metric).map({ $0 != .validationLoss && $0 != .validationAccuracy }) ?? true {
            throw ValidationError("--metric must be val_loss or val_accuracy, got '\(metric)'")
        }
    }

    /// The plan the flags describe, every trial's config checked.
    func plan() throws -> SearchPlan {
        var space = SearchSpace()
        var base: URL?
        if let config {
            let url = URL(fileURLWithPath: config)
            _ = try TrainingConfig.load(contentsOf: url, overrides: overrides)
            space = try SearchSpace.load(contentsOf: url)
            base = url.standardizedFileURL
        }
        for g in grid { try space.add(flag: g, grid: true) }
        for r in random { try space.add(flag: r, grid: false) }
        if let trials { space.trials = trials }
        if let folds { space.folds = folds }
        try space.validate(base: base, overrides: overrides, seed: seed)
        let parallel =
            parallel
            ?? SearchPlan.defaultParallel(
                cores: ProcessInfo.processInfo.activeProcessorCount,
                threadsPerTrial: threadsPerTrial)
        var plan = SearchPlan(
            config: base?.path, overrides: overrides, space: space, seed: seed,
            metric: MonitoredMetric(rawValue: metric)!, parallel: parallel,
            threadsPerTrial: threadsPerTrial)
        if (strategy.flatMap(SearchStrategy.init) ?? space.strategy) == .hyperband {
            plan.hyperband = try hyperband(&plan)
        } else {
            plan.halving = try halving(plan)
        }
        return plan
    }

    /// Hyperband's brackets for `plan` (`--strategy hyperband` or `search.strategy: hyperband`), from `--min-epochs`
    /// up to `training.epochs`; with sampled keys and no `--trials`/`search.trials`, the space gets as many trials
    /// as the brackets want.
    func hyperband(_ plan: inout SearchPlan) throws -> Hyperband {
        let flag = strategy != nil ? "--strategy hyperband" : "search.strategy: hyperband"
        if plan.space.parameters.contains(where: { $0.key == "training.epochs" }) {
            throw DescentError(.config, flag, "training.epochs is searched; use full")
        }
        if plan.space.folds != nil {
            throw DescentError(
                .config, flag, "does not combine with k-fold cross-validation (search.folds); use halving")
        }
        let epochs = try plan.trialConfig(plan.space.configurations(seed: plan.seed).first ?? []).training.epochs
        let hyperband = Hyperband(
            minEpochs: minEpochs ?? plan.space.minEpochs ?? 1,
            reductionFactor: reductionFactor ?? plan.space.reductionFactor ?? 3, maxEpochs: epochs)
        guard hyperband.sMax >= 1 else {
            throw DescentError(
                .config, flag,
                "needs training.epochs (\(epochs)) of at least min_epochs × reduction_factor "
                    + "(\(hyperband.minEpochs) × \(hyperband.reductionFactor))")
        }
        if plan.space.trials == nil, plan.space.parameters.contains(where: { !$0.isGrid }) {
            plan.space.trials = hyperband.bracketTrials.reduce(0, +)
            try plan.space.validate(
                base: plan.config.map { URL(fileURLWithPath: $0) }, overrides: plan.overrides, seed: plan.seed)
        }
        let count = plan.space.configurations(seed: plan.seed).count
        guard count >= hyperband.brackets.count else {
            throw DescentError(
                .config, flag, "\(count) trials for \(hyperband.brackets.count) brackets; give at least one per bracket"
            )
        }
        return hyperband
    }

    /// The successive-halving rungs of `plan`, or `nil` for the full strategy: `--strategy` (else the search:
    /// section's, else halving above ``SearchStrategy/halvingAbove`` trials) from `--min-epochs` up to the
    /// config's `training.epochs`.
    func halving(_ plan: SearchPlan) throws -> SuccessiveHalving? {
        let space = plan.space
        let configurations = space.configurations(seed: plan.seed)
        let given = strategy.flatMap(SearchStrategy.init) ?? space.strategy
        guard (given ?? SearchStrategy.defaultFor(trials: configurations.count)) == .halving else { return nil }
        let flag = strategy != nil ? "--strategy halving" : "search.strategy: halving"
        if space.parameters.contains(where: { $0.key == "training.epochs" }) {
            guard given == nil else { throw DescentError(.config, flag, "training.epochs is searched; use full") }
            return nil
        }
        let epochs = try plan.trialConfig(configurations.first ?? []).training.epochs
        let r = minEpochs ?? space.minEpochs ?? 1
        guard r < epochs else {
            guard given == nil else {
                throw DescentError(
                    .config, minEpochs != nil ? "--min-epochs" : "search.min_epochs",
                    "must be less than training.epochs (\(epochs)) with halving, got \(r)")
            }
            return nil
        }
        return SuccessiveHalving(
            minEpochs: r, reductionFactor: reductionFactor ?? space.reductionFactor ?? 3,
            maxEpochs: epochs)
    }

    /// The running `descent` executable (`/proc/self/exe` on Linux, else the first argument).
    static var executable: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }

    func run() throws {
        InterruptSignal.install()  // Ctrl-C: no new trials; the running ones checkpoint and stop (exit 130)
        guard distributed || MPIContext.launchedByMPI else {
            if let hyperband = try makeHyperband() {
                try hyperband.start()
                if hyperband.interrupted { throw ExitCode(130) }
                return
            }
            let search = try makeSearch()
            _ = try search.start()
            if search.interrupted { throw ExitCode(130) }
            return
        }
        let context = try MPIContext()
        defer { context.finalize() }
        guard context.rank == 0 else {  // a worker rank: runs the trials rank 0 hands it
            try DistributedSearch.serveTrials(context: context, executable: Self.executable)
            return
        }
        let coordinator = SearchCoordinator(context: context, executable: Self.executable)
        let search: SearchRun?, hyperband: HyperbandRun?
        do {
            hyperband = try makeHyperband()
            search = hyperband == nil ? try makeSearch() : nil
        } catch {
            try? coordinator.stopRanks()
            throw error
        }
        let distribute = { (run: SearchRun) in
            run.slots = coordinator.slots
            run.live = false  // mpirun hands rank 0 a pseudo-terminal even when its own output is a file
        }
        hyperband?.configure = distribute
        if let search { distribute(search) }
        let directory = search?.directory ?? hyperband!.directory
        print(
            "descent search under MPI: \(context.size) ranks, each running one trial at a time "
                + "(rank 0 schedules and writes \(directory.path))")
        let outcome = LockedResult()
        let thread = Thread {
            outcome.set(
                Result {
                    if let hyperband { try hyperband.start() } else { _ = try search!.start() }
                })
            coordinator.finish()
        }
        thread.start()
        do {
            try coordinator.serve()
        } catch {
            context.abort(
                "Error: \(error); the search stopped; finished trials are in "
                    + "\(directory.path); continue with: descent search --resume \(directory.path)")
        }
        try outcome.wait().get()
        if search?.interrupted == true || hyperband?.interrupted == true { throw ExitCode(130) }
    }

    /// The Hyperband search the flags describe (or `--resume` continues), or `nil` for any other strategy.
    func makeHyperband() throws -> HyperbandRun? {
        let run: HyperbandRun
        if let resume {
            let folder = URL(fileURLWithPath: resume)
            var plan = try SearchPlan.read(from: folder)
            guard plan.hyperband != nil else { return nil }
            if let parallel { plan.parallel = parallel }
            run = HyperbandRun(plan: plan, directory: folder, executable: Self.executable, resume: true)
        } else {
            let plan = try plan()
            guard plan.hyperband != nil else { return nil }
            run = HyperbandRun(
                plan: plan, directory: URL(fileURLWithPath: output ?? "runs/search").standardizedFileURL,
                executable: Self.executable)
        }
        let live = isatty(STDOUT_FILENO) != 0
        run.configure = { $0.live = live }
        return run
    }

    /// The search the flags describe (or `--resume` continues), its output live at a terminal.
    func makeSearch() throws -> SearchRun {
        let search: SearchRun
        if let resume {
            let folder = URL(fileURLWithPath: resume)
            var plan = try SearchPlan.read(from: folder)
            if let parallel { plan.parallel = parallel }
            search = try SearchRun(plan: plan, directory: folder, executable: Self.executable, resume: true)
            let numbers = search.unfinished.map { String(format: "%03d", $0) }.joined(separator: ", ")
            print("resuming \(folder.path): trials \(numbers) to run")
        } else {
            search = try SearchRun(
                plan: plan(), directory: URL(fileURLWithPath: output ?? "runs/search").standardizedFileURL,
                executable: Self.executable)
        }
        if isatty(STDOUT_FILENO) != 0 {  // a terminal: the live table, redrawn in place; else plain lines
            search.live = true
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 {
                search.columns = Int(size.ws_col)
            }
        }
        return search
    }
}

/// The outcome of the search thread of a distributed search, waited for by the main thread.
private final class LockedResult: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Void, any Error>?

    func set(_ r: Result<Void, any Error>) {
        condition.lock()
        result = r
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> Result<Void, any Error> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}
