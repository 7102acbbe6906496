import Descent
import Foundation

/// A dataset of grey images and class labels read from a pair of MNIST-format IDX files (``MNIST``,
/// ``FashionMNIST``): samples are `[1, H, W]` tensors in [0, 1] (byte / 255) with class targets.
public protocol IDXImageDataset: Dataset {
    /// The folder the files were read from.
    var directory: URL { get }
    /// The class of every image, in order.
    var labels: [Int] { get }
    /// Every image at once, `[N, 1, H, W]` in [0, 1] (for full-batch work on small models).
    func allInputs() -> Tensor
}

/// An ``IDXImageDataset`` whose members all read the images and labels it loaded.
protocol IDXImageBacked: IDXImageDataset {
    /// The images and labels as read.
    var data: IDXImageClassification { get }
}

extension IDXImageBacked {
    /// The folder the files were read from.
    public var directory: URL { data.directory }
    /// Number of images.
    public var count: Int { data.count }
    /// The class of every image, in order.
    public var labels: [Int] { data.labels }
    /// Image `index` (`[1, H, W]`, in [0, 1]) and its class.
    public func sample(at index: Int) -> Sample { data.sample(at: index) }
    /// The class of image `index`.
    public func label(at index: Int) -> Int? { data.labels[index] }
    /// Every image at once, `[N, 1, H, W]` in [0, 1].
    public func allInputs() -> Tensor { data.allInputs() }
}
