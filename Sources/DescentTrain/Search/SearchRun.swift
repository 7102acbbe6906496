import Descent
import Foundation

/// A search from a plan to a search folder — the library side of `descent search`:
///
/// ```
/// DIR/
///   search.json         the plan (base config, overrides, space, seed, metric), read back by --resume
///   results.json, results.csv   every trial: parameters, status (with the reason of a failure), metric,
///                               epochs, seconds; rewritten atomically as each trial starts and ends
///   trials/NNN/         trial.yaml (its resolved config), train.log, the `descent train` run folder, and once
///                       the trial has ended its HParams summary (``SearchHParams``)
///   best.yaml           the best trial's config, ready for `descent train`
///   test.txt            the one test-split evaluation of the best trial's weights
/// ```
/// Each trial is a child process, `descent train trials/NNN/trial.yaml --output trials/NNN --threads K`, run with
/// `training.evaluate_test: false`, so trials are scored on the validation split only and never read the test
/// split. A trial that fails is recorded with its reason and the search goes on.
///
/// With `plan.halving` (successive halving) the trials run rung by rung: every trial keeps the config's
/// `training.epochs` (the last rung's) as its length and pauses after the first rung's epochs
/// (`--pause-after-epoch E`); once every trial of a rung has finished, the best 1/η by the metric at that rung
/// (ties: the lower trial number) are promoted and the others `stopped`, a decision written to `results.json`
/// before any promoted trial starts; the promoted ones continue from their checkpoint
/// (`descent train --resume trials/NNN --pause-after-epoch E'`, no pause at the last rung). Since a pause leaves
/// the schedule spanning the whole run, a trial that reaches the last rung ends with the same weights, byte for
/// byte, as the same trial trained straight in a full search.
public final class SearchRun: @unchecked Sendable {
    /// The plan.
    public let plan: SearchPlan
    /// The search folder.
    public let directory: URL
    /// The `descent` executable that runs the trials.
    public let executable: URL
    /// Where progress and the tables go.
    public var write: @Sendable (String) -> Void = {
        print($0); fflush(nil)
    }
    /// Where the trials run, one trial at a time per slot (``TrialSlot``: a rank of an MPI job); `nil`:
    /// `plan.parallel` child processes of this one.
    public var slots: [any TrialSlot]?
    /// Whether the output is a terminal: the live table (``SearchProgress/lines``) is then redrawn in place under
    /// the event lines, every second; otherwise every event line ends with the progress summary.
    public var live = false
    /// The terminal's width, which the live table's rows are cut to (so that redrawing in place stays exact).
    public var columns = 120
    private let lock = NSRecursiveLock()
    private var results: SearchResults
    private var plannedEpochs: [Int] = []
    private var began = Date()
    private var startedAt: [Int: Date] = [:]
    private var block = LiveBlock()
    private var queue: [Int] = []
    private var cutShort: Set<Int> = []
    /// Whether ``start()`` ends with the one test evaluation of the best trial (`false` in a Hyperband bracket,
    /// whose ``HyperbandRun`` tests the best of all brackets).
    public var evaluatesBest = true
    /// Whether the last ``start()`` stopped on Ctrl-C (SIGINT) or SIGTERM before every trial had run.
    public private(set) var interrupted = false

