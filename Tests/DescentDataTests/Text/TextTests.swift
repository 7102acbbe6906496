import Descent
import Foundation
import Testing

@testable import DescentData

@Suite struct TokenizerTests {
    @Test func wordLevelSplitsAsBasicEnglish() {
        let t = Tokenizer(level: .word)
        #expect(t.tokens("Don't stop (now)!") == ["don", "'", "t", "stop", "(", "now", ")", "!"])
        #expect(t.tokens("A \"quoted\" line;<br />next: end.") == ["a", "quoted", "line", "next", "end", "."])
        #expect(t.tokens("  \t\n ") == [])
        #expect(Tokenizer(level: .word, lowercase: false).tokens("Hi, You?") == ["Hi", ",", "You", "?"])
    }

    @Test func characterLevelKeepsEveryCharacter() {
        let t = Tokenizer(level: .character)
        #expect(t.tokens("Ab c") == ["A", "b", " ", "c"])
        #expect(Tokenizer(level: .character, lowercase: true).tokens("Ab") == ["a", "b"])
        #expect(t.tokens("é👍") == ["é", "👍"])
    }
}

@Suite struct VocabularyTests {
    @Test func specialsFirstThenByFrequencyThenLexicographic() {
        let v = Vocabulary(building: [["b", "a", "c", "b"], ["a", "b", "d"]])
        #expect(v.tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "b", "a", "c", "d"])
        #expect(v.id("b") == 4 && v.id("zzz") == Vocabulary.unknownIndex)
        #expect(v.encode(["a", "q"], begin: true, end: true) == [2, 5, 1, 3])
        #expect(v.decode([2, 5, 1, 3, 0]) == ["a", "<unk>"])
    }

    @Test func minimumFrequencyAndMaximumSize() {
        let texts = [["x", "x", "x", "y", "y", "z"]]
        #expect(Vocabulary(building: texts, minFrequency: 2).tokens.dropFirst(4) == ["x", "y"])
        #expect(Vocabulary(building: texts, maxSize: 5).tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "x"])
    }

    @Test func encoderRoundTripsThroughItsFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = TextEncoder(fitting: ["the cat", "the dog."], tokenizer: Tokenizer(level: .word))
        #expect(encoder.encode("The cat!") == [4, 6, 1])
        #expect(encoder.decode(encoder.encode("the dog.")) == "the dog .")
        try encoder.write(to: folder)
        #expect(try TextEncoder(contentsOf: folder) == encoder)
        try Data(#"{"tokenizer": {"level": "word", "lowercase": true}, "vocabulary": {"tokens": ["a"]}}"#.utf8)
            .write(to: folder.appendingPathComponent(TextEncoder.fileName))
        #expect(throws: DescentError.self) { try TextEncoder(contentsOf: folder) }
    }
}

@Suite struct TextCorpusTests {
    func write(_ text: String, _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func tableWithHeaderAndClassNames() throws {
        let url = try write("review,sentiment\n\"Great, really\",pos\nawful,neg\nfine,pos\n", "r.csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let c = try TextCorpus.table(contentsOf: url, text: "review", label: "sentiment")
        #expect(c.texts == ["Great, really", "awful", "fine"])
        #expect(c.classes == ["neg", "pos"])
        #expect(c.labels == [1, 0, 1])
    }

    @Test func tsvWithoutHeaderAndIntegerLabels() throws {
        let url = try write("2\tthird class\n0\tfirst\n", "r.tsv")
        defer { try? FileManager.default.removeItem(at: url) }
        let c = try TextCorpus.table(contentsOf: url, text: 1, label: 0)
        #expect(c.texts == ["third class", "first"])
        #expect(c.labels == [2, 0])
        #expect(c.classes == ["0", "1", "2"])
    }

    @Test func tableErrorsNameTheFileAndColumn() throws {
        let url = try write("text,label\nhello,\n", "bad.csv")
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try TextCorpus.table(contentsOf: url, text: "text", label: "label")
            Issue.record("an empty label was accepted")
        } catch let e as DescentError {
            #expect(e.description == "\(url.path):2: empty label (column 1)")
        }
        do {
            _ = try TextCorpus.table(contentsOf: url, text: "body", label: "label")
            Issue.record("a missing column was accepted")
        } catch let e as DescentError {
            #expect(e.description == "\(url.path): no text column named \"body\" (columns: text, label)")
        }
    }

    @Test func foldersOfTextFilesPerClass() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("texts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for (cls, file, text) in [("pos", "b.txt", "good"), ("pos", "a.txt", "great"), ("neg", "x.txt", "bad")] {
            let dir = root.appendingPathComponent(cls)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: dir.appendingPathComponent(file))
        }
        try Data("skip".utf8).write(to: root.appendingPathComponent("pos/readme.md"))
        let c = try TextCorpus.folders(at: root)
        #expect(c.classes == ["neg", "pos"])
        #expect(c.texts == ["bad", "great", "good"])
        #expect(c.labels == [0, 1, 1])
        #expect(throws: DescentError.self) { try TextCorpus.folders(at: root.appendingPathComponent("none")) }
    }
}

