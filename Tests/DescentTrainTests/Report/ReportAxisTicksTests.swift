import Testing

@testable import DescentTrain

@Suite struct ReportAxisTicksTests {
    @Test func unitRangeGetsFifths() {
        let t = AxisTicks.linear(0, 1)
        #expect(t.values == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(t.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(t.domain == 0...1)
    }

    @Test func rangesAreEnclosedByNiceSteps() {
        let t = AxisTicks.linear(3, 97)
        #expect(t.values == [0, 20, 40, 60, 80, 100])
        #expect(t.labels == ["0", "20", "40", "60", "80", "100"])
        #expect(AxisTicks.linear(-1.5, 2.5).values == [-2, -1, 0, 1, 2, 3])
        #expect(AxisTicks.linear(0.13, 0.87).labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let fine = AxisTicks.linear(0.301, 0.349)
        #expect(fine.labels == ["0.30", "0.31", "0.32", "0.33", "0.34", "0.35"])
        #expect(fine.values[1] == 0.31)
    }

    @Test func integerAxesAndSingleValues() {
        #expect(AxisTicks.linear(1, 3, integers: true).values == [1, 2, 3])
        #expect(AxisTicks.linear(1, 3).values == [1, 1.5, 2, 2.5, 3])
        let single = AxisTicks.linear(0.5, 0.5)
        #expect(single.domain.lowerBound < 0.5 && single.domain.upperBound > 0.5)
        #expect(single.labels.first == "0.44" && single.labels.last == "0.56")
        #expect(AxisTicks.linear(0, 0).values == [-1, -0.5, 0, 0.5, 1])
    }

    @Test func tinyAndHugeNumbersUseENotation() {
        let tiny = AxisTicks.linear(0, 2e-5)
        #expect(tiny.labels == ["0", "5e-6", "1e-5", "1.5e-5", "2e-5"])
        #expect(tiny.values[2] == 1e-5)
        #expect(AxisTicks.linear(0, 4e6).labels == ["0", "1e6", "2e6", "3e6", "4e6"])
    }

    @Test func logarithmicTicks() {
        let t = AxisTicks.logarithmic(0.0031, 0.47)
        #expect(t.values == [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5])
        #expect(t.labels == ["0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"])
        #expect(t.domain == 0.002...0.5)
        let decades = AxisTicks.logarithmic(1e-6, 1)
        #expect(decades.values == [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1])
        #expect(decades.labels == ["1e-6", "1e-5", "0.0001", "0.001", "0.01", "0.1", "1"])
        let wide = AxisTicks.logarithmic(1e-12, 1e6)
        #expect(wide.values.count == 10 && wide.values.first == 1e-12 && wide.values.last == 1e6)
        #expect(AxisTicks.logarithmic(0.001, 0.001).values == [0.0005, 0.001, 0.002])
    }
}
