import Foundation

/// Exponential backoff with full jitter for the pool's reconnect attempts: the n-th wait is
/// drawn from [c/2, c] with c = min(maximum, base × 2ⁿ), so clients that lost the same server
/// at the same moment do not come back in lockstep.
///
/// HelioOps has the services' `Backoff`; this small twin lives here because the thin client
/// targets stay below HelioOps in the dependency graph (HelioPostgres depends on libpq and
/// PGOutput only).
struct ReconnectBackoff {
    let base: Double
    let maximum: Double
    private(set) var attempt = 0

    init(base: Double, maximum: Double) {
        self.base = max(base, 0.001)
        self.maximum = max(maximum, self.base)
    }

    /// Seconds to wait before the next attempt.
    mutating func next() -> Double {
        let ceiling = min(maximum, base * pow(2, Double(min(attempt, 30))))
        attempt += 1
        return Double.random(in: ceiling / 2...ceiling)
    }
}
