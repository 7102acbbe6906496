import Foundation

extension LinePlot {
    /// A shaded band between a lower and an upper curve (an error band such as mean ± one standard deviation).
    public struct Band: Sendable {
        /// The x values, increasing.
        public var x: [Double]
        /// The lower edge at each x.
        public var lower: [Double]
        /// The upper edge at each x.
        public var upper: [Double]
        /// `#rrggbb` fill (drawn at 20 % opacity).
        public var color: String

        /// A band from `lower` to `upper` over `x` (the shortest of the three sets the length).
        public init(x: [Double], lower: [Double], upper: [Double], color: String) {
            (self.x, self.lower, self.upper, self.color) = (x, lower, upper, color)
        }
    }

    /// Contour lines of a function f(x, y) sampled on a regular grid, drawn by marching squares.
    public struct Contours: Sendable {
        /// The x extent of the grid.
        public var xRange: ClosedRange<Double>
        /// The y extent of the grid.
        public var yRange: ClosedRange<Double>
        /// `values[j][i]` = f(x_i, y_j), x_i and y_j evenly spaced over the ranges (at least 2 × 2).
        public var values: [[Double]]
        /// The function values the lines follow.
        public var levels: [Double]

        /// Samples `function` on a `resolution` × `resolution` grid over the ranges.
        public init(
            xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, resolution: Int = 120, levels: [Double],
            function: (Double, Double) -> Double
        ) {
            let r = max(2, resolution)
            let xs = (0..<r).map {
                xRange.lowerBound + (xRange.upperBound - xRange.lowerBound) * Double($0) / Double(r - 1)
            }
            let ys = (0..<r).map {
                yRange.lowerBound + (yRange.upperBound - yRange.lowerBound) * Double($0) / Double(r - 1)
            }
            self.init(
                xRange: xRange, yRange: yRange, values: ys.map { y in xs.map { x in function(x, y) } }, levels: levels)
        }

        /// Contours of an already sampled grid.
        public init(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, values: [[Double]], levels: [Double]) {
            (self.xRange, self.yRange, self.values, self.levels) = (xRange, yRange, values, levels)
        }

        /// `count` levels spaced evenly in log between `low` and `high` (both > 0): `low·(high/low)^(i/(count−1))`.
        public static func logLevels(from low: Double, to high: Double, count: Int) -> [Double] {
            guard count > 1, low > 0, high > low else { return [low] }
            return (0..<count).map { low * pow(high / low, Double($0) / Double(count - 1)) }
        }

        /// The line segments of level `level` in data coordinates (marching squares, linear interpolation).
        public func segments(at level: Double) -> [((x: Double, y: Double), (x: Double, y: Double))] {
            let rows = values.count, cols = values.first?.count ?? 0
            guard rows >= 2, cols >= 2 else { return [] }
            let dx = (xRange.upperBound - xRange.lowerBound) / Double(cols - 1)
            let dy = (yRange.upperBound - yRange.lowerBound) / Double(rows - 1)
            var out: [((x: Double, y: Double), (x: Double, y: Double))] = []
            for j in 0..<(rows - 1) {
                for i in 0..<(cols - 1) {
                    // Corners counter-clockwise from bottom left, and the crossings of the four edges.
                    let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
                    var crossings: [(x: Double, y: Double)] = []
                    for e in 0..<4 {
                        let (a, b) = (c[e], c[(e + 1) % 4])
                        let (va, vb) = (values[a.1][a.0], values[b.1][b.0])
                        guard va.isFinite, vb.isFinite, (va < level) != (vb < level) else { continue }
                        let t = (level - va) / (vb - va)
                        let x = xRange.lowerBound + dx * (Double(a.0) + t * Double(b.0 - a.0))
                        let y = yRange.lowerBound + dy * (Double(a.1) + t * Double(b.1 - a.1))
                        crossings.append((x, y))
                    }
                    if crossings.count >= 2 { out.append((crossings[0], crossings[1])) }
                    if crossings.count == 4 { out.append((crossings[2], crossings[3])) }
                }
            }
            return out
        }
    }

    /// The contour lines, light grey, one path per level.
    func draw(_ contours: Contours, layout l: Layout) -> String {
        var s = "<g class=\"contours\" fill=\"none\" stroke=\"#b8b8b8\" stroke-width=\"1\">\n"
        for level in contours.levels {
            let d = contours.segments(at: level).compactMap { a, b -> String? in
                guard let p = l.map(a.x, a.y), let q = l.map(b.x, b.y) else { return nil }
                return "M\(Markup.number(p.x)) \(Markup.number(p.y)) L\(Markup.number(q.x)) \(Markup.number(q.y))"
            }.joined(separator: " ")
            if !d.isEmpty { s += "<path class=\"level\" data-level=\"\(Markup.metric(level))\" d=\"\(d)\"/>\n" }
        }
        return s + "</g>\n"
    }

    /// One band as a closed polygon: along the upper edge, back along the lower edge.
    func draw(_ band: Band, layout l: Layout) -> String {
        let upper = zip(band.x, band.upper).compactMap { l.map($0, $1) }
        let lower = zip(band.x, band.lower).compactMap { l.map($0, $1) }.reversed()
        let points = upper + lower
        guard points.count >= 3 else { return "" }
        let d = "M" + points.map { "\(Markup.number($0.x)) \(Markup.number($0.y))" }.joined(separator: " L") + " Z"
        return "<path class=\"band\" d=\"\(d)\" fill=\"\(band.color)\" fill-opacity=\"0.2\" stroke=\"none\"/>\n"
    }

    /// Bars from y = 0 (or the bottom of a logarithmic axis) to each point, as wide as the closest x spacing.
    func bars(_ series: Series, color c: String, layout l: Layout) -> String {
        let xs = series.points.map(\.x).sorted()
        let gap = zip(xs, xs.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }.min() ?? 1
        let base = yScale == .linear ? 0 : l.yTicks.domain.lowerBound
        var s = ""
        for p in series.points {
            guard let a = l.map(p.x - gap / 2, base), let b = l.map(p.x + gap / 2, p.y) else { continue }
            let (y0, y1) = (min(a.y, b.y), max(a.y, b.y))
            s +=
                "<rect x=\"\(Markup.number(a.x))\" y=\"\(Markup.number(y0))\" width=\"\(Markup.number(b.x - a.x))\" height=\"\(Markup.number(y1 - y0))\" fill=\"\(c)\" fill-opacity=\"0.5\" stroke=\"\(c)\" stroke-width=\"1\"/>\n"
        }
        return s
    }

    /// A bar series of the histogram of `values`: `bins` equal bins over `range` (values outside are dropped);
    /// each bar's height is the count in its bin.
    public static func histogram(
        name: String, values: [Double], bins: Int, range: ClosedRange<Double>, color: String? = nil
    ) -> Series {
        let b = max(1, bins), width = (range.upperBound - range.lowerBound) / Double(b)
        var counts = [Double](repeating: 0, count: b)
        for v in values where v.isFinite && range.contains(v) && width > 0 {
            counts[min(b - 1, Int((v - range.lowerBound) / width))] += 1
        }
        let centres = (0..<b).map { range.lowerBound + width * (Double($0) + 0.5) }
        return Series(name: name, x: centres, y: counts, style: .bars, color: color)
    }
}
