// Writes examples/data/sentiment-toy.csv: 600 short made-up film reviews labelled positive or negative — a toy for
// trying `dataset: text`, not a benchmark. Each review is one or two clauses "the <aspect> was [not] [<degree>]
// <adjective>"; a clause's sentiment is its adjective's, flipped by "not"; with two clauses joined by "but", the
// second decides. Word order therefore matters: "good but not great" and "not great but good" differ, which a bag
// of words cannot tell apart. Seeded: the same file every time.
// Run from the repository root:  swift examples/data/make_sentiment.swift > examples/data/sentiment-toy.csv
import Foundation

/// SplitMix64: a small seeded generator, the same numbers on every platform.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// One of `items`.
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

let aspects = ["film", "plot", "acting", "music", "ending", "script", "cast", "story", "camera work", "dialogue"]
let positive = ["good", "great", "wonderful", "moving", "funny", "clever", "superb", "gripping", "charming", "fresh"]
let negative = ["bad", "dull", "boring", "awful", "weak", "clumsy", "tedious", "silly", "flat", "predictable"]
let degrees = ["", "", "really ", "very ", "quite ", "rather "]

var rng = SplitMix64(state: 18)
/// A clause and whether it is positive.
func clause() -> (String, Bool) {
    let good = rng.below(2) == 0, not = rng.below(3) == 0
    let adjective = rng.pick(good ? positive : negative)
    return ("the \(rng.pick(aspects)) was \(not ? "not " : "")\(rng.pick(degrees))\(adjective)", good != not)
}

print("text,label")
for _ in 0..<600 {
    var (text, positive) = clause()
    if rng.below(2) == 0 {
        let second = clause()
        text += " but " + second.0
        positive = second.1
    }
    print("\(text),\(positive ? "positive" : "negative")")
}