    /// A search of `plan` in `directory`, its trials run by `executable`; with `resume`, the trials that are
    /// `done`, `failed` or `stopped` in the folder's `results.json` are kept and the others run again: from their
    /// newest checkpoint (`descent train --resume`) when they were `running` and have one, else from scratch. A
    /// successive-halving search keeps every trial's rung, so it goes on at the rung it had reached.
    ///
    /// - Throws: ``DescentError`` when resuming a folder without `results.json`.
    public init(plan: SearchPlan, directory: URL, executable: URL, resume: Bool = false) throws {
        self.plan = plan
        self.directory = directory
        self.executable = executable
        let configurations = plan.trialConfigurations
        let trials = configurations.enumerated().map { n, parameters in
            var trial = SearchTrial(number: n + 1, parameters: parameters)
            if plan.halving != nil { (trial.rung, trial.rungMetrics) = (1, []) }
            return trial
        }
        var fresh = SearchResults(
            metric: plan.metric, keys: plan.space.parameters.map(\.key), trials: trials,
            rungEpochs: plan.halving?.rungEpochs, folds: plan.space.folds)
        if resume {
            let saved = try SearchResults.read(from: directory)
            for (i, t) in saved.trials.enumerated() where i < fresh.trials.count {
                if t.status == .done || t.status == .failed || t.status == .stopped || plan.halving != nil {
                    fresh.trials[i] = t
                }
                if t.status == .running {
                    fresh.trials[i].pid = nil
                    let folder = directory.appendingPathComponent("trials").appendingPathComponent(t.folderName)
                    if let pid = t.pid { Self.stopStray(pid, folder: folder) }
                    cutShort.insert(i)
                }
            }
        }
        results = fresh
        plannedEpochs = configurations.map { (try? plan.trialConfig($0).training.epochs) ?? 0 }
        queue = fresh.trials.indices.filter { [.pending, .running].contains(fresh.trials[$0].status) }
    }

