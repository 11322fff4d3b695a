import Foundation
import Logging
import Metrics

/// One JSON object per line (`{"ts":…,"level":…,"label":…,"msg":…,…metadata}`) on stderr,
/// which operators ship to their log pipeline, or in a file rotated by size (`log.file`); or,
/// for a person at a terminal, a text line with the level coloured (`LogStyle`).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let style: LogStyle
    let output: LogOutput

    public init(label: String, style: LogStyle = .json, output: LogOutput = LogOutput()) {
        self.label = label
        self.style = style
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        if event.level >= .warning {
            // Errors by kind for dashboards: every warning and error is logged, so counting
            // here misses none. The kind is the `error_kind` the caller named, if any.
            Counter(label: "helio_errors_total", dimensions: [
                ("kind", merged[LogKeys.errorKind].map { "\($0)" } ?? "unclassified"), ("level", event.level.rawValue)]).increment()
        }
        let timestamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        var line: String
        switch style {
        case .json:
            var fields: [(String, String)] = [("ts", timestamp), ("level", event.level.rawValue), ("label", label), ("msg", event.message.description)]
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) { fields.append((key, "\(value)")) }
            line = "{" + fields.map { "\(Self.quote($0.0)):\(Self.quote($0.1))" }.joined(separator: ",") + "}"
        case .text(let colour):
            line = LogStyle.textLine(timestamp: timestamp, level: event.level, label: label, message: event.message.description,
                                     metadata: merged, colour: colour)
        }
        line += "\n"
        output.write(line)
    }

    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Installs the handler for the whole process, once, at startup.
    public static func bootstrap(format: HelioConfiguration.LogFormat, level: String, output: LogOutput = LogOutput()) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        let terminal = output.isStandardError && Terminal.standardErrorIsTerminal
        let style = LogStyle.resolve(format, terminal: terminal, colourAllowed: Terminal.colourOnStandardError)
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label, style: style, output: output)
            handler.logLevel = parsed
            return handler
        }
    }
}
