import DescentData
import DescentTrain
import Foundation

/// The CSV columns a run of `descent train` was trained on, by header name: what `descent predict --run`
/// selects from a CSV file with a header.
struct RunCSVColumns {
    /// The feature columns in the model's order: the config's `data.features`, or else every column of the
    /// training file but the targets; `nil` when the config names none and the training file cannot be read
    /// (then every column of the input but the targets).
    var features: [String]?
    /// The target column(s), left out of the inputs.
    var targets: [String]

    /// Columns given as they are.
    init(features: [String]?, targets: [String]) {
        self.features = features
        self.targets = targets
    }

    /// The columns of a run's `data` section for a CSV file.
    init(_ csv: DataConfig.CSV) {
        targets = csv.target
        if let named = csv.features {
            features = named
        } else if let header = (try? CSVTable.columnNames(contentsOf: URL(fileURLWithPath: csv.path))) ?? nil {
            features = header.filter { !csv.target.contains($0) }
        }
    }
}
