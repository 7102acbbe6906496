import Foundation

extension LearningRateFinder.Result {
    /// The smoothed loss (a line) and the raw batch losses (dots) against the learning rate on a logarithmic
    /// axis, the suggested rate marked by a vertical line; losses above four times the first smoothed loss are
    /// left out so that the divergence does not flatten the curve.
    public var plot: LinePlot {
        let ceiling = 4 * (points.first.map { max($0.smoothedLoss, $0.loss) } ?? .infinity)
        func visible(_ y: Double) -> Double { y <= ceiling ? y : .nan }
        let lrs = points.map(\.lr)
        let series: [LinePlot.Series] = [
            .init(name: "batch loss", x: lrs, y: points.map { visible($0.loss) }, style: .markers, color: "#bbbbbb"),
            .init(name: "smoothed loss", x: lrs, y: points.map { visible($0.smoothedLoss) }),
        ]
        let marks = suggestion.map { [LinePlot.VerticalLine(x: $0, label: "suggested \(Self.format($0))")] } ?? []
        return LinePlot(
            title: "Learning-rate range test", xLabel: "learning rate", yLabel: "loss", series: series,
            xScale: .logarithmic, verticalLines: marks)
    }

    /// `step,lr,loss,smoothed_loss,suggested` rows, one per step (`suggested` is 1 on the suggested step).
    public var csv: String {
        var lines = ["step,lr,loss,smoothed_loss,suggested"]
        for (i, p) in points.enumerated() {
            lines.append("\(i + 1),\(p.lr),\(p.loss),\(p.smoothedLoss),\(i == suggestionIndex ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table of every `every`-th step (and the last and the suggested one): step, rate, loss, smoothed loss.
    public func table(every: Int = 10) -> String {
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(n - s.count, 0)) + s }
        var lines = [pad("step", 6) + pad("lr", 12) + pad("loss", 12) + pad("smoothed", 12)]
        for (i, p) in points.enumerated() where i % every == 0 || i == points.count - 1 || i == suggestionIndex {
            let row =
                pad("\(i + 1)", 6) + pad(Self.format(p.lr), 12)
                + String(format: "  %10.4g  %10.4g", p.loss, p.smoothedLoss)
            lines.append(row + (i == suggestionIndex ? "  <- suggested" : ""))
        }
        return lines.joined(separator: "\n")
    }

    /// `3.16e-03`.
    static func format(_ lr: Double) -> String { String(format: "%.2e", lr) }
}
