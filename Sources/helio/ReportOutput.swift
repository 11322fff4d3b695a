import Foundation
import HelioOps

/// What a report command (`status`, `verify`, `slot status`, `dlq list`) prints on stdout: text
/// for a person, or with `--json` one JSON object for a script. Logs and progress go to stderr,
/// so stdout holds the report and nothing else.
enum ReportOutput {
    /// `value` as one line of JSON, keys sorted so scripts and diffs see a stable order.
    static func printJSON(_ value: some Encodable) throws {
        print(try json(value))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A JSON value for reports whose fields are only known at run time (a query's columns).
enum ReportValue: Encodable {
    case string(String)
    case bool(Bool)
    case null

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .bool(let flag): try container.encode(flag)
        case .null: try container.encodeNil()
        }
    }
}

/// An error for the person or script that ran the command: on stderr, so stdout keeps only
/// the report (`helio config check > effective.txt` holds no error text).
func printError(_ message: String) {
    StandardError.write(message + "\n")
}
