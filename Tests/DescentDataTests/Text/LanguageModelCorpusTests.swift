import Descent
import Foundation
import Testing

@testable import DescentData

/// The language model's corpus: contiguous training, validation and test stretches of the token stream, a
/// vocabulary from the training stretch alone, and the unigram baseline.
@Suite struct LanguageModelCorpusTests {
    @Test func cutsTheStreamIntoContiguousStretches() {
        // 100 characters: the last round(100 · 0.2) = 20 test, round(80 · 0.25) = 20 validation, 60 training.
        let text =
            String(repeating: "ab", count: 30) + String(repeating: "c", count: 20) + String(repeating: "d", count: 20)
        let corpus = LanguageModelCorpus(
            text: text, tokenizer: Tokenizer(level: .character), validationFraction: 0.25, testFraction: 0.2)
        #expect(corpus.train.count == 60 && corpus.validation.count == 20 && corpus.test.count == 20)
        // The vocabulary holds the training characters only: "c" and "d" are <unk> in the held-out stretches.
        #expect(corpus.encoder.vocabulary.tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "a", "b"])
        #expect(corpus.train.prefix(4) == [4, 5, 4, 5])
        #expect(corpus.validation == Array(repeating: Vocabulary.unknownIndex, count: 20))
        #expect(corpus.test == Array(repeating: Vocabulary.unknownIndex, count: 20))
    }

    @Test func wordLevelSplitsTheTokensNotTheCharacters() {
        let corpus = LanguageModelCorpus(
            text: "the cat sat on the mat the end", tokenizer: Tokenizer(level: .word), validationFraction: 0,
            testFraction: 0.25)
        // 8 words: 2 tested ("the end"), 6 trained.
        #expect(corpus.train.count == 6 && corpus.validation.isEmpty && corpus.test.count == 2)
        #expect(corpus.encoder.decode(corpus.test) == "the <unk>")
    }

    @Test func unigramPerplexityWithAddOneSmoothing() {
        // V = 6, training counts: index 4 three times, 5 once (N = 4); p(4) = 4/10, p(5) = 2/10, p(1) = 1/10.
        let ppl = LanguageModelCorpus.unigramPerplexity(train: [4, 4, 4, 5], test: [4, 5, 1], vocabularySize: 6)
        let expected = Foundation.exp(-(Foundation.log(0.4) + Foundation.log(0.2) + Foundation.log(0.1)) / 3)
        #expect(abs(ppl - expected) < 1e-12)
        // A uniform stream over k tokens has perplexity close to k.
        let stream = (0..<4000).map { 4 + $0 % 8 }
        let uniform = LanguageModelCorpus.unigramPerplexity(train: stream, test: stream, vocabularySize: 12)
        #expect(abs(uniform - 8) < 0.05)
    }
}

/// Plain text from a file or a folder of `fortune`-style files.
@Suite struct PlainTextTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("first joke\n%\nsecond\njoke\n%\n".utf8).write(to: dir.appendingPathComponent("jokes"))
        try Data("a wise word".utf8).write(to: dir.appendingPathComponent("wisdom"))
        try Data([0, 0, 0, 2, 0xFF]).write(to: dir.appendingPathComponent("jokes.dat"))
        try Data("hidden".utf8).write(to: dir.appendingPathComponent(".hidden"))
        try FileManager.default.createSymbolicLink(
            at: dir.appendingPathComponent("jokes.u8"), withDestinationURL: dir.appendingPathComponent("jokes"))
        return dir
    }

    @Test func readsAFolderSkippingIndexesLinksAndHiddenFiles() throws {
        let dir = try Self.folder()
        let all = try PlainText.read(at: dir)
        #expect(all.files == ["jokes", "wisdom"])
        #expect(all.text == "first joke\n%\nsecond\njoke\n%\na wise word\n")
        let separated = try PlainText.read(at: dir, files: ["jok*"], separator: "%")
        #expect(separated.files == ["jokes"])
        #expect(separated.text == "first joke\n\nsecond\njoke\n\n")
        #expect(try PlainText.read(at: dir.appendingPathComponent("wisdom")).text == "a wise word\n")
    }

    @Test func errorsNameThePath() throws {
        let dir = try Self.folder()
        #expect(throws: DescentError(.file, dir.path, "no file matches \"poems\"")) {
            try PlainText.read(at: dir, files: ["poems"])
        }
        let missing = dir.appendingPathComponent("none")
        #expect(throws: DescentError(.file, missing.path, "no such file or folder")) {
            try PlainText.read(at: missing)
        }
        try Data([0xC3, 0x28]).write(to: dir.appendingPathComponent("bad"))
        #expect(throws: DescentError(.file, dir.appendingPathComponent("bad").path, "is not UTF-8 text")) {
            try PlainText.read(at: dir, files: ["bad"])
        }
    }
}
