import Foundation
import Testing

@testable import DescentTrain

/// The plot layers `descent lab` added to ``LinePlot``: contour lines, error bands, histogram bars, dashed lines.
@Suite struct LabPlotTests {
    @Test func contourSegmentsLieOnTheLevel() {
        // f = x² + y² has the circle of radius 1 as its level 1; every segment end lies on it (to the grid's
        // linear interpolation error).
        let c = LinePlot.Contours(xRange: -2...2, yRange: -2...2, resolution: 81, levels: [1]) { x, y in x * x + y * y }
        let segments = c.segments(at: 1)
        #expect(segments.count > 40)
        for (a, b) in segments {
            #expect(abs((a.x * a.x + a.y * a.y).squareRoot() - 1) < 0.01)
            #expect(abs((b.x * b.x + b.y * b.y).squareRoot() - 1) < 0.01)
        }
        #expect(c.segments(at: 100).isEmpty)  // above the grid's maximum, 8
        let levels = LinePlot.Contours.logLevels(from: 0.01, to: 100, count: 5)
        #expect(zip(levels, [0.01, 0.1, 1, 10, 100]).allSatisfy { abs($0 - $1) < 1e-12 * max(1, $1) })
    }

    @Test func layersAreDrawnAndParse() throws {
        var plot = LinePlot(title: "layers", xLabel: "x", yLabel: "y")
        plot.contours = LinePlot.Contours(xRange: -1...1, yRange: -1...1, resolution: 30, levels: [0.25, 0.5]) {
            x, y in x * x + y * y
        }
        plot.bands = [
            LinePlot.Band(x: [-1, 0, 1], lower: [-0.5, -0.4, -0.3], upper: [0.5, 0.4, 0.3], color: "#0072B2")
        ]
        var dashed = LinePlot.Series(name: "path", x: [-1, 0], y: [1, 0])
        dashed.dashed = true
        plot.series = [
            dashed, LinePlot.histogram(name: "counts", values: [0.1, 0.2, 0.3, 0.9], bins: 2, range: 0...1),
        ]
        let root = try parseXML(plot.svg())
        #expect(root.all("g").filter { $0.cls == "contours" }.count == 1)
        #expect(root.all("path").filter { $0.cls == "level" }.count == 2)
        #expect(root.all("path").filter { $0.cls == "band" }.count == 1)
        #expect(root.all("path").contains { $0.attributes["stroke-dasharray"] == "5 3" })
        // Two bins over [0, 1]: 3 values in the first, 1 in the second; the bars start at y = 0.
        let bars = root.all("rect").filter { $0.attributes["fill-opacity"] == "0.5" && $0.number("width")! > 12 }
        #expect(bars.count == 2)
        let heights = bars.map { $0.number("height")! }
        #expect(abs(heights[0] / heights[1] - 3) < 0.02)
        #expect(plot.yTicks.domain.lowerBound <= -1 && plot.yTicks.domain.upperBound >= 3)
        #expect(root.all("text").contains { $0.text == "counts" })
    }
}
