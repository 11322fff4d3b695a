import Foundation
import HelioPostgres
import HelioTestSupport
import Testing

/// Connect timeout, keepalives, TCP user timeout and statement timeout: Helio's defaults
/// apply where the URL is silent, and the URL wins where it is not. Checked on real
/// connections, through what libpq says it uses and what the server says it runs with.
@Suite("Connection defaults")
struct ConnectionDefaultsTests {
    static func warehouseURL() throws -> String { try LocalStack.fromEnvironment().warehouseAdminURL }

    @Test("a URL without timeouts gets Helio's connect timeout, keepalives and TCP user timeout; no statement timeout")
    func defaultsApply() throws {
        let connection = try PostgresConnection(ConnectionOptions(url: try Self.warehouseURL()))
        #expect(connection.parameter("connect_timeout") == "10")
        #expect(connection.parameter("keepalives") == "1")
        #expect(connection.parameter("keepalives_idle") == "30")
        #expect(connection.parameter("keepalives_interval") == "10")
        #expect(connection.parameter("keepalives_count") == "3")
        #expect(connection.parameter("tcp_user_timeout") == "60000")
        #expect(connection.parameter("password") == nil, "the password is never handed out")
        #expect(try connection.execute("SHOW statement_timeout").scalar == "0", "service connections keep the server's default")
    }

    @Test("values in the URL win over Helio's defaults")
    func urlWins() throws {
        let url = try Self.warehouseURL() + "?connect_timeout=3&keepalives_idle=7&keepalives_count=5&tcp_user_timeout=0"
        let connection = try PostgresConnection(ConnectionOptions(url: url, connectTimeoutSeconds: 10))
        #expect(connection.parameter("connect_timeout") == "3")
        #expect(connection.parameter("keepalives_idle") == "7")
        #expect(connection.parameter("keepalives_count") == "5")
        #expect(connection.parameter("tcp_user_timeout") == "0")
        #expect(connection.parameter("keepalives_interval") == "10", "what the URL leaves out still gets the default")
    }

    @Test("statement timeout: Helio's when asked for, the URL's options over it, a component's required settings over both")
    func statementTimeoutAndOptions() throws {
        let base = try Self.warehouseURL()
        let timed = try PostgresConnection(ConnectionOptions(url: base, statementTimeoutSeconds: 5))
        #expect(try timed.execute("SHOW statement_timeout").scalar == "5s")
        #expect(throws: PostgresError.self, "the timeout is enforced") { try timed.execute("SELECT pg_sleep(6)") }
        #expect(timed.isHealthy, "a cancelled statement leaves the connection usable")

        // options=-c statement_timeout=9s -c work_mem=7MB -c timezone=Asia/Tokyo, percent-encoded.
        let options = "-c%20statement_timeout%3D9s%20-c%20work_mem%3D7MB%20-c%20timezone%3DAsia/Tokyo"
        let connection = try PostgresConnection(ConnectionOptions(
            url: base + "?options=" + options, statementTimeoutSeconds: 5, settings: ["timezone": "UTC"]))
        #expect(try connection.execute("SHOW statement_timeout").scalar == "9s", "the operator's URL overrides Helio's default")
        #expect(try connection.execute("SHOW work_mem").scalar == "7MB", "the URL's options are kept, not replaced")
        #expect(try connection.execute("SHOW timezone").scalar == "UTC", "settings the component needs win")
    }

    @Test("setting values with spaces reach the server intact")
    func escapedSettings() throws {
        let connection = try PostgresConnection(ConnectionOptions(url: try Self.warehouseURL(), settings: ["search_path": "dw, public"]))
        #expect(try connection.execute("SHOW search_path").scalar == "dw, public")
    }

    @Test("setting() reports what the URL says, for error advice, and never the password")
    func settingReadsTheURL() {
        #expect(ConnectionOptions(url: "postgresql://u@h/db?keepalives_idle=9").setting("keepalives_idle") == "9")
        #expect(ConnectionOptions(url: "host=h user=u sslmode=verify-ca").setting("sslmode") == "verify-ca")
        #expect(ConnectionOptions(url: "postgresql://u:secret@h/db").setting("password") == nil)
    }
}
