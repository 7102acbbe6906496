/// A (height, width) pair for kernel sizes, strides, paddings and dilations, written as an integer
/// (`3` means 3×3) or an array of two (`[3, 1]`), as PyTorch accepts `3` or `(3, 1)`.
public struct Size2D: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    /// The size along the height (rows).
    public var height: Int
    /// The size along the width (columns).
    public var width: Int

    /// A pair of `height` and `width`.
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    /// The same value for both dimensions.
    public init(_ both: Int) { self.init(both, both) }

    /// The same value for both dimensions (`3` → 3×3).
    public init(integerLiteral value: Int) { self.init(value, value) }

    /// `[height, width]`.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "Size2D: expected [height, width], got \(elements)")
        self.init(elements[0], elements[1])
    }

    /// `(h, w)` as PyTorch prints tuples.
    public var description: String { "(\(height), \(width))" }
}
