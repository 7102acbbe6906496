/// The ONNX opsets that Descent writes.
public enum ONNXOpset {
    /// The default-domain opset version of exported models.
    public static let exported: Int64 = 17
    /// The opset of a model with a GELU, exported as ONNX's `Gelu` operator (new in opset 20).
    public static let gelu: Int64 = 20
}
