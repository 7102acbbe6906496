import Descent
import Foundation

/// The HParams summary of a search trial, written once into its folder (`trials/NNN/`, next to the event files of
/// its `descent train` run) when the trial ends — `done`, `stopped` by successive halving, or `failed` — the way
/// `SummaryWriter.add_hparams` writes a run's, so that `tensorboard --logdir SEARCH_DIR` shows every trial's curves
/// and the HParams table. The event file ends in `.hparams`; a trial folder that has one keeps it (`--resume`).
///
/// Each file's experiment declares every searched key and every metric tag (TensorBoard takes the experiment from
/// whichever run it finds first), its session-start holds the trial's values (numbers, strings or flags), its
/// session-end the status (`STATUS_FAILURE` for a failed trial), and its metrics are, at the epoch that reached the
/// trial's best ranked metric, the validation loss and accuracy found there.
public enum SearchHParams {
    /// The metric tags of every trial's summary: the validation loss and accuracy of its best epoch (by the
    /// metric the search ranks by); one of them is that metric.
    public static let metricTags = ["hparams/val_accuracy", "hparams/val_loss"]

    /// The suffix of the event file of a trial's summary (`events.out.tfevents.<time>.<host>.hparams`).
    public static let fileSuffix = "hparams"

    /// The trial's HParams event file in `folder`, if it has one.
    public static func file(in folder: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().first { $0.hasPrefix("events.out.tfevents.") && $0.hasSuffix("." + fileSuffix) }
            .map { folder.appendingPathComponent($0) }
    }

    /// The values of `trial`'s searched parameters, typed by `space`: sampled reals and integers are numbers; a
    /// grid or choice key is a number when all its values are numbers, a flag when all are `true` or `false`,
    /// else a string.
    public static func values(of trial: SearchTrial, in space: SearchSpace) -> [String: HParamValue] {
        var values: [String: HParamValue] = [:]
        for parameter in space.parameters {
            guard let text = trial.value(of: parameter.key) else { continue }
            values[parameter.key] = value(text, of: parameter)
        }
        return values
    }

    /// `text` as a value of `parameter`.
    static func value(_ text: String, of parameter: SearchParameter) -> HParamValue {
        let all: [String]
        switch parameter.values {
        case .uniform, .logUniform, .integer: all = [text]
        case .grid(let items), .choice(let items): all = items
        }
        if all.allSatisfy({ Double($0) != nil }), let x = Double(text) { return .number(x) }
        if all.allSatisfy({ $0 == "true" || $0 == "false" }) { return .bool(text == "true") }
        return .string(text)
    }

    /// The metrics of `trial` from `folder`'s `history.json`: the validation loss and accuracy of its best epoch,
    /// those present; none for a trial without a best epoch.
    public static func metrics(of trial: SearchTrial, folder: URL) -> [String: Double] {
        guard let best = trial.bestEpoch,
            let data = FileManager.default.contents(atPath: folder.appendingPathComponent("history.json").path),
            let history = try? JSONFile.decode(History.self, from: data),
            let epoch = history.epochs.last(where: { $0.epoch == best })
        else { return [:] }
        var metrics: [String: Double] = [:]
        if let loss = epoch.validationLoss { metrics["hparams/val_loss"] = loss }
        if let accuracy = epoch.validationAccuracy { metrics["hparams/val_accuracy"] = accuracy }
        return metrics
    }

    /// Writes `trial`'s summary into `folder` unless the folder already has one; returns whether it wrote it.
    ///
    /// - Throws: ``DescentError`` when the event file cannot be written.
    @discardableResult
    public static func write(_ trial: SearchTrial, space: SearchSpace, folder: URL, wallTime: Date = Date()) throws
        -> Bool
    {
        guard file(in: folder) == nil else { return false }
        let writer = try TensorBoardWriter(directory: folder, filenameSuffix: fileSuffix, wallTime: wallTime)
        try writer.addHParams(
            values(of: trial, in: space), metrics: metrics(of: trial, folder: folder), metricTags: metricTags,
            status: trial.status == .failed ? .failure : .success, wallTime: wallTime)
        try writer.close()
        return true
    }
}
