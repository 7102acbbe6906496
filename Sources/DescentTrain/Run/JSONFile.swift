import Foundation

/// The JSON that Descent writes (`history.json`, `metrics.json`, `run.json`, checkpoint files): pretty-printed
/// with sorted keys, infinities and NaN as the strings `inf`, `-inf`, `nan` (plateau and early-stopping bests
/// start at ±∞).
public enum JSONFile {
    /// `value` as JSON.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    /// The value of type `T` in `data` written by ``encode(_:)``.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: data)
    }
}
