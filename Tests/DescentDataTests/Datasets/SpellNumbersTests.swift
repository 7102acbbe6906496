import Descent
import Testing

@testable import DescentData

@Suite struct SpellNumbersTests {
    @Test func partsAreSeededAndDisjoint() {
        let a = SpellNumbers.parts(train: 3_000, test: 500, seed: 5)
        let b = SpellNumbers.parts(train: 3_000, test: 500, seed: 5)
        #expect(a.train.numbers == b.train.numbers && a.test.numbers == b.test.numbers)
        #expect(a.train.count == 3_000 && a.test.count == 500)
        #expect(Set(a.train.numbers).count == 3_000)
        #expect(Set(a.train.numbers).isDisjoint(with: a.test.numbers))
        // Another seed draws other numbers; more training numbers leave the test part as it was.
        #expect(SpellNumbers.parts(train: 3_000, test: 500, seed: 6).test.numbers != a.test.numbers)
        #expect(SpellNumbers.parts(train: 10, test: 500, seed: 5).test.numbers == a.test.numbers)
        #expect(a.test.numbers.allSatisfy { (0...NumberWords.largest).contains($0) })
    }

    @Test func sampleHoldsDigitsAndWords() {
        let sample = SpellNumbers(numbers: [40_213, 7]).sample(at: 0)
        let v = SpellNumbers.vocabulary
        #expect(v.count == 44)
        #expect(sample.input.shape == [2, 10])
        let source = sample.input.scalars[0..<10].map { Int($0) }, target = sample.input.scalars[10...].map { Int($0) }
        #expect(source == ["4", "0", "2", "1", "3"].map(v.id) + [0, 0, 0, 0, 0])
        #expect(
            target == ["forty", "thousand", "two", "hundred", "thirteen"].map(v.id) + [Vocabulary.endIndex, 0, 0, 0, 0])
        guard case .tensor(let t) = sample.target else {
            Issue.record("expected a tensor target")
            return
        }
        #expect(t.scalars.map { Int($0) } == target)
        #expect(SpellNumbers.text(ofTarget: target) == "forty thousand two hundred thirteen")
        #expect(SpellNumbers.sourceEncoder.decode(source) == "40213")
        #expect(SpellNumbers(numbers: [7]).label(at: 0) == nil)
    }

    @Test func theCatalogGivesTheDefaultParts() throws {
        let train = try DatasetCatalog.load("spell-numbers", split: .train, seed: 1)
        let test = try DatasetCatalog.load("spell_numbers", split: .test, seed: 1)
        #expect(train.count == SpellNumbers.defaultTrainCount && test.count == SpellNumbers.defaultTestCount)
        #expect(DatasetName.spellNumbers.sampleShape == [2, 10])
        #expect(DatasetName.spellNumbers.defaultModel == "seq2seq")
    }
}
