/// Small helpers shared by the SVG plots and the HTML report: escaping and deterministic number text.
enum Markup {
    /// `text` with `& < > " '` replaced by entities and characters XML 1.0 forbids dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A coordinate rounded to 0.01, written without a trailing `.0` (the same bytes on every platform).
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100 + 0  // `+ 0` turns −0 into 0
        if rounded == rounded.rounded(), Swift.abs(rounded) < 1e15 { return String(Int(rounded)) }
        return "\(rounded)"
    }

    /// A metric value with `digits` decimals (`–` for NaN or nil).
    static func metric(_ value: Double?, digits: Int = 4) -> String {
        guard let value, value.isFinite else { return "–" }
        guard Swift.abs(value) < 1e12 else { return "\(value)" }
        let scale = AxisTicks.power10(digits)
        let n = Int((value * scale).rounded())
        return AxisTicks.decimal(n, exponent: -digits, decimals: digits)
    }

    /// Approximate width in pixels of `text` set in a sans-serif font of `size` pixels.
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }
}

extension Markup {
    /// The opening `<svg>` tag (with the SVG namespace when `standalone`) and a white background.
    static func svgHeader(width: Int, height: Int, standalone: Bool) -> String {
        let namespace = standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : ""
        return "<svg \(namespace)width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" "
            + "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
    }
}

/// A rectangle in pixels (the plot area of a chart).
struct Frame: Equatable {
    var minX: Double, minY: Double, width: Double, height: Double
    var maxX: Double { minX + width }
    var maxY: Double { minY + height }
    var midX: Double { minX + width / 2 }
    var midY: Double { minY + height / 2 }
}
