/// English number names: an integer from 0 to 999,999 as words, in the US style without "and" or hyphens
/// (`21` → `twenty one`, `1_005` → `one thousand five`, `310_000` → `three hundred ten thousand`).
public enum NumberWords {
    /// The largest number spelled, 999,999.
    public static let largest = 999_999

    /// The names of 0 to 19.
    public static let units = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ]
    /// The names of 20, 30, …, 90.
    public static let tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    /// Every word a number's name can hold, in a fixed order: ``units``, ``tens``, `hundred`, `thousand`.
    public static let vocabulary = units + tens + ["hundred", "thousand"]

    /// The words of `n` (0…999,999).
    public static func words(_ n: Int) -> [String] {
        precondition((0...largest).contains(n), "NumberWords: \(n) is outside 0…\(largest)")
        if n == 0 { return ["zero"] }
        let (thousands, rest) = n.quotientAndRemainder(dividingBy: 1_000)
        return (thousands > 0 ? below1000(thousands) + ["thousand"] : []) + below1000(rest)
    }

    /// The name of `n`, its words joined by spaces.
    public static func spelled(_ n: Int) -> String { words(n).joined(separator: " ") }

    /// The words of 1…999 (none for 0).
    static func below1000(_ n: Int) -> [String] {
        let (hundreds, rest) = n.quotientAndRemainder(dividingBy: 100)
        var out = hundreds > 0 ? [units[hundreds], "hundred"] : []
        if rest >= 20 {
            out.append(tens[rest / 10 - 2])
            if rest % 10 > 0 { out.append(units[rest % 10]) }
        } else if rest > 0 {
            out.append(units[rest])
        }
        return out
    }
}
