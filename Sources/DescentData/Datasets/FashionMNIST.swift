import Descent
import Foundation

/// Fashion-MNIST (Xiao, Rasul, Vollgraf, Zalando Research): 60,000 training and 10,000 test images of
/// clothing, 28×28 grey, in 10 classes (``classNames``).
///
/// Samples are `[1, 28, 28]` tensors with pixels in [0, 1] and class targets 0...9. The files have the same
/// names and IDX format as MNIST's and are looked up as described in ``DataDirectory`` (folder
/// `fashion-mnist/`, or torchvision's `FashionMNIST/raw/`). The gzip files are checked against their published
/// SHA-256 checksums; uncompressed files, for which none is published, against their sizes.
public struct FashionMNIST: IDXImageDataset, IDXImageBacked {
    /// Class names, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot",
    ]

    /// Published SHA-256 checksums of the gzip files.
    static let checksums: [OfficialSplit: (images: String, labels: String)] = [
        .train: (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        .test: (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    ]

    /// Where to get the files, for error messages.
    static let howToGet =
        "Get train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz of Fashion-MNIST from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ (see https://github.com/zalandoresearch/fashion-mnist)."

    /// Where the files are downloaded from, and their cache folder.
    static let remote = RemoteSource(
        folder: "fashion-mnist", mirrors: [URL(string: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")!])

    /// Which part this is.
    public let split: OfficialSplit
    let data: IDXImageClassification

    /// Loads the `split` part from `directory` (default: `$DESCENT_DATA`), else from the download cache
    /// (``DatasetDownloader``), downloading the files there on first use unless `download` is false or
    /// `DESCENT_OFFLINE=1`; checks the files unless `verify` is false (downloads are always checked).
    ///
    /// - Throws: ``DescentError`` when the files are missing and cannot be downloaded (saying where it looked,
    ///   which URLs it tried, and how to get them), do not match their checksums, or are malformed.
    public init(split: OfficialSplit = .train, directory: URL? = nil, verify: Bool = true, download: Bool = true) throws
    {
        let sums = FashionMNIST.checksums[split]!
        self.split = split
        data = try IDXImageClassification(
            dataset: "FashionMNIST", explicit: directory, folders: ["fashion-mnist", "FashionMNIST/raw"],
            files: IDXImageClassification.files(
                split, imagesSHA256: (sums.images, nil), labelsSHA256: (sums.labels, nil)),
            classes: 10, verify: verify, howToGet: FashionMNIST.howToGet,
            remote: FashionMNIST.remote, download: download)
    }
}
