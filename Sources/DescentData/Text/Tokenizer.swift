import Foundation

/// Splits text into tokens: single characters, or words as torchtext's `basic_english` tokenizer splits them.
///
/// Word level (`basic_english`): the text is lower-cased (when ``lowercase``), then `'`, `.`, `,`, `(`, `)`,
/// `!` and `?` become tokens of their own, `"` is removed, `<br />`, `;` and `:` become spaces, and the result
/// is split at runs of white space: `"Don't stop (now)!"` → `don ' t stop ( now ) !`. Character level: every
/// character (extended grapheme cluster) is a token, white space included, after lower-casing when asked.
public struct Tokenizer: Sendable, Codable, Equatable {
    /// What a token is.
    public enum Level: String, Sendable, Codable, CaseIterable {
        /// One character per token (language models over characters).
        case character
        /// Words and punctuation, as torchtext's `basic_english`.
        case word
    }

    /// What a token is.
    public var level: Level
    /// Whether the text is lower-cased first (`basic_english` always lower-cases).
    public var lowercase: Bool

    /// A tokenizer at `level`; word level lower-cases by default, character level keeps the case.
    public init(level: Level, lowercase: Bool? = nil) {
        self.level = level
        self.lowercase = lowercase ?? (level == .word)
    }

    /// The tokens of `text`.
    public func tokens(_ text: String) -> [String] {
        let text = lowercase ? text.lowercased() : text
        switch level {
        case .character:
            return text.map(String.init)
        case .word:
            var spaced = text.replacingOccurrences(of: "<br />", with: " ")
            spaced.removeAll { $0 == "\"" }
            var out = ""
            out.reserveCapacity(spaced.utf8.count + 16)
            for c in spaced {
                switch c {
                case "'", ".", ",", "(", ")", "!", "?":
                    out.append(" ")
                    out.append(c)
                    out.append(" ")
                case ";", ":":
                    out.append(" ")
                default:
                    out.append(c)
                }
            }
            return out.split(whereSeparator: \.isWhitespace).map(String.init)
        }
    }
}
