@testable import HelioCapture
import HelioOps
import Testing

/// Capture's own `wal_sender_timeout` (issue #13 item 1: takeover within 10 s of a network cut,
/// which the server notices only from missing replies): set on the replication session unless
/// the operator chose one, with status updates often enough to stay under it.
@Suite("Capture leadership: the replication session's timeout")
struct CaptureLeadershipTimeoutTests {
    let url = "postgresql://helio_capture@127.0.0.1:5432,127.0.0.1:5433/solar?target_session_attrs=read-write"

    @Test("capture sets wal_sender_timeout 5s and sends its status at least every 2 s")
    func shortTimeoutByDefault() {
        let settings = CaptureLeadership.replicationSettings(["datestyle": "ISO"], sourceURL: url)
        #expect(settings == ["datestyle": "ISO", "wal_sender_timeout": "5s"])
        var config = HelioConfiguration()
        config.sourceURL = url
        #expect(config.statusIntervalSeconds == 10)
        #expect(CaptureLeadership.configuration(config).statusIntervalSeconds == 2)
        config.statusIntervalSeconds = 1
        #expect(CaptureLeadership.configuration(config).statusIntervalSeconds == 1)
        // Twice per timeout at least, while capture waits for Kafka and does not read the stream.
        #expect(CaptureLeadership.replyIntervalSeconds * 2 < 5)
    }

    @Test("an operator's wal_sender_timeout in the URL's options wins, and the status interval stays theirs")
    func operatorsTimeoutWins() {
        let mine = url + "&options=-c%20wal_sender_timeout%3D20s"
        #expect(CaptureLeadership.replicationSettings(["datestyle": "ISO"], sourceURL: mine) == ["datestyle": "ISO"])
        var config = HelioConfiguration()
        config.sourceURL = mine
        #expect(CaptureLeadership.configuration(config).statusIntervalSeconds == 10)
    }
}
