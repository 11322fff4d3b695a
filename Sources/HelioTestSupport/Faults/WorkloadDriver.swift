import Foundation
import HelioPostgres

/// Runs `RandomWorkload` against the source on its own thread for the whole fault run, at a
/// steady pace, riding out source restarts: a transaction that fails is rolled back (or its
/// connection replaced) and the workload goes on. It can be paused, so the warehouse can
/// catch up for a checkpoint.
public final class WorkloadDriver: @unchecked Sendable {
    let connect: () throws -> PostgresConnection
    let transactionsPerSecond: Double
    let seed: UInt64
    private let lock = NSLock()
    private var stopping = false
    private var pausedFlag = false
    private var idle = true
    private var committedCount = 0
    private var failedCount = 0
    private var thread: Thread?

    public init(seed: UInt64, transactionsPerSecond: Double, connect: @escaping () throws -> PostgresConnection) {
        self.seed = seed
        self.transactionsPerSecond = transactionsPerSecond
        self.connect = connect
    }

    public var committed: Int { lock.withLock { committedCount } }
    public var failed: Int { lock.withLock { failedCount } }

    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "fault-workload"
        self.thread = thread
        thread.start()
    }

    /// Stops issuing transactions and waits until the one in progress has ended.
    public func pause() {
        lock.withLock { pausedFlag = true }
        while !lock.withLock({ idle }) { usleep(20_000) }
    }

    public func resume() { lock.withLock { pausedFlag = false } }

    public func stop() {
        lock.withLock { stopping = true }
        while let thread, !thread.isFinished { usleep(20_000) }
    }

    private func loop() {
        var workload = RandomWorkload(seed: seed)
        var connection: PostgresConnection?
        let interval = 1.0 / transactionsPerSecond
        var next = Date()
        while true {
            // Busy from the moment the flags are read: `pause` then waits for this transaction.
            let (stop, paused) = lock.withLock { () -> (Bool, Bool) in
                if !stopping && !pausedFlag { idle = false }
                return (stopping, pausedFlag)
            }
            if stop { break }
            if paused {
                usleep(50_000)
                next = Date()
                continue
            }
            do {
                if connection == nil { connection = try connect() }
                try workload.run(connection!, transactions: 1)
                lock.withLock { committedCount += 1 }
            } catch {
                lock.withLock { failedCount += 1 }
                // A failed statement leaves the transaction aborted; a lost server, a dead connection.
                if (try? connection?.execute("ROLLBACK")) == nil { connection = nil }
                usleep(100_000)
            }
            lock.withLock { idle = true }
            next = max(next.addingTimeInterval(interval), Date().addingTimeInterval(-1))
            let wait = next.timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
        }
        lock.withLock { idle = true }
    }
}
