import Testing
import HelioEvents

@Suite struct SourceInfoTests {
    @Test func millisecondsDefaultToTheMicrosecondsRoundedDown() {
        let source = SourceInfo(version: "v", name: "p", db: "d", schema: "s", table: "t",
                                txId: 1, lsn: 2, commitLSN: 3, tsUs: 1_795_912_024_123_999)
        #expect(source.tsMs == 1_795_912_024_123)
        #expect(source.connector == "postgresql")
        #expect(source.snapshot == .false)
    }

    @Test func sequenceHoldsCommitLSNThenLSN() throws {
        let source = ChangeEnvelopeTests.source
        #expect(source.sequence == #"["53195832","53195720"]"#)
        var buffer: [UInt8] = []
        source.write(into: &buffer)
        let written = try #require(try JSONValue.parse(buffer).objectValue)
        #expect(written["sequence"] == .string(source.sequence))
        #expect(written.keys == ["version", "connector", "name", "ts_ms", "ts_us", "snapshot", "db", "sequence",
                                 "schema", "table", "txId", "lsn", "commit_lsn"])
    }

    @Test func escapesNamesInTheSourceBlock() throws {
        var source = ChangeEnvelopeTests.source
        source.table = "weird \"table\""
        var buffer: [UInt8] = []
        source.write(into: &buffer)
        #expect(try SourceInfo.decode(JSONValue.parse(buffer)) == source)
    }

    @Test func snapshotMarkersAreDebeziumStrings() {
        #expect(SnapshotMarker.allCases.map(\.rawValue) == ["true", "last", "false"])
        #expect(ChangeOp.allCases.map(\.rawValue) == ["c", "u", "d", "r", "t"])
        #expect(unavailableValuePlaceholder == "__debezium_unavailable_value")
    }
}
