/// A model's layer table: name, type, output shape, parameter count and multiply-adds per layer, with
/// totals (like `torchinfo.summary`).
///
/// ``Sequential`` containers are expanded layer by layer with each layer's output shape. Any other module
/// with children (a residual block, a whole ResNet) is one row measured as a unit — its output shape and
/// multiply-adds come from running it once on zeros — and its children follow, indented, with their
/// parameter counts. Multiply-adds count the matrix products (Linear, convolutions, matmul) for one sample.
public struct ModelSummary: Sendable {
    /// One line of the table.
    public struct Row: Sendable, Equatable {
        /// State-dict prefix of the module (`features.3`), or `(model)` for the root.
        public var name: String
        /// The module's type.
        public var type: String
        /// Output shape for a batch of one, or `nil` for a part of a block measured as a unit.
        public var outputShape: [Int]?
        /// Parameters owned by this module and its children.
        public var parameters: Int
        /// Multiply-adds per sample, or `nil` for a part of a block measured as a unit.
        public var multiplyAdds: Int?
        /// Nesting depth, for indentation.
        public var depth: Int
    }

    /// The rows, in execution order for sequential parts.
    public private(set) var rows: [Row] = []
    /// Shape of one input sample (without the batch dimension).
    public let inputShape: [Int]
    /// Shape of one output (batch of one).
    public private(set) var outputShape: [Int] = []
    /// All parameters of the model.
    public let totalParameters: Int
    /// Parameters that require a gradient.
    public let trainableParameters: Int
    /// Multiply-adds of one forward pass of one sample.
    public private(set) var totalMultiplyAdds = 0

    /// Summarises `model` for one input sample of shape `inputShape`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` naming the layer when the shapes do not chain.
    public init(_ model: Module, inputShape: [Int]) throws {
        self.inputShape = inputShape
        let params = model.parameters()
        totalParameters = params.reduce(0) { $0 + $1.count }
        trainableParameters = params.filter(\.requiresGrad).reduce(0) { $0 + $1.count }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        outputShape = try visit(model, name: "", shape: [1] + inputShape, depth: 0)
        let counter = MultiplyAddCounter()
        counter.counting { withNoGrad { _ = model(Tensor.zeros([1] + inputShape)) } }
        totalMultiplyAdds = counter.count
    }

    /// Adds the rows of `module` (input of shape `shape`) and returns its output shape.
    private mutating func visit(_ module: Module, name: String, shape: [Int], depth: Int) throws -> [Int] {
        let display = name.isEmpty ? "(model)" : name
        if let seq = module as? Sequential {
            var s = shape
            if !name.isEmpty {
                rows.append(
                    Row(
                        name: display, type: "Sequential", outputShape: nil, parameters: module.parameterCount,
                        multiplyAdds: nil, depth: depth))
            }
            let start = rows.count
            for (childName, child) in seq.namedChildren() {
                s = try visit(
                    child, name: name.isEmpty ? childName : "\(name).\(childName)", shape: s,
                    depth: name.isEmpty ? depth : depth + 1)
            }
            if !name.isEmpty {
                let inner = rows[start...].filter { $0.depth == depth + 1 }.compactMap(\.multiplyAdds).reduce(0, +)
                rows[start - 1].outputShape = s
                rows[start - 1].multiplyAdds = inner
            }
            return s
        }
        let out: [Int]
        do {
            out = try module.outputShape(for: shape)
        } catch let e as DescentError where !name.isEmpty {
            let location = e.location == module.typeName ? "\(name) (\(module.typeName))" : "\(name).\(e.location)"
            throw DescentError(e.kind, location, e.reason)
        }
        let counter = MultiplyAddCounter()
        counter.counting { withNoGrad { _ = module(Tensor.zeros(shape)) } }
        rows.append(
            Row(
                name: display, type: module.typeName, outputShape: out, parameters: module.parameterCount,
                multiplyAdds: counter.count, depth: depth))
        for (childName, child) in module.namedModules().dropFirst() {
            let childDepth = depth + 1 + childName.filter { $0 == "." }.count
            rows.append(
                Row(
                    name: name.isEmpty ? childName : "\(name).\(childName)", type: child.typeName, outputShape: nil,
                    parameters: child.parameterCount, multiplyAdds: nil, depth: childDepth))
        }
        return out
    }

    /// The table as text, with totals.
    public var table: String {
        func fmt(_ n: Int) -> String {
            let s = String(n)
            var out = ""
            for (i, c) in s.reversed().enumerated() {
                if i > 0 && i % 3 == 0 { out.append(",") }
                out.append(c)
            }
            return String(out.reversed())
        }
        var lines: [[String]] = [["layer", "type", "output shape", "parameters", "multiply-adds"]]
        for r in rows {
            lines.append([
                String(repeating: "  ", count: r.depth) + r.name, r.type,
                r.outputShape.map { "\($0)" } ?? "—", fmt(r.parameters), r.multiplyAdds.map(fmt) ?? "—",
            ])
        }
        let widths = (0..<5).map { c in lines.map { $0[c].count }.max()! }
        var text = lines.map { l in
            l.enumerated().map { c, v in
                c >= 3
                    ? String(repeating: " ", count: widths[c] - v.count) + v
                    : v + String(repeating: " ", count: widths[c] - v.count)
            }
            .joined(separator: "  ")
        }
        text.insert(String(repeating: "─", count: widths.reduce(0, +) + 8), at: 1)
        text.append(String(repeating: "─", count: widths.reduce(0, +) + 8))
        text.append("input \([1] + inputShape) → output \(outputShape)")
        text.append(
            "parameters: \(fmt(totalParameters)) (\(fmt(trainableParameters)) trainable, \(fmt(totalParameters * 4)) bytes as float32)"
        )
        text.append("multiply-adds per sample: \(fmt(totalMultiplyAdds))")
        return text.joined(separator: "\n")
    }
}
