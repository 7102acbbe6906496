import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct CSVTableTests {
    func table(
        _ text: String, features: [CSVColumn]? = nil, label: CSVLabel = .classIndex(-1),
        header: CSVHeader = .auto, delimiter: Character = ","
    ) throws -> CSVTable {
        try CSVTable(
            data: Data(text.utf8), path: "t.csv", features: features, label: label, header: header, delimiter: delimiter
        )
    }

    @Test func readsFeaturesAndLabelsWithoutHeader() throws {
        let t = try table("1,2.5,0\n-3,4e1,2\n")
        #expect(t.columnNames == nil)
        #expect(t.count == 2)
        #expect(t.features.shape == [2, 2])
        #expect(t.features.scalars == [1, 2.5, -3, 40])
        #expect(t.labels == [0, 2])
        #expect(t.featureNames == ["column 0", "column 1"])
    }

    @Test func detectsAHeaderAndChoosesColumnsByName() throws {
        let text = "id, petal , sepal,species\n1,0.5,1.5,2\n2,0.25,2.5,0\n"
        let t = try table(text, features: ["sepal", "petal"], label: .classIndex("species"))
        #expect(t.columnNames == ["id", "petal", "sepal", "species"])
        #expect(t.featureColumns == [2, 1])
        #expect(t.features.scalars == [1.5, 0.5, 2.5, 0.25])
        #expect(t.labels == [2, 0])
        #expect(t.featureNames == ["sepal", "petal"])
        // Default features: every column but the label.
        #expect(try table(text, label: .classIndex(3)).featureColumns == [0, 1, 2])
    }

    @Test func headerDetectionLooksAtColumnTypes() throws {
        // Numeric-looking names, but the label column's header is text: a header.
        #expect(try table("0,1,label\n5,6,1\n").columnNames == ["0", "1", "label"])
        // Text labels in every row: no header.
        let named = try table("5.1,3.5,setosa\n6.2,2.9,virginica\n", label: .className(-1))
        #expect(named.columnNames == nil)
        #expect(named.labels == [0, 1])
        #expect(named.classNames == ["setosa", "virginica"])
        // Forced either way.
        #expect(try table("1,2\n3,4\n", header: .present).count == 1)
    }

    @Test func mapsClassNamesInSortedOrder() throws {
        let t = try table("x,kind\n1,cat\n2,dog\n3,ant\n4,cat\n", label: .className("kind"))
        #expect(t.classNames == ["ant", "cat", "dog"])
        #expect(t.labels == [1, 2, 0, 1])
    }

    @Test func handlesQuotesCRLFBlankLinesAndOtherDelimiters() throws {
        let t = try table(
            "\u{FEFF}\"a;b\";\"c \"\"q\"\"\";y\r\n\r\n1;\"2\";0\r\n\n3;4;1\r\n", header: .auto, delimiter: ";")
        #expect(t.columnNames == ["a;b", "c \"q\"", "y"])
        #expect(t.features.scalars == [1, 2, 3, 4])
        #expect(t.labels == [0, 1])
        let multiline = try table("name,v,l\n\"two\nlines\",1,0\n\"x\",2,1\n", features: [1])
        #expect(multiline.features.scalars == [1, 2])
    }

    @Test func readsGzipFilesAndNegativeIndices() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let url = try DataTestFiles.write(Gzip.compress(Data("9,1,2\n8,3,4\n".utf8)), "d.csv.gz", in: dir)
        let t = try CSVTable(contentsOf: url, features: [-1, -2], label: .classIndex(0))
        #expect(t.features.scalars == [2, 1, 4, 3])
        #expect(t.labels == [9, 8])
        let ds = TensorDataset(t)
        #expect(ds.count == 2)
        #expect(ds.sample(at: 1).target == .classIndex(8))
        #expect(TensorDataset(try table("1,2\n3,4\n", label: .none)).sample(at: 0).target == .tensor(Tensor([1, 2])))
    }

    @Test func nonNumericCellNamesFileLineAndColumn() {
        let e = DataTestFiles.descentError { _ = try table("a,b,label\n1,2,0\n\n3,oops,1\n") }
        #expect(e?.location == "t.csv:4, column 2 (\"b\")")
        #expect(e?.reason == "cell \"oops\" is not a number")
        let noHeader = DataTestFiles.descentError { _ = try table("1,2,0\nx,2,0\n", header: .absent) }
        #expect(noHeader?.location == "t.csv:2, column 1")
    }

    @Test func emptyCellIsAnError() {
        let e = DataTestFiles.descentError { _ = try table("1,,0\n", header: .absent) }
        #expect(e?.location == "t.csv:1, column 2")
        #expect(e?.reason == "empty cell where a number is expected")
    }

    @Test func rowOfTheWrongLengthIsAnError() {
        let e = DataTestFiles.descentError { _ = try table("1,2,0\n3,4\n") }
        #expect(e?.location == "t.csv:2")
        #expect(e?.reason == "row has 2 fields, but the first row has 3")
    }

    @Test func badLabelIsAnError() {
        let e = DataTestFiles.descentError { _ = try table("1,2,0\n3,4,1.5\n") }
        #expect(e?.location == "t.csv:2, column 3")
        #expect(e?.reason.contains("not a class index") == true)
        #expect(
            DataTestFiles.descentError { _ = try table("1,2,-1\n", header: .absent) }?.reason.contains(
                "not a class index") == true)
    }

    /// NaN, negative, fractional, huge and non-numeric class indices, each named by file, line and column.
    @Test(arguments: [
        ("nan", "label \"nan\" is NaN, not a class index (a non-negative integer)"),
        ("-2", "label \"-2\" is negative, not a class index (class indices count from 0)"),
        ("2.5", "label \"2.5\" is not an integer, so not a class index"),
        ("1e9", "label \"1e9\" is out of range, not a class index (class indices must be below 65536)"),
        ("inf", "label \"inf\" is out of range, not a class index (class indices must be below 65536)"),
        ("two", "label \"two\" is not a class index (a non-negative integer)"),
        ("", "empty label cell"),
    ])
    func badClassIndicesNameRowAndColumn(_ cell: String, _ reason: String) {
        let e = DataTestFiles.descentError { _ = try table("x,y,label\n1,2,0\n3,4,1\n5,6,\(cell)\n") }
        #expect(e?.description == "t.csv:4, column 3 (\"label\"): \(reason)")
    }

    @Test func unknownColumnsAreErrors() {
        let name = DataTestFiles.descentError { _ = try table("a,b\n1,0\n", features: ["c"]) }
        #expect(name?.reason == "no column named \"c\" (columns: a, b)")
        let noHeader = DataTestFiles.descentError { _ = try table("1,0\n", features: ["a"], header: .absent) }
        #expect(noHeader?.reason.contains("has no header row") == true)
        let index = DataTestFiles.descentError { _ = try table("1,0\n", features: [5]) }
        #expect(index?.reason == "column index 5 is out of range: the file has 2 columns")
    }

    @Test func emptyOrHeaderOnlyFilesAreErrors() {
        #expect(DataTestFiles.descentError { _ = try table("") }?.reason == "empty CSV file (no rows)")
        #expect(DataTestFiles.descentError { _ = try table("\n\n") }?.reason == "empty CSV file (no rows)")
        #expect(
            DataTestFiles.descentError { _ = try table("a,b\n", header: .present) }?.reason.contains("no data rows")
                == true)
    }

    @Test func unclosedQuoteIsAnError() {
        let e = DataTestFiles.descentError { _ = try table("1,2,0\n\"3,4,1\n") }
        #expect(e?.location == "t.csv:2")
        #expect(e?.reason.contains("never closed") == true)
    }
}
