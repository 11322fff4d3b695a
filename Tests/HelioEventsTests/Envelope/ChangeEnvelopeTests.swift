import Testing
import HelioEvents

@Suite struct ChangeEnvelopeTests {
    static let source = SourceInfo(
        version: "0.1.0", name: "solar", db: "helio", schema: "public", table: "energy",
        txId: 571, lsn: 53_195_720, commitLSN: 53_195_832, tsUs: 1_795_912_024_123_456
    )

    static let insert = ChangeEnvelope(
        before: nil,
        after: ["id": 42, "device_id": 7, "measured_at": "2026-11-29T00:15:00Z", "energy_kwh": "1.2300", "power_kw": .null],
        op: .create, tsMs: 1_795_912_025_000, source: source
    )

    static let insertJSON = #"{"before":null,"#
        + #""after":{"id":42,"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"1.2300","power_kw":null},"#
        + #""source":{"version":"0.1.0","connector":"postgresql","name":"solar","ts_ms":1795912024123,"#
        + #""ts_us":1795912024123456,"snapshot":"false","db":"helio","sequence":"[\"53195832\",\"53195720\"]","#
        + #""schema":"public","table":"energy","txId":571,"lsn":53195720,"commit_lsn":53195832},"#
        + #""op":"c","ts_ms":1795912025000}"#

    @Test func encodesTheExactDebeziumShape() {
        #expect(String(decoding: Self.insert.encoded(), as: UTF8.self) == Self.insertJSON)
    }

    @Test func encodeAppendsToAnExistingBuffer() {
        var buffer: [UInt8] = [0x01]
        Self.insert.encode(into: &buffer)
        #expect(buffer.first == 0x01)
        #expect(Array(buffer.dropFirst()) == Array(Self.insertJSON.utf8))
    }

    @Test func decodesTheExactJSON() throws {
        #expect(try ChangeEnvelope.decode(Array(Self.insertJSON.utf8)) == Self.insert)
    }

    static let roundTripCases: [ChangeEnvelope] = {
        var update = insert
        update.op = .update
        update.before = ["id": 42, "energy_kwh": "1.0000"]
        update.after?.set("energy_kwh", .string(unavailableValuePlaceholder))
        var delete = insert
        delete.op = .delete
        delete.before = ["id": 42]
        delete.after = nil
        var truncate = insert
        truncate.op = .truncate
        truncate.after = nil
        truncate.source.lsn = UInt64.max
        truncate.source.commitLSN = UInt64.max
        var read = insert
        read.op = .read
        read.source.snapshot = .last
        read.source.txId = 0
        read.source.tsUs = -1
        read.source.tsMs = -1
        read.after = ["name": "São \"Sol\" \\ ☀️\n", "tags": ["a", .null], "doc": ["k": [.number("1.5e3")]]]
        var snapshot = read
        snapshot.source.snapshot = .true
        return [insert, update, delete, truncate, read, snapshot]
    }()

    @Test(arguments: roundTripCases)
    func roundTrips(_ envelope: ChangeEnvelope) throws {
        #expect(try ChangeEnvelope.decode(envelope.encoded()) == envelope)
    }

    @Test func extraFieldsAreIgnored() throws {
        var document = try #require(try JSONValue.parse(Self.insertJSON).objectValue)
        var source = try #require(document["source"]?.objectValue)
        source.append("xmin", .null)
        source.append("ts_ns", 1)
        document.set("source", .object(source))
        document.append("transaction", .null)
        #expect(try ChangeEnvelope.decode(JSONValue.object(document)) == Self.insert)
        #expect(try ChangeEnvelope.decode(Array(" \n\(JSONValue.object(document)) ".utf8)) == Self.insert)
    }
}
