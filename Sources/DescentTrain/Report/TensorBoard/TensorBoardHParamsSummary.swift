/// One summary of TensorBoard's HParams plugin, as `TensorBoardReader` finds it in an event file.
public enum TensorBoardHParamsSummary: Sendable, Equatable {
    /// `_hparams_/experiment`: the hyper-parameter names and the metric tags, in file order.
    case experiment(hparams: [String], metrics: [String])
    /// `_hparams_/session_start_info`: one trial's hyper-parameter values.
    case sessionStart(hparams: [String: HParamValue])
    /// `_hparams_/session_end_info`: how the trial ended (`tensorboard.hparams.Status`: 1 is `STATUS_SUCCESS`).
    case sessionEnd(status: Int)
}

/// How a trial (an HParams session) ended, as `tensorboard.hparams.Status` of TensorBoard's `api.proto` numbers it;
/// the HParams dashboard shows it in the session's status column.
public enum TensorBoardHParamsStatus: Int, Sendable, CaseIterable {
    /// `STATUS_UNKNOWN`.
    case unknown = 0
    /// `STATUS_SUCCESS`: the trial finished.
    case success = 1
    /// `STATUS_FAILURE`: the trial failed.
    case failure = 2
    /// `STATUS_RUNNING`: the trial has not ended.
    case running = 3
}
