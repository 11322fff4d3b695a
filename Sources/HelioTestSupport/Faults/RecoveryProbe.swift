import Foundation
import HelioPostgres

/// Measures recovery: commits a change on the source after a fault and waits until the
/// warehouse shows it, i.e. until capture, Kafka and apply all work again. The change is a
/// new e-mail address of a user of the probe's own (the random workload never changes
/// e-mail addresses), so nothing else can make it appear or disappear.
public final class RecoveryProbe: @unchecked Sendable {
    let stack: FaultStack
    let userID: String
    private var round = 0

    public init(stack: FaultStack) throws {
        self.stack = stack
        userID = try stack.sourceAdmin().execute(
            "INSERT INTO users (name, email) VALUES ('Recovery probe', 'probe-0@helio.test') RETURNING id::text").scalar ?? "0"
    }

    /// Commits the next probe change (retrying while the source is away) and returns the
    /// seconds from `since` until the warehouse's current member shows it, or nil after `within`.
    public func measure(since: Date, within seconds: Double, whileWaiting: () -> Void = {}) -> Double? {
        round += 1
        let email = "probe-\(round)@helio.test"
        let deadline = since.addingTimeInterval(seconds)
        var committed = false
        var warehouse: PostgresConnection?
        while Date() < deadline {
            whileWaiting()
            if !committed {
                committed = (try? stack.sourceAdmin().execute("UPDATE users SET email = $1 WHERE id = $2", [email, userID])) != nil
            }
            if committed {
                if warehouse == nil { warehouse = try? stack.warehouseAdmin() }
                do {
                    let current = try warehouse?.execute(
                        "SELECT email FROM dw.dim_users WHERE user_id = $1 AND is_current", [userID]).scalar
                    if current == email { return Date().timeIntervalSince(since) }
                } catch {
                    warehouse = nil // restarted, or dw not there yet (a rebuild)
                }
            }
            usleep(100_000)
        }
        return nil
    }
}
