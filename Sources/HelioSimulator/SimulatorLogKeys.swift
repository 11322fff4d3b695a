import HelioOps

/// Log metadata keys of the simulator; shared ones come from `LogKeys`.
enum SimulatorLogKeys {
    static let component = LogKeys.component
    static let rows = LogKeys.rows
    static let durationMs = LogKeys.durationMs
    static let steps = "steps"
    static let changesPerSecond = "changes_per_s"
    static let simulatedTime = "simulated_time"
    static let users = "users"
    static let units = "units"
    static let devices = "devices"
}
