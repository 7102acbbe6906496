import Foundation
import Testing

@testable import DescentTrain

@Suite struct ReportLinePlotTests {
    private func frame(_ svg: String) throws -> (x: Double, y: Double, w: Double, h: Double) {
        let rect = try #require(try parseXML(svg).all("rect").first { $0.cls == "frame" })
        return (rect.number("x")!, rect.number("y")!, rect.number("width")!, rect.number("height")!)
    }

    @Test func isWellFormedSVGWithTitleLabelsAndLegend() throws {
        let plot = LinePlot(
            title: "Loss", xLabel: "epoch", yLabel: "loss",
            series: [
                .init(name: "training", x: [1, 2, 3], y: [0.9, 0.5, 0.4]),
                .init(name: "validation", x: [1, 2, 3], y: [1.0, 0.7, 0.6], style: .lineAndMarkers),
            ])
        let root = try parseXML(plot.svg())
        #expect(root.name == "svg" && root.attributes["width"] == "640" && root.attributes["height"] == "360")
        let texts = root.all("text").map(\.text)
        for word in ["Loss", "epoch", "loss", "training", "validation", "1", "2", "3"] { #expect(texts.contains(word)) }
        let paths = root.all("path")
        #expect(paths.count == 2)
        #expect(paths.map { $0.attributes["stroke"] } == [PlotPalette.colors[0], PlotPalette.colors[1]])
        #expect(root.all("g").first { $0.cls == "series" }!.all("circle").isEmpty)  // .line: no markers
    }

    @Test func pointsLandOnTheRightPixels() throws {
        let plot = LinePlot(series: [.init(name: "s", points: [(0, 0), (5, 0.5), (10, 1)])], width: 500, height: 300)
        let f = try frame(plot.svg())
        #expect(plot.xTicks.domain == 0...10 && plot.yTicks.domain == 0...1)
        let corner = try #require(plot.position(x: 0, y: 0)), top = try #require(plot.position(x: 10, y: 1))
        #expect(abs(corner.x - f.x) < 0.01 && abs(corner.y - (f.y + f.h)) < 0.01)
        #expect(abs(top.x - (f.x + f.w)) < 0.01 && abs(top.y - f.y) < 0.01)
        let mid = try #require(plot.position(x: 5, y: 0.5))
        #expect(abs(mid.x - (f.x + f.w / 2)) < 0.01 && abs(mid.y - (f.y + f.h / 2)) < 0.01)
        let d = try #require(try parseXML(plot.svg()).all("path").first?.attributes["d"])
        let expected = [corner, mid, top].map { "\(Markup.number($0.x)) \(Markup.number($0.y))" }
        #expect(d == "M" + expected.joined(separator: " L"))
    }

    @Test func logarithmicAxisMapsDecadesEvenly() throws {
        let plot = LinePlot(
            series: [.init(name: "lr", points: [(1, 0.001), (2, 0.01), (3, 0.1), (4, 0), (5, -1)])],
            yScale: .logarithmic)
        #expect(plot.yTicks.domain == 0.001...0.1)
        let a = try #require(plot.position(x: 1, y: 0.001)), b = try #require(plot.position(x: 2, y: 0.01)),
            c = try #require(plot.position(x: 3, y: 0.1))
        #expect(abs((a.y - b.y) - (b.y - c.y)) < 1e-9)
        #expect(plot.position(x: 4, y: 0) == nil && plot.position(x: 5, y: -1) == nil)
    }

    @Test func nonFinitePointsAreSkippedAndBreakTheLine() throws {
        let plot = LinePlot(series: [.init(name: "s", x: [1, 2, 3, 4, 5, 6], y: [1, 2, .nan, 3, 4, .infinity])])
        let svg = plot.svg()
        #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
        #expect(plot.yTicks.domain == 1...4)
        let d = try #require(try parseXML(svg).all("path").first?.attributes["d"])
        #expect(d.filter { $0 == "M" }.count == 2 && d.filter { $0 == "L" }.count == 2)
        #expect(plot.position(x: 3, y: .nan) == nil)
    }

    @Test func markersAndLonePointsDrawCircles() throws {
        let scatter = LinePlot(series: [.init(name: "path", x: [0, 1, 2], y: [2, 1, 0], style: .markers)])
        let root = try parseXML(scatter.svg())
        #expect(root.all("path").isEmpty)
        #expect(root.all("g").first { $0.cls == "series" }!.all("circle").count == 3)
        let lone = LinePlot(series: [.init(name: "one", x: [1, 2, 3], y: [1, .nan, 3])])
        #expect(try parseXML(lone.svg()).all("g").first { $0.cls == "series" }!.all("circle").count == 2)
    }

    @Test func textIsEscaped() throws {
        let title = "a<b & \"c\" > d's"
        let plot = LinePlot(
            title: title, xLabel: "<x>", series: [.init(name: "&", x: [1], y: [1])],
            verticalLines: [.init(x: 1, label: "<best>")])
        let svg = plot.svg()
        #expect(
            svg.contains("a&lt;b &amp; &quot;c&quot; &gt; d&#39;s") && !svg.contains("<x>") && !svg.contains("<best>"))
        let texts = try parseXML(svg).all("text").map(\.text)
        #expect(texts.contains(title) && texts.contains("<x>") && texts.contains("&") && texts.contains("<best>"))
    }

    @Test func verticalLineStandsAtItsX() throws {
        let plot = LinePlot(
            series: [.init(name: "s", x: [1, 2, 3, 4], y: [4, 3, 2, 1])],
            verticalLines: [.init(x: 3, label: "best epoch")])
        let line = try #require(try parseXML(plot.svg()).all("line").first { $0.cls == "vertical-line" })
        #expect(line.attributes["x1"] == Markup.number(plot.position(x: 3, y: 1)!.x))
        #expect(plot.svg().contains(">best epoch</text>"))
    }

    @Test func outputIsDeterministic() {
        func make() -> LinePlot {
            LinePlot(
                title: "t",
                series: (0..<5).map { i in
                    .init(name: "s\(i)", x: (0..<50).map(Double.init), y: (0..<50).map { sin(Double($0 + i)) })
                })
        }
        #expect(make().svg() == make().svg())
        let colors = Set(make().series.indices.map { PlotPalette.color($0) })
        #expect(colors.count == 5)
    }
}
