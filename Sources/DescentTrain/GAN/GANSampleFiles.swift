import Descent
import DescentData
import Foundation

/// The files of `descent gan sample`: images and labels as NPY (`FILE.npy`: float32 `[N, C, H, W]` in [0, 1];
/// `FILE.labels.npy`: int64 `[N]`) or IDX (`FILE`: unsigned bytes `[N, H, W]` for one channel, `[N, C, H, W]`
/// otherwise, `round(255·x)`; `FILE-stem.labels.idx`: unsigned bytes `[N]`), the formats `descent train` and
/// `descent predict` read.
public enum GANSampleFiles {
    /// Writes `images` (`[N, C, H, W]` in [0, 1]) and `labels` to `url` (NPY when it ends in `.npy`, IDX
    /// otherwise) and the labels beside it; returns both paths.
    ///
    /// - Throws: ``DescentError`` naming a file that cannot be written, or for labels above 255 in IDX.
    @discardableResult
    public static func write(images: Tensor, labels: [Int], to url: URL) throws -> (images: URL, labels: URL) {
        precondition(images.rank == 4 && images.shape[0] == labels.count, "GANSampleFiles: one label per image")
        let stem = url.deletingPathExtension()
        if url.pathExtension == "npy" {
            let labelsURL = stem.appendingPathExtension("labels.npy")
            try AtomicFile.write(NPYArray.encode(images), to: url)
            try AtomicFile.write(NPYArray.encode(int64: labels, shape: [labels.count]), to: labelsURL)
            return (url, labelsURL)
        }
        if let bad = labels.first(where: { !(0...255).contains($0) }) {
            throw DescentError(.argument, url.path, "label \(bad) does not fit an IDX byte")
        }
        let labelsURL = stem.appendingPathExtension("labels.idx")
        let shape = images.shape[1] == 1 ? [images.shape[0], images.shape[2], images.shape[3]] : images.shape
        let bytes = images.scalars.map { UInt8(Swift.max(0, Swift.min(255, ($0 * 255).rounded()))) }
        try AtomicFile.write(IDXArray.encode(bytes: bytes, shape: shape), to: url)
        try AtomicFile.write(IDXArray.encode(bytes: labels.map(UInt8.init), shape: [labels.count]), to: labelsURL)
        return (url, labelsURL)
    }
}
