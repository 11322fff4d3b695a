@testable import HelioCapture
import PGOutput
import Testing

/// The delivery marker is bound to the slot's history: a lost log of the same history is still
/// checked, a new pipeline under the same slot name is not refused.
@Suite("Delivery marker: which slot history it belongs to")
struct DeliveryMarkerTests {
    typealias Guard = KafkaLogGuard
    let position = Guard.Position(offset: 41, transactionID: "770:16/B374D848")
    let history = Guard.SlotHistory(systemIdentifier: "7716197805182098209", database: "solar", databaseOID: "16384",
                                    created: LSN(parsing: "0/1500000"))
    var marker: Guard.Marker { Guard.Marker(position: position, history: history, confirmedBound: LSN(parsing: "0/2000000")) }
    func live(system: String = "7716197805182098209", database: String = "solar", oid: String = "16384", flush: String? = "0/1F00000") -> Guard.LiveSlot {
        Guard.LiveSlot(systemIdentifier: system, database: database, databaseOID: oid, confirmedFlush: flush.flatMap { LSN(parsing: $0) })
    }

    @Test("no file: nothing to check")
    func noMarker() {
        #expect(Guard.startDecision(marker: nil, live: live()) == .nothingToCheck)
    }

    @Test("the same slot, behind or at what capture confirmed: the log is checked")
    func sameHistory() {
        #expect(Guard.startDecision(marker: marker, live: live()) == .check(position))
        #expect(Guard.startDecision(marker: marker, live: live(flush: "0/2000000")) == .check(position))
        // The server persists confirmations lazily: after its crash the slot may be back at its creation.
        #expect(Guard.startDecision(marker: marker, live: live(flush: "0/1500000")) == .check(position))
        // A slot whose position is unknown (never consistent) is given the benefit of the check.
        #expect(Guard.startDecision(marker: marker, live: live(flush: nil)) == .check(position))
    }

    @Test("a file written before histories were recorded is checked as before")
    func legacyFile() {
        let legacy = Guard.Marker(position: position, history: nil, confirmedBound: nil)
        #expect(Guard.startDecision(marker: legacy, live: live(system: "1", database: "other", flush: "9/0")) == .check(position))
        #expect(Guard.decode("41 770:16/B374D848\n") == legacy)
    }

    @Test("another cluster under the same slot name is a new history")
    func otherCluster() {
        guard case .newHistory(let reason) = Guard.startDecision(marker: marker, live: live(system: "7000000000000000001")) else {
            Issue.record("not a new history"); return
        }
        #expect(reason.contains("another cluster"))
    }

    @Test("another database, or one dropped and created again under the same name, is a new history")
    func otherDatabase() {
        guard case .newHistory(let reason) = Guard.startDecision(marker: marker, live: live(database: "solar2", oid: "20000")) else {
            Issue.record("not a new history"); return
        }
        #expect(reason.contains("solar2"))
        guard case .newHistory = Guard.startDecision(marker: marker, live: live(oid: "20001")) else {
            Issue.record("same name, new OID: not a new history"); return
        }
    }

    @Test("a slot past every position capture confirmed was dropped and created again")
    func recreatedSlot() {
        guard case .newHistory(let reason) = Guard.startDecision(marker: marker, live: live(flush: "0/2000028")) else {
            Issue.record("not a new history"); return
        }
        #expect(reason.contains("dropped and created again"))
        // Without a recorded bound (an older file with a history), the creation point still rules out a slot before it.
        var unbounded = marker
        unbounded.confirmedBound = nil
        #expect(Guard.startDecision(marker: unbounded, live: live(flush: "5/0")) == .check(position))
        guard case .newHistory = Guard.startDecision(marker: unbounded, live: live(flush: "0/1400000")) else {
            Issue.record("a slot before its creation point: not a new history"); return
        }
    }

    @Test("the file round-trips")
    func roundTrip() {
        #expect(Guard.decode(Guard.encode(marker)) == marker)
        var unknownCreation = marker
        unknownCreation.history?.created = nil
        unknownCreation.history?.database = "a database with spaces"
        #expect(Guard.decode(Guard.encode(unknownCreation)) == unknownCreation)
        #expect(Guard.decode("") == nil)
        #expect(Guard.decode("not a marker") == nil)
    }
}
