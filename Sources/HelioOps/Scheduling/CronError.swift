/// Why a schedule could not be parsed, naming the field and the text at fault, so an
/// operator can fix `HELIO_SCHEDULE_*` without reading the parser.
public struct CronError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `minute`, `hour`, `day-of-month`, `month`, `day-of-week`, or `expression` for the whole.
    public var field: String
    public var text: String
    public var problem: String

    public init(field: String, text: String, problem: String) {
        self.field = field
        self.text = text
        self.problem = problem
    }

    public var description: String { "cron \(field) '\(text)': \(problem)" }
}
