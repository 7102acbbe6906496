import Descent
import Foundation

/// The MNIST handwritten digits (LeCun, Cortes, Burges): 60,000 training and 10,000 test images, 28×28 grey.
///
/// Samples are `[1, 28, 28]` tensors with pixels in [0, 1] (byte / 255) and class targets 0...9. The four IDX
/// files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte`, gzip-compressed or not) are looked up as described in ``DataDirectory`` (folder
/// `mnist/`, or torchvision's `MNIST/raw/`) and checked against their published SHA-256 checksums.
public struct MNIST: IDXImageDataset, IDXImageBacked {
    /// Class names, indexed by label.
    public static let classNames = (0...9).map(String.init)

    /// Published SHA-256 checksums of the files: `name.gz` and uncompressed `name`.
    static let checksums:
        [OfficialSplit: (images: (gzip: String?, raw: String?), labels: (gzip: String?, raw: String?))] = [
            .train: (
                (
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
                ),
                (
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
                )
            ),
            .test: (
                (
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
                ),
                (
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
                )
            ),
        ]

    /// Where to get the files, for error messages.
    static let howToGet =
        "Get the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from a mirror such as https://ossci-datasets.s3.amazonaws.com/mnist/ or https://storage.googleapis.com/cvdf-datasets/mnist/."

    /// Where the files are downloaded from (torchvision's mirrors), and their cache folder.
    static let remote = RemoteSource(
        folder: "mnist",
        mirrors: [
            URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!,
            URL(string: "http://yann.lecun.com/exdb/mnist/")!,
        ])

    /// Which part this is.
    public let split: OfficialSplit
    let data: IDXImageClassification

    /// Loads the `split` part from `directory` (default: `$DESCENT_DATA`), else from the download cache
    /// (``DatasetDownloader``), downloading the files there on first use unless `download` is false or
    /// `DESCENT_OFFLINE=1`; checks the files' checksums unless `verify` is false (downloads are always checked).
    ///
    /// - Throws: ``DescentError`` when the files are missing and cannot be downloaded (saying where it looked,
    ///   which URLs it tried, and how to get them), do not match their checksums, or are malformed.
    public init(split: OfficialSplit = .train, directory: URL? = nil, verify: Bool = true, download: Bool = true) throws
    {
        let sums = MNIST.checksums[split]!
        self.split = split
        data = try IDXImageClassification(
            dataset: "MNIST", explicit: directory, folders: ["mnist", "MNIST/raw"],
            files: IDXImageClassification.files(split, imagesSHA256: sums.images, labelsSHA256: sums.labels),
            classes: 10, verify: verify, howToGet: MNIST.howToGet,
            remote: MNIST.remote, download: download)
    }
}