@Suite struct TextDatasetTests {
    @Test func classificationSamplesAreTokenIndices() {
        let corpus = TextCorpus(
            texts: ["the cat sat", "", "the the the the"], labels: [1, 0, 1], classes: ["a", "b"])
        let encoder = TextEncoder(fitting: corpus.texts, tokenizer: Tokenizer(level: .word))
        let d = TextClassificationDataset(corpus: corpus, encoder: encoder, maxLength: 3)
        #expect(d.count == 3)
        #expect(d.lengths == [3, 1, 3])
        #expect(d.sample(at: 0).input.scalars == [4, 5, 6])  // the, cat, sat (ties: cat < sat)
        #expect(d.sample(at: 1).input.scalars == [Float(Vocabulary.unknownIndex)])
        #expect(d.label(at: 2) == 1)
    }

    @Test func languageModelWindowsShiftByOne() {
        let d = LanguageModelDataset(ids: Array(10..<21), sequenceLength: 4)
        #expect(d.count == 2)
        let s = d.sample(at: 1)
        #expect(s.input.scalars == [14, 15, 16, 17])
        guard case .tensor(let t) = s.target else {
            Issue.record("the target is not a tensor")
            return
        }
        #expect(t.scalars == [15, 16, 17, 18])
    }

    @Test func paddedBatchesOfSimilarLengthWithBucketing() throws {
        let lengths = [5, 1, 9, 2, 8, 3, 7, 4, 6, 10, 1, 2]
        let corpus = TextCorpus(
            texts: lengths.map { Array(repeating: "w", count: $0).joined(separator: " ") },
            labels: lengths.map { $0 % 2 },
            classes: ["even", "odd"])
        let d = TextClassificationDataset(
            corpus: corpus, encoder: TextEncoder(fitting: ["w"], tokenizer: Tokenizer(level: .word)))
        let loader = DataLoader(d, batchSize: 4, shuffle: true, seed: 3, collation: .pad).bucketed(
            by: d.lengths, poolBatches: 3)
        let batches = loader.globalBatchIndices(epoch: 0)
        #expect(batches.count == 3)
        #expect(Set(batches.flatMap { $0 }) == Set(0..<12))
        // One pool of all 12: sorted by length, cut in fours; only the batches' order is shuffled.
        let spans = batches.map { b in b.map { lengths[$0] } }.sorted { $0[0] < $1[0] }
        #expect(spans == [[1, 1, 2, 2], [3, 4, 5, 6], [7, 8, 9, 10]])
        #expect(loader.globalBatchIndices(epoch: 0) == batches)  // deterministic
        let batch = try loader.batch(0, epoch: 0)
        let longest = batches[0].map { lengths[$0] }.max()!
        #expect(batch.inputs.shape == [4, longest])
        #expect(batch.inputShapes?.map { $0[0] } == batches[0].map { lengths[$0] })
    }
}
