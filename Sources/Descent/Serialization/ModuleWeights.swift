import Foundation

extension Module {
    /// Writes the module's state dict (PyTorch names; `F32`, and `I64` for integer buffers such as
    /// `num_batches_tracked`) to a safetensors file, atomically. `safetensors.torch.load_file` reads it.
    public func saveWeights(to url: URL, metadata: [String: String]? = nil) throws {
        let entries: [SafeTensors.Entry] = stateEntries().map { e in
            (name: e.key, tensor: e.tensor, dtype: e.dtype == .int64 ? .int64 : .float32)
        }
        try SafeTensors.write(entries, metadata: metadata, to: url)
    }

    /// Loads a safetensors file (for example one written by `safetensors.torch.save_file(model.state_dict())`)
    /// into the module in place.
    ///
    /// - Throws: ``DescentError`` naming the file for a malformed file, or naming the key for a missing,
    ///   unexpected (when `strict`) or mis-shaped tensor; nothing is changed then.
    @discardableResult
    public func loadWeights(from url: URL, strict: Bool = true) throws -> LoadReport {
        let entries = try SafeTensors.read(from: url)
        do {
            return try load(stateDict: entries.map { ($0.name, $0.tensor) }, strict: strict)
        } catch let e as DescentError {
            throw DescentError(e.kind, "\(url.path): \(e.location)", e.reason)
        }
    }
}
