import Foundation

/// Where log lines go: stderr (stdout is kept for what a command reports), or a size-rotated
/// file. Lines are scrubbed of the secret values the configuration holds (passwords in URLs,
/// the PII key, secret Kafka properties): errors are written to be secret-free, and this makes
/// sure a library's message quoting a connection string does not undo that.
public struct LogOutput: Sendable {
    let file: RotatingLogFile?
    let secrets: [String]

    /// stderr, nothing scrubbed.
    public init() {
        file = nil
        secrets = []
    }

    /// `file` nil: stderr. `secrets`: values replaced by `***` wherever they appear.
    public init(file: RotatingLogFile?, secrets: [String]) {
        self.file = file
        // Very short values would scrub ordinary words. A JSON line holds a value escaped
        // (quotes, backslashes): scrub that spelling too. Longest first, so a secret that
        // contains another is replaced whole.
        let spellings = secrets.filter { $0.count >= 4 }.flatMap { [$0, String(JSONLogHandler.quote($0).dropFirst().dropLast())] }
        self.secrets = Array(Set(spellings)).sorted { $0.count > $1.count }
    }

    /// The destination `config` asks for: its `log.file` (opened, rotated by `log.max_bytes`,
    /// `log.max_files` kept) or stderr, scrubbing every secret it holds.
    public init(_ config: HelioConfiguration) throws {
        let file = try config.logFile.map { try RotatingLogFile(path: $0, maxBytes: config.logMaxBytes, maxFiles: config.logMaxFiles) }
        self.init(file: file, secrets: config.secretValues)
    }

    public func write(_ line: String) {
        var line = line
        for secret in secrets where line.contains(secret) {
            line = line.replacingOccurrences(of: secret, with: "***")
        }
        if let file {
            file.write(line)
        } else {
            StandardError.write(line)
        }
    }

    /// Lines go to stderr, where a person may be reading (`Terminal`).
    public var isStandardError: Bool { file == nil }
}

extension HelioConfiguration {
    /// Every secret value this configuration holds, as it would appear in text: URL passwords
    /// (raw and percent-decoded), the PII key, the alert webhook URL, secret librdkafka properties.
    public var secretValues: [String] {
        var values: [String] = []
        for url in [sourceURL, warehouseURL].compactMap({ $0 }) {
            values += SecretText.passwords(inConnectionURL: url)
        }
        values += [piiKey, schedule.alertWebhookURL].compactMap { $0 }
        values += kafkaProperties.filter { SecretText.isSecretKafkaProperty($0.key) }.map(\.value)
        return values
    }
}
