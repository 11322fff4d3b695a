import Foundation

/// The conversions of Debezium's values into Helio's, each refusing what Helio cannot do with
/// what to write instead (`DebeziumValueRefusal`).
extension DebeziumConnectorKeys {
    static func publicationMode(_ value: String) throws -> String {
        switch value.lowercased() {
        case "filtered", "all_tables": return "true"
        case "disabled": return "false"
        case "no_tables":
            throw DebeziumValueRefusal(problem: "Helio publishes the tables it captures, so it cannot start from an empty publication; use filtered, or disabled with a publication you made")
        default:
            throw DebeziumValueRefusal(problem: "must be one of all_tables, disabled, filtered")
        }
    }

    static func snapshotMode(_ value: String) throws -> String {
        switch value.lowercased() {
        case "initial": return "true"
        case "no_data", "never": return "false"
        case "initial_only":
            throw DebeziumValueRefusal(problem: "Helio always streams after the initial snapshot; use initial and stop capture when the snapshot is published, or helio snapshot --table T for one table")
        case "always":
            throw DebeziumValueRefusal(problem: "Helio snapshots when it creates the slot, not at every start; use initial, and helio snapshot --table T to publish a table's rows again")
        case "when_needed":
            throw DebeziumValueRefusal(problem: "Helio does not snapshot again by itself when the slot's position is lost: it refuses to start (docs/operations.md, \"The broker lost its data\"); use initial")
        case "configuration_based", "custom":
            throw DebeziumValueRefusal(problem: "Helio has no pluggable snapshot modes; use initial or no_data")
        default:
            throw DebeziumValueRefusal(problem: "must be one of initial, no_data, initial_only, always, when_needed (Helio supports initial and no_data)")
        }
    }

    /// Milliseconds as Helio's seconds.
    static func seconds(_ value: String, zeroAllowed: Bool) throws -> String {
        guard let milliseconds = Int64(value), milliseconds > 0 || (zeroAllowed && milliseconds == 0) else {
            throw DebeziumValueRefusal(problem: "must be a whole number of milliseconds \(zeroAllowed ? "from 0" : "above 0")")
        }
        return ConfigurationKey.trimmed(Double(milliseconds) / 1000)
    }

    static func partitions(_ value: String) throws -> String {
        guard let count = Int32(value), count >= 1 else {
            throw DebeziumValueRefusal(problem: "must be a whole number from 1 (Helio does not take -1, the broker's default: give the number)")
        }
        return String(count)
    }

    static func replicationFactor(_ value: String) throws -> String {
        guard let factor = Int32(value), factor >= 1 else {
            throw DebeziumValueRefusal(problem: "must be a whole number from 1 (Helio does not take -1, the broker's default: give the number)")
        }
        return String(factor)
    }

    /// Debezium's names are Helio's (`capture.decimal_handling_mode`); any case, as Debezium reads them.
    static func decimalHandlingMode(_ value: String) throws -> String {
        let mode = value.trimmingCharacters(in: .whitespaces).lowercased()
        guard HelioConfiguration.DecimalHandlingMode(rawValue: mode) != nil else {
            throw DebeziumValueRefusal(problem: "must be one of precise, double, string")
        }
        return mode
    }

    /// Debezium's names are Helio's (`capture.time_precision_mode`); the PostgreSQL connector's
    /// other modes are refused.
    static func timePrecisionMode(_ value: String) throws -> String {
        let mode = value.trimmingCharacters(in: .whitespaces).lowercased()
        switch mode {
        case _ where HelioConfiguration.TimePrecisionMode(rawValue: mode) != nil:
            return mode
        case "isostring", "microseconds", "nanoseconds":
            throw DebeziumValueRefusal(problem: "Helio's debezium form offers adaptive, adaptive_time_microseconds and connect; "
                                       + "use one of them (microseconds: adaptive_time_microseconds keeps microseconds for time and for timestamp without a precision of 0-3)")
        default:
            throw DebeziumValueRefusal(problem: "must be one of adaptive, adaptive_time_microseconds, connect")
        }
    }

    /// Kafka's booleans: true or false, any case.
    static func javaBoolean(_ value: String) throws -> String {
        switch value.lowercased() {
        case "true", "false": return value.lowercased()
        default: throw DebeziumValueRefusal(problem: "must be true or false")
        }
    }
}
