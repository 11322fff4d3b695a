/// Brazilian taxpayer numbers with valid check digits: CPF for people
/// (`123.456.789-09`), CNPJ for companies (`12.345.678/0001-95`).
enum DocumentNumbers {
    static func cpf(_ rng: inout some RandomNumberGenerator) -> String {
        var digits = (0..<9).map { _ in rng.int(0...9) }
        if Set(digits).count == 1 { digits[0] = (digits[0] + 1) % 10 } // 111.111.111-xx is invalid
        digits.append(checkDigit(digits, weights: Array((2...10).reversed())))
        digits.append(checkDigit(digits, weights: Array((2...11).reversed())))
        let text = digits.map(String.init).joined()
        return "\(text.prefix(3)).\(text.dropFirst(3).prefix(3)).\(text.dropFirst(6).prefix(3))-\(text.suffix(2))"
    }

    static func cnpj(_ rng: inout some RandomNumberGenerator) -> String {
        var digits = (0..<8).map { _ in rng.int(0...9) } + [0, 0, 0, 1] // headquarters: /0001
        digits.append(checkDigit(digits, weights: [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]))
        digits.append(checkDigit(digits, weights: [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]))
        let text = digits.map(String.init).joined()
        return "\(text.prefix(2)).\(text.dropFirst(2).prefix(3)).\(text.dropFirst(5).prefix(3))/\(text.dropFirst(8).prefix(4))-\(text.suffix(2))"
    }

    /// Whether a formatted CPF or CNPJ carries valid check digits.
    static func isValid(_ document: String) -> Bool {
        let digits = document.compactMap { $0.wholeNumberValue }
        switch digits.count {
        case 11:
            return checkDigit(Array(digits[0..<9]), weights: Array((2...10).reversed())) == digits[9]
                && checkDigit(Array(digits[0..<10]), weights: Array((2...11).reversed())) == digits[10]
        case 14:
            return checkDigit(Array(digits[0..<12]), weights: [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == digits[12]
                && checkDigit(Array(digits[0..<13]), weights: [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == digits[13]
        default:
            return false
        }
    }

    /// The modulo-11 check digit shared by CPF and CNPJ.
    private static func checkDigit(_ digits: [Int], weights: [Int]) -> Int {
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let remainder = sum % 11
        return remainder < 2 ? 0 : 11 - remainder
    }
}
