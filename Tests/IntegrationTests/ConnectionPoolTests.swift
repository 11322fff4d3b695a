import Foundation
@testable import HelioPostgres
import HelioTestSupport
import Synchronization
import Testing

/// The connection pool on the local stack's PostgreSQL: reuse, the size limit under
/// concurrent checkouts, expiry, health checks, exhaustion and reconnects.
@Suite("Connection pool", .serialized)
struct ConnectionPoolTests {
    /// A pool on the warehouse admin URL, tagged with an application name of its own so the
    /// server's view (pg_stat_activity) shows exactly this pool's sessions.
    static func pool(_ tag: String, _ configuration: ConnectionPool.Configuration) throws -> (ConnectionPool, String) {
        let name = "helio-pool-test-\(tag)-\(UInt32.random(in: 0..<UInt32.max))"
        let options = ConnectionOptions(url: try LocalStack.fromEnvironment().warehouseAdminURL, applicationName: name)
        return (ConnectionPool(options, configuration: configuration), name)
    }

    static func admin() throws -> PostgresConnection {
        try PostgresConnection(ConnectionOptions(url: try LocalStack.fromEnvironment().warehouseAdminURL, applicationName: "helio-pool-test-admin"))
    }

    /// Sessions the server has for `applicationName`.
    static func serverSessions(_ applicationName: String, _ admin: PostgresConnection) throws -> Int {
        Int(try admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [applicationName]).scalar ?? "0") ?? 0
    }

    static func backendPID(_ connection: PostgresConnection) throws -> String {
        try connection.execute("SELECT pg_backend_pid()").scalar ?? ""
    }

    @Test("a connection given back is reused, not reopened")
    func reuse() throws {
        let (pool, name) = try Self.pool("reuse", .init(maximumConnections: 2))
        defer { pool.close() }
        let first = try pool.withConnection(Self.backendPID)
        let second = try pool.withConnection(Self.backendPID)
        #expect(first == second)
        let statistics = pool.statistics
        #expect(statistics.opened == 1 && statistics.idle == 1 && statistics.inUse == 0)
        #expect(try Self.serverSessions(name, Self.admin()) == 1)
    }

    @Test("8 threads × 15 checkouts never hold more than the maximum of 3 connections")
    func sizeLimitUnderConcurrency() throws {
        let (pool, name) = try Self.pool("size", .init(maximumConnections: 3, checkoutTimeoutSeconds: 30))
        defer { pool.close() }
        let admin = try Self.admin()
        let inUse = Mutex(0)
        let peak = Mutex(0)
        let failures = Mutex<[String]>([])
        let pids = Mutex<Set<String>>([])
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                for _ in 0..<15 {
                    do {
                        try pool.withConnection { connection in
                            let now = inUse.withLock { $0 += 1; return $0 }
                            peak.withLock { $0 = max($0, now) }
                            let pid = try Self.backendPID(connection)
                            pids.withLock { _ = $0.insert(pid) }
                            try connection.execute("SELECT pg_sleep(0.01)")
                            inUse.withLock { $0 -= 1 }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }.start()
        }
        // While they run, the server never sees more than three sessions of this pool.
        var serverPeak = 0
        while group.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            serverPeak = max(serverPeak, try Self.serverSessions(name, admin))
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 }.prefix(3))")
        #expect(peak.withLock { $0 } <= 3 && peak.withLock { $0 } >= 2, "callers holding a connection at once: \(peak.withLock { $0 })")
        #expect(serverPeak <= 3)
        let statistics = pool.statistics
        #expect(statistics.peakInUse <= 3)
        #expect(statistics.opened <= 3, "120 checkouts made \(statistics.opened) connections")
        #expect(pids.withLock { $0 }.count == statistics.opened)
        #expect(statistics.inUse == 0 && statistics.idle == statistics.opened - statistics.closed)
    }

    @Test("when every connection is in use, a checkout waits its timeout and fails saying so")
    func exhaustion() throws {
        let (pool, _) = try Self.pool("full", .init(maximumConnections: 1))
        defer { pool.close() }
        let held = try pool.checkout()
        let started = Date()
        let error = try #require(throws: PostgresError.self) { try pool.checkout(timeoutSeconds: 0.5) }
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 0.5 && waited < 3, "waited \(waited) s")
        #expect(error.message.contains("all 1 are in use"), "\(error)")
        #expect(error.advice?.contains("maximum size") == true)

        // A connection given back while another caller waits goes to that caller.
        let waiter = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            waiter.withLock { $0 = (try? pool.withConnection(timeoutSeconds: 10, Self.backendPID)) ?? "failed" }
            done.signal()
        }.start()
        usleep(200_000)
        let heldPID = try Self.backendPID(held)
        pool.checkin(held)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(waiter.withLock { $0 } == heldPID)
    }

    @Test("a connection past its maximum lifetime is closed and replaced")
    func maximumLifetime() throws {
        let (pool, name) = try Self.pool("life", .init(maximumConnections: 2, idleTimeoutSeconds: 60, maximumLifetimeSeconds: 1))
        defer { pool.close() }
        let admin = try Self.admin()
        let first = try pool.withConnection(Self.backendPID)
        usleep(1_300_000)
        let second = try pool.withConnection(Self.backendPID)
        #expect(first != second)
        try eventually("the expired session to end on the server", within: 10) {
            try admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", [first]).isEmpty
        }
        #expect(try Self.serverSessions(name, admin) == 1)
        #expect(pool.statistics.opened == 2)
    }

    @Test("an idle connection is closed after the idle timeout, without any checkout")
    func idleTimeout() throws {
        let (pool, name) = try Self.pool("idle", .init(maximumConnections: 2, idleTimeoutSeconds: 1))
        defer { pool.close() }
        let admin = try Self.admin()
        _ = try pool.withConnection(Self.backendPID)
        #expect(try Self.serverSessions(name, admin) == 1)
        try eventually("the idle session to be closed", within: 10) { try Self.serverSessions(name, admin) == 0 }
        #expect(pool.statistics.idle == 0 && pool.statistics.closed == 1)
        // The pool still works afterwards.
        #expect(try pool.withConnection { try $0.execute("SELECT 42").scalar } == "42")
    }

    @Test("a connection terminated on the server while idle is replaced at the next checkout")
    func terminatedServerSide() throws {
        // No time-based health check: the pool must notice from what the server sent.
        let (pool, _) = try Self.pool("kill", .init(maximumConnections: 2, healthCheckAfterIdleSeconds: 3600))
        defer { pool.close() }
        let admin = try Self.admin()
        let first = try pool.withConnection(Self.backendPID)
        // pg_terminate_backend with a timeout waits until the backend is gone.
        #expect(try admin.execute("SELECT pg_terminate_backend($1::int, 5000)", [first]).scalar == "t")
        let second = try pool.withConnection(Self.backendPID)
        #expect(!second.isEmpty && second != first)
        let statistics = pool.statistics
        #expect(statistics.discardedBroken == 1 && statistics.opened == 2, "\(statistics)")
    }

    @Test("a connection broken while lent is closed when given back, not reused")
    func brokenWhileLent() throws {
        let (pool, _) = try Self.pool("broken", .init(maximumConnections: 1))
        defer { pool.close() }
        let admin = try Self.admin()
        #expect(throws: PostgresError.self) {
            try pool.withConnection { connection in
                _ = try admin.execute("SELECT pg_terminate_backend($1::int, 5000)", [try Self.backendPID(connection)])
                try connection.execute("SELECT 1")
            }
        }
        let statistics = pool.statistics
        #expect(statistics.idle == 0 && statistics.inUse == 0 && statistics.discardedBroken == 1)
        #expect(try pool.withConnection { try $0.execute("SELECT 1").scalar } == "1", "the only slot was freed")
    }

    @Test("a transaction left open is rolled back before the connection is reused")
    func openTransactionRolledBack() throws {
        let (pool, _) = try Self.pool("txn", .init(maximumConnections: 1))
        defer { pool.close() }
        let first = try pool.withConnection { connection in
            try connection.execute("BEGIN")
            try connection.execute("CREATE TEMPORARY TABLE left_open (x int)")
            return try Self.backendPID(connection)
        }
        let (second, table) = try pool.withConnection { connection in
            (try Self.backendPID(connection), try connection.execute("SELECT to_regclass('pg_temp.left_open')::text").scalar)
        }
        #expect(first == second, "the same session, cleaned up")
        #expect(table == nil, "the open transaction was rolled back")
    }

    @Test("connect failures are retried with backoff until the deadline; credentials are not retried")
    func reconnectWithBackoff() throws {
        let stack = try LocalStack.fromEnvironment()
        var unreachable = URLComponents(string: stack.warehouseAdminURL)!
        unreachable.port = 1   // nothing listens on port 1
        let pool = ConnectionPool(ConnectionOptions(url: unreachable.string!),
                                  configuration: .init(checkoutTimeoutSeconds: 1.5, reconnectBaseSeconds: 0.05, reconnectMaximumSeconds: 0.4))
        let started = Date()
        let error = try #require(throws: PostgresError.self) { try pool.checkout() }
        let waited = Date().timeIntervalSince(started)
        #expect(error.kind == .connection)
        #expect(error.message.contains("attempts in"), "\(error)")
        #expect(pool.statistics.failedConnects >= 3, "attempts: \(pool.statistics.failedConnects)")
        #expect(waited >= 0.9 && waited < 4, "gave up after \(waited) s")
        #expect(!"\(error)".contains(unreachable.password!))

        var wrongPassword = URLComponents(string: stack.warehouseAdminURL)!
        wrongPassword.password = "not-the-password-42"
        let refused = ConnectionPool(ConnectionOptions(url: wrongPassword.string!), configuration: .init(checkoutTimeoutSeconds: 10))
        let quick = Date()
        let authentication = try #require(throws: PostgresError.self) { try refused.checkout() }
        #expect(authentication.kind == .authentication)
        #expect(refused.statistics.failedConnects == 1)
        #expect(Date().timeIntervalSince(quick) < 5)
        #expect(!"\(authentication)".contains("not-the-password-42"))
    }

    @Test("a closed pool closes its idle connections and refuses checkouts")
    func closing() throws {
        let (pool, name) = try Self.pool("close", .init(maximumConnections: 2))
        let admin = try Self.admin()
        _ = try pool.withConnection(Self.backendPID)
        pool.close()
        try eventually("the session to end", within: 10) { try Self.serverSessions(name, admin) == 0 }
        let error = try #require(throws: PostgresError.self) { try pool.checkout() }
        #expect(error.message.contains("closed"))
    }

    @Test("backoff waits grow exponentially with full jitter and stay under the cap")
    func backoffShape() {
        var backoff = ReconnectBackoff(base: 0.1, maximum: 1)
        var ceilings: [Double] = []
        for attempt in 0..<8 {
            let ceiling = min(1, 0.1 * pow(2, Double(attempt)))
            let wait = backoff.next()
            #expect(wait >= ceiling / 2 && wait <= ceiling, "attempt \(attempt): \(wait)")
            ceilings.append(ceiling)
        }
        #expect(ceilings.last == 1)
        let draws = (0..<50).map { _ -> Double in
            var fresh = ReconnectBackoff(base: 1, maximum: 1)
            return fresh.next()
        }
        #expect(Set(draws).count > 1, "jittered, not fixed")
    }
}
