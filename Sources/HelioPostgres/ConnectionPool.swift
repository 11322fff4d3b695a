import CLibPQ
import Foundation
import Glibc

/// A small pool of PostgreSQL connections for code that runs many short statements: the
/// verifier's checks, `helio status`, `helio verify`, snapshot requests. Callers are on
/// dedicated threads (everything here blocks), never on Swift's cooperative pool.
///
/// - **Size**: at most `maximumConnections` exist at once (in use, idle or being made);
///   a checkout beyond that waits, up to its timeout, for one to come back.
/// - **Health**: a connection is checked when it leaves the pool: libpq must call it good,
///   no transaction may be open, and anything the server sent while it sat idle (a
///   `pg_terminate_backend`, a shutdown) is read first. After `healthCheckAfterIdleSeconds`
///   of idleness, or when the server did send something, a `SELECT 1` proves it. A bad one is
///   closed and the next one is tried, or a new one made.
/// - **Expiry**: idle connections close after `idleTimeoutSeconds`, every connection after
///   `maximumLifetimeSeconds` (at its next return or while idle), so server-side settings,
///   failovers and memory bloat do not live forever. A background thread closes idle ones.
/// - **Returns**: a connection given back broken, in the middle of a COPY, or in an unknown
///   state is closed; one in an open transaction is rolled back (closed if that fails).
/// - **Reconnects**: a failed connect is retried with exponential backoff and full jitter
///   until the checkout's deadline; failures that reconnecting cannot heal (credentials,
///   TLS settings, a missing database) are thrown at once.
///
/// Statement and connect timeouts come from the `ConnectionOptions` the pool is made with.
public final class ConnectionPool: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Connections in use, idle or being made, at most.
        public var maximumConnections: Int
        /// How long `checkout` waits for a free connection, connect retries included.
        public var checkoutTimeoutSeconds: Double
        /// An idle connection is closed after this long unused.
        public var idleTimeoutSeconds: Double
        /// A connection is closed after this long, however busy.
        public var maximumLifetimeSeconds: Double
        /// A connection idle longer than this runs `SELECT 1` before it is handed out.
        public var healthCheckAfterIdleSeconds: Double
        /// First reconnect wait; it doubles per failed attempt (with jitter) up to the maximum.
        public var reconnectBaseSeconds: Double
        public var reconnectMaximumSeconds: Double

        public init(maximumConnections: Int = 4, checkoutTimeoutSeconds: Double = 30, idleTimeoutSeconds: Double = 300,
                    maximumLifetimeSeconds: Double = 1800, healthCheckAfterIdleSeconds: Double = 10,
                    reconnectBaseSeconds: Double = 0.2, reconnectMaximumSeconds: Double = 5) {
            self.maximumConnections = max(1, maximumConnections)
            self.checkoutTimeoutSeconds = checkoutTimeoutSeconds
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.maximumLifetimeSeconds = maximumLifetimeSeconds
            self.healthCheckAfterIdleSeconds = healthCheckAfterIdleSeconds
            self.reconnectBaseSeconds = reconnectBaseSeconds
            self.reconnectMaximumSeconds = reconnectMaximumSeconds
        }
    }

    /// Counters, for tests and diagnostics.
    public struct Statistics: Sendable, Equatable {
        public var idle = 0
        public var inUse = 0
        public var connecting = 0
        /// The most connections ever in use or being made at the same time.
        public var peakInUse = 0
        public var opened = 0
        public var closed = 0
        /// Closed because they were found or given back broken.
        public var discardedBroken = 0
        public var failedConnects = 0
        /// `SELECT 1` checks run on checkout.
        public var healthChecks = 0
    }

    private final class Entry {
        let connection: PostgresConnection
        let created: Double
        var lastUsed: Double
        init(_ connection: PostgresConnection, at time: Double) {
            self.connection = connection
            created = time
            lastUsed = time
        }
    }

    private enum Step {
        case reuse(Entry)
        case connect
        case exhausted
        case closed
    }

    public let options: ConnectionOptions
    public let configuration: Configuration
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var idle: [Entry] = []
    private var lent: [ObjectIdentifier: Entry] = [:]
    private var connecting = 0
    private var counters = Statistics()
    private var isClosed = false
    private var reaperRunning = false

    public init(_ options: ConnectionOptions, configuration: Configuration = Configuration()) {
        self.options = options
        self.configuration = configuration
    }

    deinit { close() }

    // MARK: - Lending

    /// Runs `body` with a connection of the pool and takes it back afterwards (closed instead
    /// when `body` broke it). Do not keep the connection beyond `body`.
    public func withConnection<T>(timeoutSeconds: Double? = nil, _ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkout(timeoutSeconds: timeoutSeconds)
        do {
            let result = try body(connection)
            checkin(connection)
            return result
        } catch {
            checkin(connection, broken: (error as? PostgresError)?.isConnectionLoss ?? false)
            throw error
        }
    }

    /// A healthy connection, reused or new. Give it back with `checkin` (or use `withConnection`).
    public func checkout(timeoutSeconds: Double? = nil) throws(PostgresError) -> PostgresConnection {
        let started = Self.now()
        let deadline = started + (timeoutSeconds ?? configuration.checkoutTimeoutSeconds)
        var backoff = ReconnectBackoff(base: configuration.reconnectBaseSeconds, maximum: configuration.reconnectMaximumSeconds)
        var failures = 0
        while true {
            switch nextStep(deadline: deadline) {
            case .closed:
                throw PostgresError(kind: .connection, message: "the connection pool is closed")
            case .exhausted:
                throw PostgresError(
                    kind: .connection,
                    message: "no pooled connection became free within \(Self.seconds(deadline - started)): all \(configuration.maximumConnections) are in use",
                    advice: "raise the pool's maximum size or hold connections for shorter")
            case .reuse(let entry):
                if isUsable(entry) { return entry.connection }
                discard(entry)
            case .connect:
                do throws(PostgresError) {
                    let connection = try PostgresConnection(options)
                    register(connection)
                    return connection
                } catch {
                    failures += 1
                    connectFailed()
                    // Credentials, TLS settings, a missing database: trying again does not help.
                    guard error.isRetriable else { throw error }
                    let delay = backoff.next()
                    guard Self.now() + delay < deadline else {
                        var last = error
                        if failures > 1 { last.message += " (\(failures) attempts in \(Self.seconds(Self.now() - started)))" }
                        throw last
                    }
                    wait(seconds: delay)
                }
            }
        }
    }

    /// Takes a connection back. `broken: true` closes it whatever its state.
    public func checkin(_ connection: PostgresConnection, broken: Bool = false) {
        let keep = !broken && resetForReuse(connection)
        condition.lock()
        guard let entry = lent.removeValue(forKey: ObjectIdentifier(connection)) else {
            condition.unlock()
            return   // not this pool's, or given back twice
        }
        let now = Self.now()
        if keep && !isClosed && now - entry.created < configuration.maximumLifetimeSeconds {
            entry.lastUsed = now
            idle.append(entry)
            startReaperIfNeeded()
        } else {
            counters.closed += 1   // dropping the entry closes it (PQfinish only sends Terminate)
            if !keep { counters.discardedBroken += 1 }
        }
        condition.signal()
        condition.unlock()
    }

    /// Closes the idle connections now and the lent ones when they come back; checkouts fail.
    public func close() {
        condition.lock()
        isClosed = true
        counters.closed += idle.count
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    public var statistics: Statistics {
        condition.lock()
        defer { condition.unlock() }
        var snapshot = counters
        snapshot.idle = idle.count
        snapshot.inUse = lent.count
        snapshot.connecting = connecting
        return snapshot
    }

    // MARK: - Under the lock

    private func nextStep(deadline: Double) -> Step {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if isClosed { return .closed }
            pruneExpired(now: Self.now())
            // The most recently used first: the others then expire when the load drops.
            if let entry = idle.popLast() {
                lent[ObjectIdentifier(entry.connection)] = entry
                notePeak()
                return .reuse(entry)
            }
            if lent.count + connecting < configuration.maximumConnections {
                connecting += 1
                notePeak()
                return .connect
            }
            let remaining = deadline - Self.now()
            if remaining <= 0 { return .exhausted }
            _ = condition.wait(until: Date(timeIntervalSinceNow: remaining))
        }
    }

    /// Closes idle connections past their idle timeout or lifetime.
    private func pruneExpired(now: Double) {
        let before = idle.count
        idle.removeAll { entry in
            now - entry.lastUsed >= configuration.idleTimeoutSeconds || now - entry.created >= configuration.maximumLifetimeSeconds
        }
        counters.closed += before - idle.count
    }

    private func notePeak() { counters.peakInUse = max(counters.peakInUse, lent.count + connecting) }

    private func register(_ connection: PostgresConnection) {
        condition.lock()
        connecting -= 1
        counters.opened += 1
        lent[ObjectIdentifier(connection)] = Entry(connection, at: Self.now())
        condition.unlock()
    }

    private func connectFailed() {
        condition.lock()
        connecting -= 1
        counters.failedConnects += 1
        condition.signal()
        condition.unlock()
    }

    private func discard(_ entry: Entry) {
        condition.lock()
        lent.removeValue(forKey: ObjectIdentifier(entry.connection))
        counters.closed += 1
        counters.discardedBroken += 1
        condition.signal()
        condition.unlock()
    }

    /// Waits `seconds` before a reconnect; a connection given back meanwhile ends the wait early.
    private func wait(seconds: Double) {
        condition.lock()
        if !isClosed { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
        condition.unlock()
    }

    // MARK: - Health

    /// Whether an idle connection may be handed out. It belongs to the caller's thread now.
    private func isUsable(_ entry: Entry) -> Bool {
        let connection = entry.connection
        let handle = connection.handle
        guard PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) == PQTRANS_IDLE else { return false }
        // An idle session hears from the server only when something happened to it (a
        // termination, a shutdown, a NOTIFY): read that first, then prove it with a round trip.
        var heard = false
        while Self.isReadable(handle) {
            heard = true
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else { return false }
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
        }
        guard heard || Self.now() - entry.lastUsed >= configuration.healthCheckAfterIdleSeconds else { return true }
        condition.lock()
        counters.healthChecks += 1
        condition.unlock()
        do {
            try connection.execute("SELECT 1")
            return PQstatus(handle) == CONNECTION_OK
        } catch {
            return false
        }
    }

    /// Leaves a returned connection as a new one would be; false when it cannot be.
    private func resetForReuse(_ connection: PostgresConnection) -> Bool {
        let handle = connection.handle
        guard PQstatus(handle) == CONNECTION_OK else { return false }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE:
            return true
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            // Whatever the caller left open is not the next caller's.
            guard (try? connection.execute("ROLLBACK")) != nil else { return false }
            return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
        default:
            return false   // a statement or COPY still running, or a lost connection
        }
    }

    private static func isReadable(_ handle: OpaquePointer) -> Bool {
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    // MARK: - Idle reaper

    /// Starts the thread that closes idle connections as they expire; it ends when none is idle.
    private func startReaperIfNeeded() {
        guard !reaperRunning else { return }
        reaperRunning = true
        let thread = Thread { [weak self] in
            while let pool = self, pool.reapOnce() {}
        }
        thread.name = "helio-pool-reaper"
        thread.start()
    }

    /// Waits for the next expiry (at most a second, so a dropped pool is noticed), closes what
    /// expired, and says whether to go on.
    private func reapOnce() -> Bool {
        condition.lock()
        guard !isClosed, !idle.isEmpty else {
            reaperRunning = false
            condition.unlock()
            return false
        }
        let nextExpiry = idle.map {
            min($0.lastUsed + configuration.idleTimeoutSeconds, $0.created + configuration.maximumLifetimeSeconds)
        }.min() ?? Self.now()
        let wait = min(max(nextExpiry - Self.now(), 0.01), 1)
        _ = condition.wait(until: Date(timeIntervalSinceNow: wait))
        pruneExpired(now: Self.now())
        condition.unlock()
        return true
    }

    // MARK: - Time

    /// Monotonic seconds.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }
}
