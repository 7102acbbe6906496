import Descent
import Foundation

/// The shared body of the MNIST-format datasets: an IDX image file `[N, H, W]` of bytes and an IDX label file
/// `[N]`, checked against each other.
struct IDXImageClassification: Sendable {
    /// The images, `[N, H, W]`, u8.
    let images: IDXArray
    /// The class of each image.
    let labels: [Int]
    /// The folder the files were found in.
    let directory: URL

    /// Finds (in the data directory, else the cache, else by downloading them there), checks and reads the
    /// image and label files.
    init(
        dataset: String, explicit: URL?, folders: [String], files: [DataDirectory.KnownFile], classes: Int,
        verify: Bool, howToGet: String, remote: RemoteSource, download: Bool
    ) throws {
        let urls = try DataDirectory.locate(
            dataset: dataset, explicit: explicit, folders: folders, files: files,
            verify: verify, howToGet: howToGet, remote: remote, download: download)
        images = try IDXArray(contentsOf: urls[0])
        let labelArray = try IDXArray(contentsOf: urls[1])
        guard images.shape.count == 3, images.elementType == .uint8 else {
            throw DescentError(
                .file, urls[0].path,
                "expected u8 images [N, H, W], found \(images.elementType) of shape \(images.shape)")
        }
        guard labelArray.shape.count == 1 else {
            throw DescentError(.file, urls[1].path, "expected labels [N], found shape \(labelArray.shape)")
        }
        guard labelArray.shape[0] == images.shape[0] else {
            throw DescentError(
                .file, urls[1].path,
                "\(labelArray.shape[0]) labels for \(images.shape[0]) images in \(urls[0].lastPathComponent)")
        }
        labels = try labelArray.integers()
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw DescentError(.file, urls[1].path, "label \(labels[bad]) of image \(bad) is outside 0..<\(classes)")
        }
        directory = urls[0].deletingLastPathComponent()
    }

    var count: Int { labels.count }

    /// Image `index` as `[1, H, W]` in [0, 1] with its class.
    func sample(at index: Int) -> Sample {
        precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
        let h = images.shape[1], w = images.shape[2]
        var input = Tensor.zeros([1, h, w])
        input.withUnsafeMutableBufferPointer { out in
            if h * w > 0 {
                images.floats((index * h * w)..<((index + 1) * h * w), dividedBy: 255, into: out.baseAddress!)
            }
        }
        return Sample(input: input, target: .classIndex(labels[index]))
    }

    /// All images as `[N, 1, H, W]` in [0, 1].
    func allInputs() -> Tensor {
        Tensor(images.floats(0..<images.count, dividedBy: 255), shape: [count, 1, images.shape[1], images.shape[2]])
    }

    /// The MNIST-format file names of a split.
    static func files(
        _ split: OfficialSplit, imagesSHA256: (gzip: String?, raw: String?), labelsSHA256: (gzip: String?, raw: String?)
    ) -> [DataDirectory.KnownFile] {
        let prefix = split == .train ? "train" : "t10k"
        let n = split == .train ? 60_000 : 10_000
        return [
            .init(
                name: "\(prefix)-images-idx3-ubyte", gzipSHA256: imagesSHA256.gzip, rawSHA256: imagesSHA256.raw,
                rawSize: 16 + n * 784),
            .init(
                name: "\(prefix)-labels-idx1-ubyte", gzipSHA256: labelsSHA256.gzip, rawSHA256: labelsSHA256.raw,
                rawSize: 8 + n),
        ]
    }
}
