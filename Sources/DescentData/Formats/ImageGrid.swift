import Descent
import Foundation

/// Lays out greyscale images (`[1, H, W]` or `[H, W]`, values in [0, 1]) in a grid and writes it as a PNG.
public struct ImageGrid {
    /// Images in row-major grid order.
    public var images: [Tensor]
    /// Images per row.
    public var columns: Int
    /// Pixels between images (drawn in mid grey).
    public var padding: Int = 2
    /// Each image pixel becomes a `scale×scale` block.
    public var scale: Int = 2

    /// A grid of `images` with `columns` per row.
    public init(images: [Tensor], columns: Int) {
        self.images = images
        self.columns = max(1, columns)
    }

    /// PNG bytes of the grid.
    public func png() -> Data {
        guard let first = images.first else { return PNGEncoder.encodeGrey(width: 1, height: 1, values: [0]) }
        let h = first.shape[first.rank - 2], w = first.shape[first.rank - 1]
        let rows = (images.count + columns - 1) / columns
        let cellW = w * scale + padding, cellH = h * scale + padding
        let width = columns * cellW + padding, height = rows * cellH + padding
        var px = [Float](repeating: 0.5, count: width * height)
        for (k, img) in images.enumerated() {
            let v = img.scalars
            let ox = padding + (k % columns) * cellW, oy = padding + (k / columns) * cellH
            for y in 0..<(h * scale) {
                for x in 0..<(w * scale) { px[(oy + y) * width + ox + x] = v[(y / scale) * w + x / scale] }
            }
        }
        return PNGEncoder.encodeGrey(width: width, height: height, values: px)
    }
}