    /// Kills the trial process `pid` left running by a search that was killed, if it is still alive and its
    /// command line names `folder` (so that a reused process id is left alone), and waits for it to end.
    static func stopStray(_ pid: Int32, folder: URL) {
        guard pid > 0, let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return }
        let command = String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        guard command.contains(folder.path) else { return }
        kill(pid, SIGKILL)
        for _ in 0..<200 where FileManager.default.fileExists(atPath: "/proc/\(pid)/cmdline") {
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            if stat?.contains(") Z ") == true { break }  // ended, waiting for its parent to collect it
            usleep(10_000)
        }
    }

    /// The trials run again by ``start()`` (numbers): those left `pending` or `running`.
    public var unfinished: [Int] { queue.map { results.trials[$0].number } }

    /// The number of rungs: 1 in a full search.
    private var rungCount: Int { plan.halving?.rungEpochs.count ?? 1 }

    /// Runs the unfinished trials, `plan.parallel` at a time (rung by rung in a successive-halving search), then
    /// prints the final table, writes `best.yaml` and evaluates the best trial's weights once on the test split.
    ///
    /// - Throws: ``DescentError`` when the folder cannot be written or the executable cannot be started.
    public func start() throws -> SearchResults {
        let trials = directory.appendingPathComponent("trials")
        try RunFolder.prepareOutput(trials)
        try plan.write(to: directory)
        try results.write(to: directory)
        began = Date()
        say(
            "descent search: \(results.trials.count) trials (\(queue.count) to run), \(slotCount) at a time, "
                + "\(plan.threadsPerTrial) kernel thread(s) per trial; ranked by \(plan.metric.rawValue) on the "
                + (plan.space.folds.map { "validation folds (the mean over \($0) folds of the training data)" }
                    ?? "validation split") + "; in \(directory.path)")
        if let halving = plan.halving { say(halving.summary(results.trials.count)) }
        for trial in results.trials { writeHParams(trial) }  // those that ended before the search was stopped
        for rung in 1...rungCount {
            lock.lock()
            queue = results.trials.indices.filter {
                (results.trials[$0].rung ?? 1) == rung
                    && (results.trials[$0].status == .pending || results.trials[$0].status == .running)
            }
            lock.unlock()
            try runQueue()
            if InterruptSignal.isRaised { break }
            if rung < rungCount { try promote(from: rung) }
        }
        if InterruptSignal.isRaised {
            interrupted = true
            let left = results.trials.filter { $0.status == .running || $0.status == .pending }.count
            say("interrupted: \(left) trials unfinished; continue with: descent search --resume \(directory.path)")
            endLive()
            return results
        }
        endLive()
        try finish()
        SearchReport.write(in: directory, log: write)
        return results
    }

    /// Trials at a time: the slots, or `plan.parallel`.
    private var slotCount: Int { slots?.count ?? plan.parallel }

    /// Runs the queue's trials, `plan.parallel` at a time (one per slot), until it is empty or the search is
    /// interrupted.
    private func runQueue() throws {
        let group = DispatchGroup()
        let failure = LockedError()
        let ticking = LockedFlag(true)
        if live {
            Thread { [self] in  // redraws the live table every second
                while ticking.value {
                    Thread.sleep(forTimeInterval: 1)
                    if ticking.value { say(nil) }
                }
            }.start()
        }
        defer { ticking.value = false }
        let workers: [(any TrialSlot)?] = slots ?? Array(repeating: nil, count: max(1, min(plan.parallel, queue.count)))
        for slot in workers {
            group.enter()
            let worker = Thread { [self] in
                defer {
                    slot?.idle()
                    group.leave()
                }
                while let index = next() {
                    do { try runTrial(index, slot: slot) } catch { failure.set(error) }
                }
            }
            worker.start()
        }
        group.wait()
        if let error = failure.error { throw error }
    }

    /// Decides rung `rung` once all its trials have finished: its best 1/η `done` trials (by the metric at the
    /// rung, ties to the lower number) become `pending` at the next rung, the other `done` ones `stopped`, in one
    /// atomic write of `results.json`. A rung already decided has no `done` trial left, so deciding is idempotent.
    private func promote(from rung: Int) throws {
        guard let halving = plan.halving else { return }
        lock.lock()
        defer { lock.unlock() }
        let finished = results.trials.indices.filter {
            results.trials[$0].rung == rung && results.trials[$0].status == .done
        }
        guard !finished.isEmpty else { return }
        let count = halving.rungTrials(results.trials.count)[rung]
        let scored = finished.map { (number: results.trials[$0].number, metric: results.trials[$0].metric!) }
        let chosen = Set(SuccessiveHalving.promoted(scored, count: count, higherIsBetter: plan.metric.higherIsBetter))
        let epochs = halving.rungEpochs
        for i in finished {
            if chosen.contains(results.trials[i].number) {
                (results.trials[i].status, results.trials[i].rung) = (.pending, rung + 1)
            } else {
                results.trials[i].status = .stopped
                results.trials[i].reason = "pruned at rung \(rung) (\(epochs[rung - 1]) epochs)"
            }
        }
        try results.write(to: directory)
        for i in finished where results.trials[i].status == .stopped { writeHParams(results.trials[i]) }
        let numbers = results.trials.filter { chosen.contains($0.number) }.map(\.folderName)
        say(
            "rung \(rung) (\(epochs[rung - 1]) epochs) decided: trials \(numbers.joined(separator: ", ")) "
                + "continue to \(epochs[rung]) epochs, \(finished.count - chosen.count) stopped")
    }

    // MARK: Trials

    private func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return queue.isEmpty || InterruptSignal.isRaised ? nil : queue.removeFirst()
    }

    private func update(
        _ index: Int, announce: Bool = true, on slot: String? = nil, _ change: (inout SearchTrial) -> Void
    ) throws {
        lock.lock()
        defer { lock.unlock() }
        let before = results.trials[index].status
        change(&results.trials[index])
        let number = results.trials[index].number
        if results.trials[index].status == .running, before != .running { startedAt[number] = Date() }
        if results.trials[index].status != .running { startedAt[number] = nil }
        try results.write(to: directory)
        guard announce else { return }
        let t = results.trials[index]
        var line = "trial \(t.folderName) \(t.status.rawValue)"
        if let rung = t.rung, let epochs = plan.halving?.rungEpochs {
            line += " (rung \(rung), \(epochs[rung - 1]) epochs)"
        }
        if t.status == .running {
            line += (slot.map { " on \($0)" } ?? "") + ": " + t.parameters.joined(separator: " ")
        }
        if t.status != .running, let m = t.metric {
            line += String(format: " %@ %.4f (epoch %d)", plan.metric.rawValue, m, t.bestEpoch ?? 0)
        }
        if t.status != .running, let s = t.seconds { line += String(format: " in %.1f s", s) }
        if let r = t.reason { line += ": \(r)" }
        say(live ? line : line + "  [" + progress.summary + "]")
    }

    /// Where the search stands now.
    public var progress: SearchProgress {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        return SearchProgress(
            results: results, plannedEpochs: plannedEpochs, halving: plan.halving, parallel: slotCount,
            elapsed: now.timeIntervalSince(began),
            running: startedAt.mapValues { now.timeIntervalSince($0) })
    }

    /// Prints `line` (if any): at a terminal above the live table, redrawn under it; else as a line.
    private func say(_ line: String?) {
        lock.lock()
        defer { lock.unlock() }
        guard live else {
            if let line { write(line) }
            return
        }
        let rows = progress.lines.map { $0.count > columns ? String($0.prefix(max(1, columns - 1))) : $0 }
        let text = block.frame(events: line.map { [$0] } ?? [], block: rows)
        write(String(text.dropLast()))  // `write` ends the text with a newline
    }

    /// Replaces the live table by one line, the counts and the wall time (before the final table).
    private func endLive() {
        lock.lock()
        defer { lock.unlock() }
        let p = progress
        let line =
            "search: \(p.count(.done)) done, \(p.count(.failed)) failed"
            + (plan.halving == nil ? "" : ", \(p.count(.stopped)) stopped")
            + (p.count(.running) + p.count(.pending) > 0 ? ", \(p.count(.running) + p.count(.pending)) unfinished" : "")
            + String(format: "; wall time %.1f s", p.elapsed)
        guard live else { return write(line) }
        write(String(block.frame(events: [line], block: []).dropLast()))
    }

    /// Trial `index` as it stands now and whether it continues from a checkpoint, read under the lock (other
    /// trial threads write `results` meanwhile).
    private func snapshot(_ index: Int) -> (trial: SearchTrial, cutShort: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (results.trials[index], cutShort.contains(index))
    }

    private func runTrial(_ index: Int, slot: (any TrialSlot)?) throws {
        let (trial, wasCutShort) = snapshot(index)
        let folder = directory.appendingPathComponent("trials").appendingPathComponent(trial.folderName)
        let fm = FileManager.default
        // A trial interrupted after a checkpoint, or promoted to a later rung, continues from it
        // (`descent train --resume`); others start afresh.
        let rung = trial.rung ?? 1
        // Every trial keeps `training.epochs` (the last rung's) as its length, so schedules span the whole run;
        // a rung below the last pauses at its epochs.
        let pause =
            plan.halving.flatMap { h in
                rung < h.rungEpochs.count ? ["--pause-after-epoch", String(h.rungEpochs[rung - 1])] : nil
            } ?? []
        let continuing = wasCutShort || rung > 1
        try update(index, on: slot?.name) { $0.status = .running }
        let start = Date()
        var outcome: (metric: Double?, epoch: Int?, epochs: Int?, reason: String?)
        var folds: (metrics: [Double], spread: Double)?
        do {
            let flags = ["--threads", String(plan.threadsPerTrial)] + pause
            let started = { (pid: Int32) -> Void in _ = try? self.update(index, announce: false) { $0.pid = pid } }
            if let k = plan.space.folds {
                // K-fold cross-validation: one `descent train` per fold in trials/NNN/fold-K, scored by the mean.
                if !continuing { try? fm.removeItem(at: folder) }
                try fm.createDirectory(at: folder, withIntermediateDirectories: true)
                let target = plan.halving.map { $0.rungEpochs[rung - 1] }
                var histories: [History] = []
                outcome = (nil, nil, nil, nil)
                for f in 1...k {
                    let run = folder.appendingPathComponent("fold-\(f)")
                    let sets = ["data.folds=\(k)", "data.fold=\(f)"]
                    var status: Int32 = 0
                    if !(continuing && Self.hasFinished(run, epochs: target)) {
                        status = try runFresh(
                            trial, folder: run, sets: sets, resumable: continuing, flags: flags, slot: slot,
                            started: started)
                    }
                    if status == Self.interruptedStatus {  // Ctrl-C: checkpointed, left `running` for --resume
                        try update(index) { $0.pid = nil }
                        return
                    }
                    let log = run.appendingPathComponent("train.log")
                    let one = Self.outcome(folder: run, status: status, log: log, metric: plan.metric)
                    if let reason = one.reason {
                        outcome = (nil, nil, one.epochs, "fold \(f) of \(k): \(reason)")
                        break
                    }
                    histories.append(
                        try JSONFile.decode(
                            History.self, from: Data(contentsOf: run.appendingPathComponent("history.json"))))
                }
                if outcome.reason == nil {
                    let mean = CrossValidation.meanHistory(histories)
                    try AtomicFile.write(try JSONFile.encode(mean), to: folder.appendingPathComponent("history.json"))
                    if let score = CrossValidation.score(histories, metric: plan.metric) {
                        outcome = (score.metric, score.epoch, mean.epochs.count, nil)
                        folds = (score.foldMetrics, score.spread)
                    } else {
                        outcome = (nil, nil, mean.epochs.count, "no finite \(plan.metric.rawValue) in every fold")
                    }
                }
            } else {
                let status = try runFresh(
                    trial, folder: folder, sets: [], resumable: continuing, flags: flags, slot: slot,
                    started: started)
                if status == Self.interruptedStatus {  // Ctrl-C: checkpointed, left `running` for --resume
                    try update(index) { $0.pid = nil }
                    return
                }
                let log = folder.appendingPathComponent("train.log")
                outcome = Self.outcome(folder: folder, status: status, log: log, metric: plan.metric)
            }
        } catch let e as DescentError {
            outcome = (nil, nil, nil, e.description)
        } catch {
            outcome = (nil, nil, nil, "\(error)")
        }
        try update(index) {
            $0.status = outcome.reason == nil ? .done : .failed
            $0.pid = nil
            $0.reason = outcome.reason
            $0.metric = outcome.metric
            $0.bestEpoch = outcome.epoch
            $0.epochs = outcome.epochs
            $0.foldMetrics = folds?.metrics
            $0.metricSpread = folds?.spread
            $0.seconds = (Date().timeIntervalSince(start) * 100).rounded() / 100 + (rung > 1 ? $0.seconds ?? 0 : 0)
            if $0.rung != nil, let metric = outcome.metric {
                $0.rungMetrics = Array(($0.rungMetrics ?? []).prefix(rung - 1)) + [metric]
            }
        }
        lock.lock()
        let ended = results.trials[index]
        lock.unlock()
        writeHParams(ended)
    }

    /// Runs `descent train` for `trial` in `folder` (its config with `sets` added): from the folder's checkpoint
    /// (`--resume`) when `resumable` and there is one, else afresh in an emptied folder; returns the exit status.
    private func runFresh(
        _ trial: SearchTrial, folder: URL, sets: [String], resumable: Bool, flags: [String], slot: (any TrialSlot)?,
        started: @escaping (Int32) -> Void
    ) throws -> Int32 {
        let run = { (arguments: [String], log: URL, started: @escaping (Int32) -> Void) throws -> Int32 in
            try slot?.run(arguments, log: log, started: started) ?? self.run(arguments, log: log, started: started)
        }
        let fm = FileManager.default
        let log = folder.appendingPathComponent("train.log")
        var status: Int32 = -1
        if resumable && fm.fileExists(atPath: folder.appendingPathComponent("checkpoints/latest").path)
            && fm.fileExists(atPath: folder.appendingPathComponent("config.yaml").path)
        {
            status = try run(["train", "--resume", folder.path] + flags, log, started)
        }
        if status != 0 {
            try? fm.removeItem(at: folder)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            let yaml = folder.appendingPathComponent("trial.yaml")
            try AtomicFile.write(Data(try plan.trialConfig(trial.parameters + sets).yaml.utf8), to: yaml)
            status = try run(["train", yaml.path, "--output", folder.path] + flags, log, started)
        }
        return status
    }

    /// Whether the fold run in `folder` has finished, or paused after `epochs` epochs (`nil`: finished).
    static func hasFinished(_ folder: URL, epochs: Int?) -> Bool {
        let fm = FileManager.default
        guard let data = fm.contents(atPath: folder.appendingPathComponent("history.json").path),
            let history = try? JSONFile.decode(History.self, from: data)
        else { return false }
        if fm.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) { return true }
        guard let epochs else { return false }
        return history.epochs.count >= epochs
            && fm.fileExists(atPath: folder.appendingPathComponent("paused.json").path)
    }

    /// Whether `trial` has ended for good: `failed`, `stopped`, or `done` at the last rung.
    private func hasEnded(_ trial: SearchTrial) -> Bool {
        trial.status == .failed || trial.status == .stopped || (trial.status == .done && (trial.rung ?? 1) == rungCount)
    }

    /// Writes the HParams summary of `trial` into its folder once it has ended, unless the folder has one
    /// (``SearchHParams``); a summary that cannot be written is reported, and the search goes on.
    private func writeHParams(_ trial: SearchTrial) {
        guard hasEnded(trial) else { return }
        let folder = directory.appendingPathComponent("trials").appendingPathComponent(trial.folderName)
        do {
            try SearchHParams.write(trial, space: plan.space, folder: folder)
        } catch {
            say("trial \(trial.folderName): no HParams summary: \(error)")
        }
    }

    /// Runs `descent arguments…` with its output appended to `log`, telling `started` its process id; returns
    /// the exit status.
    private func run(_ arguments: [String], log: URL, started: (Int32) -> Void = { _ in }) throws -> Int32 {
        try Self.run(executable, arguments, log: log, started: started)
    }

    /// The environment of a trial: this process's, without the variables of an MPI launcher (`OMPI_…`,
    /// `PMIX_…`, `PMI_…`), so that a trial of a search run under `mpirun` is a plain process, not a rank.
    static var trialEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            !["OMPI_", "PMIX_", "PMI_", "OPAL_"].contains { key.hasPrefix($0) }
        }
    }

    /// Runs `executable arguments…` with its output appended to `log` (in ``trialEnvironment``), telling
    /// `started` its process id; returns the exit status (130 for SIGINT or SIGTERM, 128 + N for signal N).
    ///
    /// - Throws: ``DescentError`` when the log cannot be written or the executable cannot be started.
    public static func run(_ executable: URL, _ arguments: [String], log: URL, started: (Int32) -> Void = { _ in })
        throws -> Int32
    {
        if !FileManager.default.fileExists(atPath: log.path) { try Data().write(to: log) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = trialEnvironment
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        do {
            try process.run()
        } catch {
            throw DescentError(.file, executable.path, "cannot start a trial: \(error.localizedDescription)")
        }
        started(process.processIdentifier)
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            return signal == SIGINT || signal == SIGTERM ? Self.interruptedStatus : 128 + signal
        }
        return process.terminationStatus
    }

    /// The exit status of an interrupted `descent train` (130), and of a trial ended by SIGINT or SIGTERM.
    static let interruptedStatus: Int32 = 130

    /// A finished trial's metric from its `history.json`, or why it has none.
    static func outcome(folder: URL, status: Int32, log: URL, metric: MonitoredMetric)
        -> (metric: Double?, epoch: Int?, epochs: Int?, reason: String?)
    {
        let lines = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        guard status == 0 else {
            let error = lines.last { $0.hasPrefix("Error:") } ?? lines.last ?? ""
            return (nil, nil, nil, "exit status \(status)" + (error.isEmpty ? "" : ": \(error)"))
        }
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("history.json").path),
            let history = try? JSONFile.decode(History.self, from: data)
        else {
            return (nil, nil, nil, "no history.json")
        }
        if let stop = history.stoppedEarly, !stop.hasPrefix("early stopping") {
            return (nil, nil, history.epochs.count, stop)
        }
        let values = history.epochs.compactMap { e in
            e.value(of: metric).flatMap { $0.isFinite ? (e.epoch, $0) : nil }
        }
        let best = values.min { metric.higherIsBetter ? $0.1 > $1.1 : $0.1 < $1.1 }
        guard let best else { return (nil, nil, history.epochs.count, "no finite \(metric.rawValue) in history.json") }
        return (best.1, best.0, history.epochs.count, nil)
    }

    // MARK: The end

    private func finish() throws {
        write("")
        write(table)
        guard let best = results.best else {
            write("no trial finished with a \(plan.metric.rawValue): no best.yaml, no test evaluation")
            return
        }
        try Self.writeBestConfig(plan, best.parameters, to: directory)
        write(
            String(
                format: "best: trial %@ (%@) with validation %@ %.4f; its config: %@", best.folderName,
                best.parameters.joined(separator: " "), results.metricDescription, best.metric!,
                directory.appendingPathComponent("best.yaml").path))
        guard evaluatesBest else { return }
        var run = directory.appendingPathComponent("trials").appendingPathComponent(best.folderName)
        let test = directory.appendingPathComponent("test.txt")
        var header =
            "test split, read once for the best trial \(best.folderName) "
            + "(descent evaluate --run \(run.path) --split test):"
        if let k = plan.space.folds {
            // A k-fold trial has K models, none trained on all the data: the best configuration is refit as
            // `descent train best.yaml` would train it (its validation_fraction split, the same test split), then
            // tested.
            run = directory.appendingPathComponent("refit")
            header =
                "test split, read once for the best trial \(best.folderName) (\(k)-fold mean), refit on the training "
                + "split as best.yaml trains (descent evaluate --run \(run.path) --split test):"
        }
        if Self.reuseTestResult(test, header: header, write: write) { return }
        if plan.space.folds != nil,
            !FileManager.default.fileExists(atPath: run.appendingPathComponent("model.safetensors").path)
        {
            write("refitting the best configuration on the training split in \(run.path)")
            try? FileManager.default.removeItem(at: run)
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            var refit = try plan.trialConfig(best.parameters)
            refit.threads = nil
            let yaml = run.appendingPathComponent("refit.yaml")
            try AtomicFile.write(Data(refit.yaml.utf8), to: yaml)
            let log = run.appendingPathComponent("train.log")
            let status = try self.run(["train", yaml.path, "--output", run.path], log: log)
            guard status == 0 else {
                write("the refit of the best configuration failed (exit status \(status)); see \(log.path)")
                return
            }
        }
        try Self.evaluateTest(run, executable: executable, to: test, header: header, write: write)
    }

    /// Writes `best.yaml` in `directory`: the configuration of the trial with `parameters`, with the test split
    /// evaluated at the end and no thread count, as `descent train best.yaml` would train it.
    static func writeBestConfig(_ plan: SearchPlan, _ parameters: [String], to directory: URL) throws {
        var config = try plan.trialConfig(parameters)
        config.training.evaluateTest = true
        config.threads = nil
        try AtomicFile.write(Data(config.yaml.utf8), to: directory.appendingPathComponent("best.yaml"))
    }

    /// Whether `test` already holds the test evaluation under `header` (written by an earlier, interrupted
    /// search): then it is shown through `write` and the test split is not read again.
    static func reuseTestResult(_ test: URL, header: String, write: (String) -> Void) -> Bool {
        guard let old = try? String(contentsOf: test, encoding: .utf8), old.hasPrefix(header + "\n") else {
            return false
        }
        write(old.trimmingCharacters(in: .newlines))
        return true
    }

    /// Evaluates `run` once on the test split (`descent evaluate --run RUN --split test` through `executable`)
    /// and writes `header` and the output to `test`, atomically; a failure is reported through `write`.
    static func evaluateTest(
        _ run: URL, executable: URL, to test: URL, header: String, write: (String) -> Void
    ) throws {
        let log = test.deletingLastPathComponent().appendingPathComponent("test.log")
        try? FileManager.default.removeItem(at: log)
        let status = try Self.run(executable, ["evaluate", "--run", run.path, "--split", "test"], log: log)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        guard status == 0 else {
            write("the test evaluation failed (exit status \(status)): \(output.split(separator: "\n").last ?? "")")
            return
        }
        let text = header + "\n" + output.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        try AtomicFile.write(Data((text + "\n").utf8), to: test)
        write(text)
    }

    /// The trials as a table: finished ones by the metric (best first), then the failed ones with their reason.
    public var table: String { SearchTable(results).text }
}

/// A flag shared between threads.
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag: Bool

    init(_ value: Bool) { flag = value }

    var value: Bool {
        get {
            lock.lock()
            defer { lock.unlock() }
            return flag
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            flag = newValue
        }
    }
}

/// The first error of the worker threads.
private final class LockedError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: (any Error)?

    func set(_ e: any Error) {
        lock.lock()
        defer { lock.unlock() }
        if error == nil { error = e }
    }
}
