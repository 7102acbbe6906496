import DescentONNX
import DescentTrain

extension ONNXExportOptions {
    /// The options of a run of `descent train`: its normalisation (from `run.json`), the class names of its
    /// dataset where the dataset fixes them, and metadata naming the dataset, the preprocessing and the model.
    public init(manifest: RunManifest, config: TrainingConfig) {
        self.init(
            normalizeMean: manifest.normalizeMean, normalizeStd: manifest.normalizeStd,
            classNames: manifest.classes == nil ? nil : config.data.dataset.classNames,
            metadata: [
                ("dataset", manifest.dataset), ("preprocessing", manifest.preprocessing),
                ("input_shape", manifest.inputShape.map(String.init).joined(separator: ",")),
                ("model", config.model.name),
            ],
            graphName: config.model.name)
    }
}
