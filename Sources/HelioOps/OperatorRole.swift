/// The commands that serve the operator endpoint (/metrics, /healthz, /readyz, the status
/// page). Each has its own default address so that capture and apply as two systemd units on
/// one host do not both try to bind 9464 and stop with exit 64.
public enum OperatorRole: String, Sendable, CaseIterable {
    case capture, apply, run

    /// `run` is capture and apply in one process, in place of both: it keeps capture's port.
    public var defaultMetricsAddress: String {
        switch self {
        case .capture, .run: "127.0.0.1:9464"
        case .apply: "127.0.0.1:9465"
        }
    }

    /// How `helio config check` and docs/configuration.md show the default, which no single
    /// command owns.
    public static let defaultsText = "127.0.0.1:9464 (capture, run), 127.0.0.1:9465 (apply)"
}

extension HelioConfiguration {
    /// `metrics.address` as set, else the default of the command that serves it.
    public func metricsAddress(for role: OperatorRole) -> String {
        metricsAddress ?? role.defaultMetricsAddress
    }
}
