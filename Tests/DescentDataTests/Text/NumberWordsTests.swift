import Testing

@testable import DescentData

@Suite struct NumberWordsTests {
    @Test(arguments: [
        (0, "zero"), (7, "seven"), (13, "thirteen"), (20, "twenty"), (21, "twenty one"), (99, "ninety nine"),
        (100, "one hundred"), (101, "one hundred one"), (110, "one hundred ten"), (999, "nine hundred ninety nine"),
        (1_000, "one thousand"), (1_005, "one thousand five"), (12_345, "twelve thousand three hundred forty five"),
        (40_213, "forty thousand two hundred thirteen"), (310_000, "three hundred ten thousand"),
        (777_777, "seven hundred seventy seven thousand seven hundred seventy seven"),
        (999_999, "nine hundred ninety nine thousand nine hundred ninety nine"),
    ])
    func spellsKnownNumbers(n: Int, name: String) {
        #expect(NumberWords.spelled(n) == name)
    }

    /// Every name uses the fixed vocabulary and holds at most 9 words; no two numbers share a name.
    @Test func namesAreShortDistinctAndInTheVocabulary() {
        let words = Set(NumberWords.vocabulary)
        #expect(words.count == 30)
        var seen = Set<String>(), longest = 0
        for n in stride(from: 0, through: NumberWords.largest, by: 7) {
            let w = NumberWords.words(n)
            #expect(w.allSatisfy(words.contains))
            longest = max(longest, w.count)
            seen.insert(w.joined(separator: " "))
        }
        #expect(longest == 9)
        #expect(seen.count == NumberWords.largest / 7 + 1)
    }
}
