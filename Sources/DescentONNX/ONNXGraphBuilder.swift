import Descent
import Foundation
import SwiftProtobuf

/// Collects the nodes and initialisers of an ONNX graph while the exporter walks a model: each ``add(_:_:inputs:attributes:)``
/// appends one node and returns the name of its output value.
final class ONNXGraphBuilder {
    /// The nodes, in topological order (the order they are added).
    private(set) var nodes: [Onnx_NodeProto] = []
    /// The weights and constants.
    private(set) var initializers: [Onnx_TensorProto] = []
    private var usedNames: Set<String> = []
    /// The default-domain opset the nodes need.
    var opset = ONNXOpset.exported

    /// A value name not used before, from `base` (`base`, `base_1`, `base_2`, …).
    func uniqueName(_ base: String) -> String {
        var name = base.isEmpty ? "value" : base
        var i = 0
        while usedNames.contains(name) {
            i += 1
            name = "\(base)_\(i)"
        }
        usedNames.insert(name)
        return name
    }

    /// Appends a node of operator `op` named `name` (made unique) and returns its output's name.
    @discardableResult
    func add(_ op: String, _ name: String, inputs: [String], attributes: [Onnx_AttributeProto] = []) -> String {
        add(op, name, inputs: inputs, outputs: 1, attributes: attributes)[0]
    }

    /// Appends a node of operator `op` named `name` (made unique) with `outputs` outputs and returns their names
    /// (an empty input name leaves an optional input out).
    func add(_ op: String, _ name: String, inputs: [String], outputs: Int, attributes: [Onnx_AttributeProto] = [])
        -> [String]
    {
        let nodeName = uniqueName(name.isEmpty ? op : "\(name)/\(op)")
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = nodeName
        node.input = inputs
        node.output = (0..<outputs).map { "\(nodeName):\($0)" }
        node.attribute = attributes
        nodes.append(node)
        return node.output
    }

    /// Adds a float32 initialiser holding `tensor` under `name` (made unique) and returns the name.
    @discardableResult
    func initializer(_ name: String, _ tensor: Tensor) -> String {
        initializer(name, values: tensor.scalars, shape: tensor.shape)
    }

    /// Adds a float32 initialiser of `values` with `shape` under `name` (made unique) and returns the name.
    @discardableResult
    func initializer(_ name: String, values: [Float], shape: [Int]) -> String {
        var t = Onnx_TensorProto()
        t.name = uniqueName(name)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dims = shape.map(Int64.init)
        t.rawData = ONNXTensorData.littleEndianBytes(values)
        initializers.append(t)
        return t.name
    }

    /// Adds an int64 initialiser (a shape for `Reshape`, say) under `name` (made unique) and returns the name; of
    /// shape `[values.count]`, or a scalar with `scalar`.
    @discardableResult
    func int64Initializer(_ name: String, _ values: [Int64], scalar: Bool = false) -> String {
        precondition(!scalar || values.count == 1, "a scalar holds one value")
        var t = Onnx_TensorProto()
        t.name = uniqueName(name)
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.dims = scalar ? [] : [Int64(values.count)]
        t.int64Data = values
        initializers.append(t)
        return t.name
    }

    /// Adds a scalar bool initialiser under `name` (made unique) and returns the name.
    @discardableResult
    func boolInitializer(_ name: String, _ value: Bool) -> String {
        var t = Onnx_TensorProto()
        t.name = uniqueName(name)
        t.dataType = Int32(Onnx_TensorProto.DataType.bool.rawValue)
        t.int32Data = [value ? 1 : 0]
        initializers.append(t)
        return t.name
    }

    /// Removes the nodes added since the graph had `count` nodes and returns them (a subgraph's nodes, built with
    /// the names and initialisers of the whole model).
    func removeNodes(after count: Int) -> [Onnx_NodeProto] {
        let taken = Array(nodes[count...])
        nodes.removeLast(nodes.count - count)
        return taken
    }
}

/// Attribute constructors for ``ONNXGraphBuilder/add(_:_:inputs:attributes:)``.
enum ONNXAttribute {
    /// An integer attribute.
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    /// A graph attribute (a `Loop` body).
    static func graph(_ name: String, _ value: Onnx_GraphProto) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .graph
        a.g = value
        return a
    }

    /// A tensor attribute (`ConstantOfShape`'s value).
    static func tensor(_ name: String, _ value: Onnx_TensorProto) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .tensor
        a.t = value
        return a
    }

    /// A list-of-integers attribute.
    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    /// A string attribute.
    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(value.utf8)
        return a
    }

    /// A list-of-strings attribute.
    static func strings(_ name: String, _ values: [String]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .strings
        a.strings = values.map { Data($0.utf8) }
        return a
    }

    /// A float attribute.
    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }
}

/// Conversions between float32 values and the little-endian bytes of a tensor's `raw_data`.
enum ONNXTensorData {
    /// `values` as little-endian IEEE 754 single-precision bytes.
    static func littleEndianBytes(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for v in values {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The float32 values of little-endian `bytes` (whose count is a multiple of 4).
    static func floats(littleEndian bytes: Data) -> [Float] {
        let n = bytes.count / 4
        var out = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n {
                let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                out[i] = Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
        return out
    }
}
