/// Floating-point numbers as Java prints them (`Double.toString`, `Float.toString`), which is
/// how Kafka Connect's `JsonConverter` (Jackson) writes Debezium's `float64`/`float32` values:
/// `5.0`, `0.1`, `1.0E-7`, `-3.4E38`, `1.7976931348623157E308`.
///
/// Java's rule: a magnitude in [10⁻³, 10⁷) is written as a plain decimal with at least one
/// digit after the point; anything else as one digit, a point, at least one more digit, `E`
/// and the exponent (no `+`). The digits are the shortest that round-trip, which Swift's
/// `description` also gives (Java 19+ prints exactly these; Java 17's older algorithm very
/// rarely prints one digit more).
public enum JavaNumberText {
    public static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return format(value.description, isZero: value == 0, negative: value.sign == .minus)
    }

    public static func float(_ value: Float) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return format(value.description, isZero: value == 0, negative: value.sign == .minus)
    }

    /// Re-lays Swift's shortest digits (`1e-07`, `100.0`, `1.7976931348623157e+308`) out in
    /// Java's form.
    static func format(_ description: String, isZero: Bool, negative: Bool) -> String {
        if isZero { return negative ? "-0.0" : "0.0" }
        let (digits, pointPosition) = digitsAndPoint(description)
        // value = 0.d₁d₂… × 10^pointPosition; Java's scientific exponent is pointPosition - 1.
        let exponent = pointPosition - 1
        var out = negative ? "-" : ""
        if exponent >= -3 && exponent < 7 {
            if pointPosition <= 0 {
                out += "0." + String(repeating: "0", count: -pointPosition) + digits
            } else if digits.count <= pointPosition {
                out += digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            } else {
                out += digits.prefix(pointPosition) + "." + digits.dropFirst(pointPosition)
            }
        } else {
            out += digits.prefix(1) + "." + (digits.count > 1 ? String(digits.dropFirst()) : "0") + "E" + String(exponent)
        }
        return out
    }

    /// The significant digits (no leading or trailing zeros) and where the point goes.
    static func digitsAndPoint(_ description: String) -> (digits: String, pointPosition: Int) {
        var text = Substring(description)
        if text.first == "-" { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var digits = text[text.index(after: e)...]
            if digits.first == "+" { digits = digits.dropFirst() }
            exponent = Int(digits) ?? 0
            text = text[..<e]
        }
        let integerPart: Substring
        let fractionPart: Substring
        if let dot = text.firstIndex(of: ".") {
            integerPart = text[..<dot]
            fractionPart = text[text.index(after: dot)...]
        } else {
            integerPart = text
            fractionPart = ""
        }
        var all = Array(integerPart) + Array(fractionPart)
        var point = integerPart.count + exponent
        while all.first == "0" && all.count > 1 {
            all.removeFirst()
            point -= 1
        }
        while all.last == "0" && all.count > 1 { all.removeLast() }
        return (String(all), point)
    }
}
