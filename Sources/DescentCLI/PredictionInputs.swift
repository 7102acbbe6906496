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
    static func read(_ path: String, rawPixels: Bool, dropColumn: String?) throws -> PredictionInputs {
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
            var table = try CSVTable(contentsOf: url, label: .none)
            if let dropColumn {
                guard let names = table.columnNames, let drop = names.firstIndex(of: dropColumn) else {
                    throw DescentError(.argument, "--drop-column", "\(path) has no header column '\(dropColumn)'")
                }
                table = try CSVTable(contentsOf: url, features: names.indices.filter { $0 != drop }.map { .index($0) }, label: .none)
            }
            return PredictionInputs(tensor: table.features, scaling: "CSV numbers as written (\(table.featureColumns.count) columns)")
        }
        let idx = try IDXArray(contentsOf: url)
        guard idx.shape.count >= 1, idx.shape[0] >= 1 else { throw DescentError(.file, path, "holds no samples") }
        if idx.elementType == .uint8 && !rawPixels {
            return PredictionInputs(tensor: idx.tensor(dividedBy: 255), scaling: "uint8 pixels scaled by 1/255 to [0, 1]")
        }
        return PredictionInputs(tensor: idx.tensor(), scaling: "IDX values as stored")
    }
}
