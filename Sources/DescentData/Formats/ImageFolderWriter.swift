import Descent
import Foundation

/// Writes image samples `[C, H, W]` in [0, 1] (C = 1 or 3) as PNG files in one folder per class — the layout
/// ``ImageFolder`` reads: `root/CLASS/NNNNN.png`, the file number being the sample's index (zero-padded so that
/// names sort in sample order).
public enum ImageFolderWriter {
    /// Writes every sample of `dataset` under `root`, class `k` in the folder `classNames[k]`; returns the number
    /// of files written per class.
    ///
    /// - Throws: ``DescentError`` naming the file or folder that cannot be written, or of kind `.shape` for a
    ///   sample that is not a grey or RGB image or has no class in `classNames`.
    @discardableResult
    public static func write(_ dataset: some Dataset, classNames: [String], to root: URL) throws -> [Int] {
        let fm = FileManager.default
        for name in classNames {
            let folder = root.appendingPathComponent(name)
            do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw DescentError(.file, folder.path, "cannot create the folder: \(error.localizedDescription)")
            }
        }
        let digits = String(max(dataset.count - 1, 0)).count
        var counts = [Int](repeating: 0, count: classNames.count)
        for i in 0..<dataset.count {
            let sample = try dataset.loadSample(at: i)
            let x = sample.input
            guard x.rank == 3, x.shape[0] == 1 || x.shape[0] == 3, let label = sample.target.classIndex,
                label >= 0, label < classNames.count
            else {
                throw DescentError(
                    .shape, "sample \(i)", "is not a grey or RGB image [1 or 3, H, W] with a class: \(x.shape)")
            }
            let (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
            let planes = x.scalars
            var pixels = [UInt8](repeating: 0, count: c * h * w)
            for p in 0..<(h * w) {
                for k in 0..<c {
                    pixels[p * c + k] = UInt8((min(max(planes[k * h * w + p], 0), 1) * 255).rounded())
                }
            }
            let name = String(repeating: "0", count: digits - String(i).count) + String(i) + ".png"
            let url = root.appendingPathComponent(classNames[label]).appendingPathComponent(name)
            do {
                try PNGEncoder.encode(width: w, height: h, channels: c, pixels: pixels).write(to: url)
            } catch {
                throw DescentError(.file, url.path, "cannot write the image: \(error.localizedDescription)")
            }
            counts[label] += 1
        }
        return counts
    }
}
