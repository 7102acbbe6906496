/// Builds the layer list of a ``Sequential`` from a block of modules, one per line.
@resultBuilder
public enum ModuleListBuilder {
    /// Collects the modules of the block.
    public static func buildBlock(_ modules: [Module]...) -> [Module] { modules.flatMap { $0 } }
    /// One module.
    public static func buildExpression(_ module: Module) -> [Module] { [module] }
    /// Several modules.
    public static func buildExpression(_ modules: [Module]) -> [Module] { modules }
    /// An `if` without `else`.
    public static func buildOptional(_ modules: [Module]?) -> [Module] { modules ?? [] }
    /// The taken branch of an `if`/`else`.
    public static func buildEither(first modules: [Module]) -> [Module] { modules }
    /// The taken branch of an `if`/`else`.
    public static func buildEither(second modules: [Module]) -> [Module] { modules }
    /// A `for` loop.
    public static func buildArray(_ modules: [[Module]]) -> [Module] { modules.flatMap { $0 } }
}

/// Modules applied one after another (PyTorch's `nn.Sequential`); children are named `0`, `1`, … so that the
/// state dict reads `0.weight`, `1.running_mean`, …. An empty Sequential is the identity.
public final class Sequential: Module {
    /// The layers, in order.
    public private(set) var layers: [Module] {
        didSet { fusionPlan = FusionPlan(layers) }
    }

    /// How the layers run, made whenever they are set (see ``FusionPlan``).
    public private(set) var fusionPlan: FusionPlan

    /// The given layers, in order.
    public init(_ layers: [Module]) {
        self.layers = layers
        fusionPlan = FusionPlan(layers)
        super.init()
    }

    /// The given layers, in order: `Sequential(Linear(4, 8), ReLU(), Linear(8, 2))`.
    public convenience init(_ layers: Module...) { self.init(layers) }

    /// The layers listed in `build`, one per line (conditionals and loops allowed).
    public convenience init(@ModuleListBuilder _ build: () -> [Module]) { self.init(build()) }

    /// Appends a layer (named by its index).
    public func append(_ layer: Module) { layers.append(layer) }

    /// The number of layers.
    public var count: Int { layers.count }

    /// The layer at `index`.
    public subscript(index: Int) -> Module { layers[index] }

    /// The layers named `"0"`, `"1"`, ….
    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }

    /// Applies the layers in order through ``fusionPlan``: a `Conv2d`, `Linear` or `BatchNorm` directly followed by a
    /// `ReLU` runs as one fused layer (the ReLU applied in the same pass), and so does
    /// `Conv2d, ReLU, MaxPool2d(kernelSize: 2)`: same values and gradients.
    public override func callAsFunction(_ x: Tensor) -> Tensor { fusionPlan(x) }

    /// The shape after all layers; a layer that does not accept its input is named by index and type, with both
    /// shapes (`2 (Linear): expects input [*, 128] (in_features = 128), got [32, 64]`).
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        var shape = inputShape
        for (name, layer) in namedChildren() { shape = try childOutputShape(name, layer, shape) }
        return shape
    }
}
