import Descent
import DescentData
import Foundation

/// Inputs for `descent predict`, read from an IDX, NPY or CSV file into one `[N, …]` tensor.
struct PredictionInputs {
    /// The samples, `[N, …]` as stored in the file.
    var tensor: Tensor
    /// How the file's values were turned into floats, in words.
    var scaling: String

    /// Reads `path`: IDX (`.gz` or not) and NPY arrays of `uint8` are scaled by 1/255 to [0, 1] (unless
    /// `rawPixels`), floating-point arrays are taken as they are; a CSV file gives one sample per row of numbers
    /// (a header row is detected and skipped; `dropColumn` names a header column to ignore, such as a label).
    /// With `runColumns` (the CSV columns a run was trained on) a CSV file with a header gives the run's feature
    /// columns, chosen by name.
    static func read(_ path: String, rawPixels: Bool, dropColumn: String?, runColumns: RunCSVColumns? = nil) throws
        -> PredictionInputs
    {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent.lowercased()
        let base = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
        if base.hasSuffix(".npy") {
            let array = try NPYArray(contentsOf: url)
            guard array.shape.count >= 1, array.shape[0] >= 1 else {
                throw DescentError(.file, path, "holds no samples (shape \(array.shape))")
            }
            if array.dtype == .uint8 && !rawPixels {
                return PredictionInputs(tensor: array.tensor() / 255, scaling: "uint8 values scaled by 1/255 to [0, 1]")
            }
            return PredictionInputs(tensor: array.tensor(), scaling: "\(array.dtype.rawValue) values as stored")
        }
        if base.hasSuffix(".csv") {
            if let runColumns, let names = try CSVTable.columnNames(contentsOf: url) {
                return try runFeatures(url, path: path, names: names, run: runColumns, dropColumn: dropColumn)
            }
            var table = try CSVTable(contentsOf: url, label: .none)
            if let dropColumn {
                guard let names = table.columnNames, let drop = names.firstIndex(of: dropColumn) else {
                    throw DescentError(.argument, "--drop-column", "\(path) has no header column '\(dropColumn)'")
                }
                table = try CSVTable(
                    contentsOf: url, features: names.indices.filter { $0 != drop }.map { .index($0) }, label: .none)
            }
            return PredictionInputs(
                tensor: table.features, scaling: "CSV numbers as written (\(table.featureColumns.count) columns)")
        }
        let idx = try IDXArray(contentsOf: url)
        guard idx.shape.count >= 1, idx.shape[0] >= 1 else { throw DescentError(.file, path, "holds no samples") }
        if idx.elementType == .uint8 && !rawPixels {
            return PredictionInputs(
                tensor: idx.tensor(dividedBy: 255), scaling: "uint8 pixels scaled by 1/255 to [0, 1]")
        }
        return PredictionInputs(tensor: idx.tensor(), scaling: "IDX values as stored")
    }

    /// The run's feature columns of a CSV file with a header (`names`), by name, in the run's order.
    static func runFeatures(_ url: URL, path: String, names: [String], run: RunCSVColumns, dropColumn: String?) throws
        -> PredictionInputs
    {
        let features = run.features ?? names.filter { !run.targets.contains($0) && $0 != dropColumn }
        if let dropColumn {
            guard names.contains(dropColumn) else {
                throw DescentError(.argument, "--drop-column", "\(path) has no header column '\(dropColumn)'")
            }
            guard !features.contains(dropColumn) else {
                throw DescentError(
                    .argument, "--drop-column",
                    "'\(dropColumn)' is one of the run's feature columns (\(features.joined(separator: ", ")))")
            }
        }
        for name in features where !names.contains(name) {
            throw DescentError(
                .file, path,
                "has no column '\(name)', one of the run's feature columns \(features.joined(separator: ", ")) (the file's columns: \(names.joined(separator: ", ")))"
            )
        }
        guard !features.isEmpty else {
            throw DescentError(
                .file, path, "has no columns besides the run's target \(run.targets.joined(separator: ", "))")
        }
        let table = try CSVTable(contentsOf: url, features: features.map { .name($0) }, label: .none, header: .present)
        let left = names.filter { !features.contains($0) }
        let scaling =
            "the run's feature columns \(features.joined(separator: ", ")) chosen by header name"
            + (left.isEmpty ? "" : " (\(left.joined(separator: ", ")) left out)") + ", CSV numbers as written"
        return PredictionInputs(tensor: table.features, scaling: scaling)
    }
}
