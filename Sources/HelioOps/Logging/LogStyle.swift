import Foundation
import Logging

/// How a log line looks: JSON for log pipelines, text for people (coloured on a terminal).
public enum LogStyle: Equatable, Sendable {
    case json
    case text(colour: Bool)

    /// `auto` is text on a terminal and JSON anywhere else; a format given (`--log-format`,
    /// `HELIO_LOG_FORMAT`, `log.format`) wins. Colour only on a terminal that allows it.
    public static func resolve(_ format: HelioConfiguration.LogFormat, terminal: Bool, colourAllowed: Bool) -> LogStyle {
        switch format {
        case .json: return .json
        case .text: return .text(colour: terminal && colourAllowed)
        case .auto: return terminal ? .text(colour: colourAllowed) : .json
        }
    }

    /// `2026-12-06T18:05:12.345Z INFO helio.verify: message key=value`, the level coloured.
    static func textLine(timestamp: String, level: Logger.Level, label: String, message: String,
                         metadata: Logger.Metadata, colour: Bool) -> String {
        let name = level.rawValue.uppercased()
        var line = "\(timestamp) \(colour ? Self.colour(level) + name + reset : name) \(label): \(message)"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += colour ? " \(dim)\(key)=\(reset)\(value)" : " \(key)=\(value)"
        }
        return line
    }

    static let reset = "\u{1B}[0m"
    static let dim = "\u{1B}[2m"

    static func colour(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: return dim
        case .info: return "\u{1B}[32m"          // green
        case .notice: return "\u{1B}[36m"        // cyan
        case .warning: return "\u{1B}[33m"       // yellow
        case .error, .critical: return "\u{1B}[1;31m"   // bold red
        }
    }
}
