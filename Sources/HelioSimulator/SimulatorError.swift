/// A failure of the simulator itself (database errors surface as `PostgresError`).
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// An option is out of range or unknown (a time zone, a negative rate).
        case invalidOptions = "invalid_options"
        /// The source tables are missing or not shaped as the data contract says.
        case schemaMismatch = "schema_mismatch"
        /// The database answered something the simulator cannot use.
        case unexpectedResult = "unexpected_result"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// None of these heal by retrying: the options or the schema must change.
    public var isRetriable: Bool { false }

    public var description: String { "simulator \(code.rawValue): \(message)" }
}
