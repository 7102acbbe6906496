import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// `ImageList`: CSV, TSV, JSON and JSON Lines lists of `path,label`, class names or indices, errors with the line.
@Suite struct ImageListTests {
    func list(_ text: String, _ name: String, classes: [String]? = nil) throws -> ImageList {
        try ImageList(data: Data(text.utf8), path: name, classes: classes)
    }

    func error(_ text: String, _ name: String, classes: [String]? = nil) -> String {
        do {
            _ = try list(text, name, classes: classes)
            return "no error"
        } catch let e as DescentError {
            return e.description
        } catch { return "\(error)" }
    }

    @Test func csvOfClassNamesSortsTheClasses() throws {
        let l = try list("path,label\nb/1.jpg,dog\n\"a, b.png\",cat\n\nc.webp , dog \n", "l.csv")
        #expect(l.classes == ["cat", "dog"])
        #expect(l.entries.map(\.path) == ["b/1.jpg", "a, b.png", "c.webp"])
        #expect(l.entries.map(\.label) == [1, 0, 1])
        #expect(l.entries.map(\.line) == [2, 3, 5])
        // The same without a header, and with the header's columns in another order among others.
        #expect(try list("b/1.jpg,dog\na, b.png,cat\n", "l.csv").entries.map(\.path) == ["b/1.jpg", "a"])
        let reordered = try list("id,label,path\n7,dog,x.jpg\n8,cat,y.jpg\n", "l.csv")
        #expect(reordered.entries.map(\.path) == ["x.jpg", "y.jpg"] && reordered.entries.map(\.label) == [1, 0])
        let tsv = try list("x.jpg\t2\ny z.jpg\t0\n", "l.TSV")
        #expect(tsv.classes == ["0", "1", "2"] && tsv.entries.map(\.label) == [2, 0])
    }

    @Test func jsonArraysAndLinesGiveEntriesWithTheirLines() throws {
        let json = try list(
            """
            [
              {"path": "a.jpg", "label": 3},
              ["b [1].png", 0],
              {"label": 1.0, "path": "c.jpg"}
            ]
            """, "l.json")
        #expect(json.classes == ["0", "1", "2", "3"])
        #expect(
            json.entries == [
                .init(path: "a.jpg", label: 3, line: 2), .init(path: "b [1].png", label: 0, line: 3),
                .init(path: "c.jpg", label: 1, line: 4),
            ])
        let lines = try list(#"{"path": "a.jpg", "label": "7"}"# + "\n\n" + #"["b.jpg", "10"]"# + "\n", "l.jsonl")
        // JSON strings are names even when they spell numbers, sorted as strings.
        #expect(lines.classes == ["10", "7"] && lines.entries.map(\.label) == [1, 0])
        #expect(lines.entries.map(\.line) == [1, 3])
        #expect(ImageList.elementLines(Array(#"[{"a": "],\n["}, 1,"#.utf8) + [10, 50, 93]) == [1, 1, 2])
    }

    @Test func aTestListUsesTheTrainingClasses() throws {
        let names = try list("a.jpg,dog\n", "t.csv", classes: ["cat", "dog", "eel"])
        #expect(names.classes == ["cat", "dog", "eel"] && names.entries[0].label == 1)
        #expect(try list("a.jpg,2\n", "t.csv", classes: ["cat", "dog", "eel"]).entries[0].label == 2)
        #expect(
            error("a.jpg,dog\nb.jpg,fox\n", "t.csv", classes: ["cat", "dog"])
                == #"t.csv:2: label "fox" is not one of the 2 training classes"#)
        #expect(
            error("a.jpg,2\n", "t.csv", classes: ["cat", "dog"])
                == "t.csv:1: label 2 is not a class of the 2 training classes")
    }

    @Test func malformedListsNameTheFileAndLine() {
        #expect(error("", "l.csv") == "l.csv: empty list (no images)")
        #expect(error("path,label\n", "l.csv") == "l.csv: empty list (no images)")
        #expect(error("a.jpg,cat\nb.jpg\n", "l.csv") == "l.csv:2: row has 1 field, expected path,label")
        #expect(error("a.jpg,cat\n,cat\n", "l.csv") == "l.csv:2: empty path")
        #expect(error("a.jpg,cat\nb.jpg,\n", "l.csv") == "l.csv:2: empty label")
        #expect(
            error("a.jpg,cat\nb.jpg,3\n", "l.csv")
                == #"l.csv:2: label 3 is a class index, but line 1's label "cat" is a class name (use names or indices throughout)"#
        )
        #expect(
            error("a.jpg,1\nb.jpg,-1\n", "l.csv")
                == "l.csv:2: label -1 is negative, not a class index (class indices count from 0)")
        #expect(error("a.jpg,1.5\n", "l.csv") == "l.csv:1: label 1.5 is not an integer, so not a class index")
        #expect(
            error("a.jpg,70000\n", "l.csv")
                == "l.csv:1: label 70000 is out of range, not a class index (class indices must be below 65536)")
        #expect(
            error("[\n  [\"a.jpg\", 1],\n  {\"path\": \"b.jpg\"}\n]", "l.json").hasPrefix("l.json:3: entry 2 is not"))
        #expect(error("[[\"a.jpg\", true]]", "l.json").hasPrefix("l.json:1: entry 1 is not"))
        #expect(error("[[\"a.jpg\", 1, 2]]", "l.json").hasPrefix("l.json:1: entry 1 is not"))
        #expect(error(#"{"path": "a.jpg"}"#, "l.json").hasPrefix("l.json: expected a JSON array of entries"))
        #expect(error("[[\"a.jpg\", 1]", "l.json").hasPrefix("l.json: not valid JSON"))
        #expect(error("[\"a.jpg\", 1]\n{\"path\": 1}\n", "l.jsonl").hasPrefix("l.jsonl:2: line is not"))
        #expect(
            error("a.jpg 1\n", "l.txt") == "l.txt: is not an image list (expected a .csv, .tsv, .json or .jsonl file)")
    }
}
