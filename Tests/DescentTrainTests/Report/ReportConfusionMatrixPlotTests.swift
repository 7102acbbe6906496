import Testing

@testable import DescentTrain

@Suite struct ReportConfusionMatrixPlotTests {
    @Test func drawsOneCellPerPairWithItsCount() throws {
        let matrix = [[5, 1, 0], [2, 7, 1], [0, 0, 9]]
        let root = try parseXML(ConfusionMatrixPlot(matrix).svg())
        let cells = root.all("rect").filter { $0.cls == "cell" }
        #expect(cells.count == 9)
        let counts = root.all("text").filter { $0.cls == "count" }
        #expect(counts.map(\.text) == matrix.joined().map(String.init))
        // A full row share against none.
        #expect(counts[8].attributes["fill"] == "#ffffff" && counts[2].attributes["fill"] == "#000000")
        #expect(
            cells[8].attributes["fill"] == ConfusionMatrixPlot.color(1)
                && cells[2].attributes["fill"] == ConfusionMatrixPlot.color(0))
        // Row-normalised: 7 of 10 in row 1.
        #expect(cells[4].attributes["fill"] == ConfusionMatrixPlot.color(0.7))
        let texts = root.all("text").map(\.text)
        for word in ["true", "predicted", "0", "1", "2", "Confusion matrix"] { #expect(texts.contains(word)) }
    }

    @Test func classNamesAreEscaped() throws {
        let svg = ConfusionMatrixPlot([[1, 0], [0, 1]], classNames: ["cat & dog", "<bird>"]).svg()
        #expect(svg.contains("cat &amp; dog") && svg.contains("&lt;bird&gt;"))
        let texts = try parseXML(svg).all("text").map(\.text)
        #expect(texts.contains("cat & dog") && texts.contains("<bird>"))
    }

    @Test func hundredClassesDropTheCellText() throws {
        let n = 100
        let matrix = (0..<n).map { t in (0..<n).map { p in t == p ? 90 : (p == (t + 1) % n ? 10 : 0) } }
        let plot = ConfusionMatrixPlot(matrix)
        let root = try parseXML(plot.svg())
        #expect(root.all("rect").filter { $0.cls == "cell" }.count == n * n)
        #expect(root.all("text").filter { $0.cls == "count" }.isEmpty)
        #expect(plot.svg() == plot.svg())
    }
}
