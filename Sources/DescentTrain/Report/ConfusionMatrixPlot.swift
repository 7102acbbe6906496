/// An SVG heat map of a confusion matrix: true classes as rows, predicted classes as columns, each cell
/// coloured by its share of the row and labelled with its count while the cells are large enough.
public struct ConfusionMatrixPlot: Sendable, Equatable {
    /// `matrix[t][p]`: samples of true class `t` predicted as `p` (square).
    public var matrix: [[Int]]
    /// One name per class.
    public var classNames: [String]
    /// Title above the matrix.
    public var title: String
    /// Width of the picture in pixels (the height follows from the labels).
    public var width: Int

    /// A plot of `matrix`; class names default to `0…n−1`.
    public init(_ matrix: [[Int]], classNames: [String]? = nil, title: String = "Confusion matrix", width: Int = 560) {
        precondition(matrix.allSatisfy { $0.count == matrix.count }, "ConfusionMatrixPlot: the matrix is not square")
        precondition(
            classNames == nil || classNames!.count == matrix.count,
            "ConfusionMatrixPlot: \(classNames?.count ?? 0) class names for \(matrix.count) classes")
        (self.matrix, self.title, self.width) = (matrix, title, width)
        self.classNames = classNames ?? matrix.indices.map(String.init)
    }

    /// The plot as a standalone SVG document.
    public func svg() -> String { svg(standalone: true) }

    /// The SVG; `standalone: false` leaves out the namespace, for inline use in HTML.
    func svg(standalone: Bool) -> String {
        let count = max(matrix.count, 1)
        let longest = classNames.map { Markup.textWidth($0, size: 11) }.max() ?? 0
        let nameSpace = min(140, longest + 8)
        let left = 28 + nameSpace, top = 40.0
        let side = max(Double(count), Double(width) - left - 70)
        let cell = side / Double(count)
        let horizontal = cell >= longest + 4
        let labelSpace = horizontal ? 18 : nameSpace
        let height = Int((top + side + labelSpace + 30).rounded(.up))
        let stride = max(1, Int((12 / cell).rounded(.up)))  // every stride-th class name, so that they never overlap
        let digits = matrix.joined().map { String($0).count }.max() ?? 1
        let font = min(12, cell * 0.4, (cell - 3) / (Double(digits) * 0.6))
        let n = Markup.number

        var s = Markup.svgHeader(width: width, height: height, standalone: standalone)
        s +=
            "<text x=\"\(n(Double(width) / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(Markup.escape(title))</text>\n"
        s += "<g class=\"cells\">\n"
        for (t, row) in matrix.enumerated() {
            let total = row.reduce(0, +)
            for (p, value) in row.enumerated() {
                let share = total == 0 ? 0 : Double(value) / Double(total)
                let (x, y) = (left + Double(p) * cell, top + Double(t) * cell)
                s +=
                    "<rect class=\"cell\" x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(cell))\" height=\"\(n(cell))\" fill=\"\(Self.color(share))\">"
                s +=
                    "<title>true \(Markup.escape(classNames[t])), predicted \(Markup.escape(classNames[p])): \(value)</title></rect>\n"
                if font >= 7 {
                    s +=
                        "<text class=\"count\" x=\"\(n(x + cell / 2))\" y=\"\(n(y + cell / 2 + font * 0.35))\" text-anchor=\"middle\" "
                        + "font-size=\"\(n(font))\" fill=\"\(share > 0.5 ? "#ffffff" : "#000000")\">\(value)</text>\n"
                }
            }
        }
        s +=
            "</g>\n<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(side))\" height=\"\(n(side))\" fill=\"none\" stroke=\"#444444\"/>\n"
        s += "<g class=\"class-names\" font-size=\"11\" fill=\"#333333\">\n"
        for (i, name) in classNames.enumerated() where i % stride == 0 {
            let centre = Double(i) * cell + cell / 2, label = Markup.escape(name)
            s += "<text x=\"\(n(left - 6))\" y=\"\(n(top + centre + 4))\" text-anchor=\"end\">\(label)</text>\n"
            let (x, y) = (left + centre, top + side + 6)
            s +=
                horizontal
                ? "<text x=\"\(n(x))\" y=\"\(n(y + 10))\" text-anchor=\"middle\">\(label)</text>\n"
                : "<text x=\"\(n(x + 4))\" y=\"\(n(y))\" text-anchor=\"end\" transform=\"rotate(-90 \(n(x + 4)) \(n(y)))\">\(label)</text>\n"
        }
        s += "</g>\n"
        s +=
            "<text x=\"\(n(left + side / 2))\" y=\"\(n(top + side + labelSpace + 24))\" text-anchor=\"middle\">predicted</text>\n"
        s +=
            "<text x=\"14\" y=\"\(n(top + side / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(n(top + side / 2)))\">true</text>\n"
        // Colour scale: share of the row, 0 % at the bottom to 100 % at the top.
        let barX = left + side + 16
        for k in 0..<10 {
            let y = top + side - Double(k + 1) * side / 10
            s +=
                "<rect x=\"\(n(barX))\" y=\"\(n(y))\" width=\"14\" height=\"\(n(side / 10))\" fill=\"\(Self.color((Double(k) + 0.5) / 10))\"/>\n"
        }
        s +=
            "<rect x=\"\(n(barX))\" y=\"\(n(top))\" width=\"14\" height=\"\(n(side))\" fill=\"none\" stroke=\"#444444\"/>\n"
        s += "<g font-size=\"11\" fill=\"#333333\">\n"
        for (label, y) in [
            ("100%", top + 4), ("50%", top + side / 2 + 4), ("0%", top + side + 4), ("of row", top + side + 18),
        ] {
            s += "<text x=\"\(n(barX + (label == "of row" ? 0 : 18)))\" y=\"\(n(y))\">\(label)</text>\n"
        }
        return s + "</g>\n</svg>\n"
    }

    /// White (0) to dark blue (1), linear in RGB.
    static func color(_ share: Double) -> String {
        let (from, to) = ((247.0, 251.0, 255.0), (8.0, 48.0, 107.0))
        let t = min(max(share, 0), 1)
        let channels = [from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t, from.2 + (to.2 - from.2) * t]
        let hex = Array("0123456789abcdef")
        return "#"
            + channels.map { c -> String in
                let v = Int(c.rounded()); return String([hex[v / 16], hex[v % 16]])
            }.joined()
    }
}
