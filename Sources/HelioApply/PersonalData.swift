import Crypto
import Foundation
import HelioEvents

/// Personal data never reaches the warehouse in clear: `document` becomes a keyed hash
/// (HMAC-SHA-256, lowercase hex) and `phone` keeps only its last four digits.
public struct PersonalData: @unchecked Sendable { // SymmetricKey is immutable once made
    let key: SymmetricKey

    public init(key: String) {
        self.key = SymmetricKey(data: Data(key.utf8))
    }

    public func documentHash(_ document: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(document.utf8), using: key)
            .map { String(format: "%02x", $0) }.joined()
    }

    /// Every digit but the last four becomes `*`; separators stay, so the shape is recognisable.
    public static func maskPhone(_ phone: String) -> String {
        let digits = phone.filter(\.isNumber).count
        var seen = 0
        return String(phone.map { character -> Character in
            guard character.isNumber else { return character }
            seen += 1
            return seen <= digits - 4 ? "*" : character
        })
    }

    /// Replaces `document`/`phone` of a users row by `document_hash`/`phone_masked`, keeping
    /// nulls and the unavailable-value placeholder as they are.
    public func protect(_ row: JSONObject) -> JSONObject {
        var result = JSONObject(minimumCapacity: row.count)
        for field in row.fields {
            switch field.key {
            case "document":
                result.append("document_hash", transform(field.value, documentHash))
            case "phone":
                result.append("phone_masked", transform(field.value, Self.maskPhone))
            default:
                result.append(field.key, field.value)
            }
        }
        return result
    }

    private func transform(_ value: JSONValue, _ function: (String) -> String) -> JSONValue {
        guard case .string(let text) = value, text != unavailableValuePlaceholder else { return value }
        return .string(function(text))
    }
}
