/// Small text helpers for generated identifiers.
enum Text {
    /// Lowercase ASCII with Portuguese accents folded (`João Conceição` → `joao conceicao`).
    static func fold(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            switch character {
            case "á", "à", "â", "ã", "ä": result.append("a")
            case "é", "ê", "è", "ë": result.append("e")
            case "í", "î", "ì", "ï": result.append("i")
            case "ó", "ô", "õ", "ò", "ö": result.append("o")
            case "ú", "û", "ù", "ü": result.append("u")
            case "ç": result.append("c")
            case "ñ": result.append("n")
            default: result.append(character)
            }
        }
        return result
    }

    /// Folded and stripped to letters and digits (`Auto Peças Souza` → `autopecassouza`).
    static func slug(_ text: String) -> String {
        String(fold(text).filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    /// A fixed-point decimal with `places` digits, as PostgreSQL accepts it for numeric.
    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (value * scale).rounded()
        let negative = scaled < 0
        let magnitude = Int64(abs(scaled))
        var digits = String(magnitude)
        if places > 0 {
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return (negative && magnitude != 0 ? "-" : "") + digits
    }
}
