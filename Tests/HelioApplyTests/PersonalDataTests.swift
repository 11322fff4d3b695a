@testable import HelioApply
import HelioEvents
import Testing

@Suite("PersonalData")
struct PersonalDataTests {
    @Test("document_hash is HMAC-SHA-256 in lowercase hex (RFC 4231 test case 2)")
    func hmacVector() {
        let data = PersonalData(key: "Jefe")
        #expect(data.documentHash("what do ya want for nothing?") == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("phones keep only their last four digits", arguments: [
        ("+55 11 91234-5678", "+** ** *****-5678"),
        ("1234", "1234"),
        ("(11) 3456-7890", "(**) ****-7890"),
    ])
    func maskPhone(input: String, expected: String) {
        #expect(PersonalData.maskPhone(input) == expected)
    }

    @Test("users rows lose document and phone; nulls and the placeholder stay")
    func protectRow() {
        let data = PersonalData(key: "k")
        let row = JSONObject([("id", .number("1")), ("document", .string("123")), ("phone", .null),
                              ("email", .string(unavailableValuePlaceholder))])
        let protected = data.protect(row)
        #expect(protected.keys == ["id", "document_hash", "phone_masked", "email"])
        #expect(protected["document_hash"] == .string(data.documentHash("123")))
        #expect(protected["phone_masked"] == .null)
        let held = data.protect(JSONObject([("document", .string(unavailableValuePlaceholder))]))
        #expect(held["document_hash"] == .string(unavailableValuePlaceholder))
    }
}
