/// Process exit statuses, documented in docs/operations.md so supervisors can act on them.
public enum HelioExit {
    /// Stopped on request after draining.
    public static let ok: Int32 = 0
    /// Configuration is missing or invalid; fix it before restarting.
    public static let configuration: Int32 = 64
    /// A service could not be reached or refused the credentials; restarting may help later.
    public static let unavailable: Int32 = 69
    /// A condition that needs an operator (missing publication, slot in use, poison state).
    public static let needsOperator: Int32 = 70
    /// `helio status` / `helio verify` found the pipeline unhealthy or the warehouse different.
    public static let unhealthy: Int32 = 1
}
