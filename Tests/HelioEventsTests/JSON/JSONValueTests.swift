import Testing
import HelioEvents

@Suite struct JSONValueTests {
    @Test func integerAccessorsAcceptOnlyPlainIntegersInRange() {
        #expect(JSONValue.number("42").int64Value == 42)
        #expect(JSONValue.number("-9223372036854775808").int64Value == Int64.min)
        #expect(JSONValue.number("9223372036854775808").int64Value == nil)
        #expect(JSONValue.number("18446744073709551615").uint64Value == UInt64.max)
        #expect(JSONValue.number("-1").uint64Value == nil)
        #expect(JSONValue.number("1.0").int64Value == nil)
        #expect(JSONValue.number("1e3").intValue == nil)
        #expect(JSONValue.string("42").int64Value == nil)
    }

    @Test func otherAccessors() {
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.number("0.1").doubleValue == 0.1)
        #expect(JSONValue.number("1.2300").numberText == "1.2300")
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.null.isNull)
        #expect(!JSONValue.bool(false).isNull)
        #expect(JSONValue.array([1]).arrayValue == [1])
        let object: JSONValue = ["a": ["b": 1]]
        #expect(object["a"]?["b"] == 1)
        #expect(object["missing"] == nil)
        #expect(JSONValue.number("1").objectValue == nil)
        #expect(JSONValue.integer(UInt64.max) == .number("18446744073709551615"))
    }

    @Test func objectKeepsOrderAndLooksUpTheFirstKey() {
        var object = JSONObject()
        object.append("b", 1)
        object.append("a", 2)
        object.append("b", 3)
        #expect(object.keys == ["b", "a", "b"])
        #expect(object["b"] == 1)
        #expect(object["c"] == nil)
        #expect(object.count == 3)
    }

    @Test func setReplacesInPlaceOrAppends() {
        var object: JSONObject = ["id": 1, "payload": .string(unavailableValuePlaceholder), "n": 2]
        object.set("payload", "old value")
        object.set("extra", true)
        #expect(object.description == #"{"id":1,"payload":"old value","n":2,"extra":true}"#)
        #expect(object.remove("id") == 1)
        #expect(object.remove("id") == nil)
        #expect(object.keys == ["payload", "n", "extra"])
    }

    @Test func equalityIsOrderSensitive() {
        let ab: JSONObject = ["a": 1, "b": 2]
        let ba: JSONObject = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab == JSONObject([("a", 1), ("b", 2)]))
        #expect(JSONValue.number("1.0") != JSONValue.number("1"))
    }

    @Test func objectIsASequenceOfFields() {
        let object: JSONObject = ["a": 1, "b": .null]
        #expect(object.map(\.key) == ["a", "b"])
        #expect(object.map(\.value) == [1, .null])
    }
}
