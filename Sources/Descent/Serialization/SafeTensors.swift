/// Reading and writing the safetensors format (Hugging Face's, also written by `safetensors.torch.save_file`).
///
/// A file is an 8-byte little-endian header length `n`, then `n` bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …, "__metadata__": {..}}`
/// (padded with spaces to a multiple of 8), then the little-endian tensor data; offsets are relative to the
/// start of the data and the tensors tile it without gaps or overlaps. Descent tensors are `Float`; every other
/// element type is converted on reading, and `I64` on writing (for integer buffers such as BatchNorm's
/// `num_batches_tracked`). Problems with a file are thrown as ``DescentError`` of kind `.file`.
public enum SafeTensors {
    /// One named tensor and the element type it has (or gets) in the file.
    public typealias Entry = (name: String, tensor: Tensor, dtype: DType)

    /// Everything a file holds: its tensors in data order, and the string pairs under `__metadata__`.
    public struct Contents: Sendable {
        /// The tensors, in the order of their data in the file.
        public var entries: [Entry]
        /// The `__metadata__` strings (empty when the file has none).
        public var metadata: [String: String]
    }

    /// The longest header accepted (as the reference implementation: 100 MB).
    public static let maximumHeaderLength = 100_000_000
}
