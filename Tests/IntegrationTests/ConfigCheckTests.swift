import Foundation
import HelioOps
import HelioTestSupport
import Testing

/// `helio config check` as operators run it: the built binary, a YAML file, variables and
/// flags, with a clean environment so the local stack's HELIO_* variables do not leak in.
@Suite("helio config check (the built binary)", .serialized)
struct ConfigCheckTests {
    /// The helio built with these tests (beside the test bundle, whatever the scratch path).
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("helio")
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : HelioProcess.binary
    }

    static func helio(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let inherited = ProcessInfo.processInfo.environment
        var clean = ["PATH": inherited["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        clean["LD_LIBRARY_PATH"] = LocalStack.repositoryRoot.appendingPathComponent(".local/lib").path
            + (inherited["LD_LIBRARY_PATH"].map { ":\($0)" } ?? "")
        process.environment = clean.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The table rows of the output: key → (value, source).
    static func rows(_ output: String) -> [String: (value: String, source: String)] {
        var rows: [String: (String, String)] = [:]
        for line in output.split(separator: "\n") {
            let columns = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard columns.count >= 3, HelioConfiguration.key(columns[0]) != nil || columns[0].hasPrefix("kafka.properties.") else { continue }
            rows[columns[0]] = (columns[1], columns[2...].joined(separator: "  "))
        }
        return rows
    }

    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "helio-config-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("--config FILE: every value with its source, secrets redacted (file, _file, variable, flag)")
    func redactedWithSources() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "postgresql://helio_writer:hunter2-wh@wh.internal:5432/warehouse\n".write(toFile: "\(directory)/warehouse-url", atomically: true, encoding: .utf8)
        try "https://hooks.example.com/services/tok3n-s3cret".write(toFile: "\(directory)/webhook", atomically: true, encoding: .utf8)
        let file = "\(directory)/helio.yaml"
        try """
            source:
              url: postgresql://helio_capture:hunter2-src@db.internal:5432/solar?sslmode=verify-full
            warehouse:
              url_file: \(directory)/warehouse-url
            kafka:
              brokers: kafka1:9093
              properties:
                security.protocol: SASL_SSL
                sasl.password: kafka-s3cret
            apply:
              pii_key: pii-s3cret-value
              batch_size: 100
            alerts:
              webhook_url_file: \(directory)/webhook
            """.write(toFile: file, atomically: true, encoding: .utf8)

        let result = try Self.helio(["config", "check", "--config", file, "--offline", "--slot", "flag_slot", "--log-format", "text"],
                                    environment: ["HELIO_BATCH_SIZE": "777"])
        #expect(result.status == 0, "\(result.output)")
        let rows = Self.rows(result.output)
        #expect(result.output.contains("configuration file: \(file) (flag --config)"), "\(result.output)")
        #expect(rows["source.url"]?.value == "postgresql://helio_capture:***@db.internal:5432/solar?sslmode=verify-full")
        #expect(rows["source.url"]?.source == "file source.url")
        #expect(rows["warehouse.url"]?.value == "postgresql://helio_writer:***@wh.internal:5432/warehouse")
        #expect(rows["warehouse.url"]?.source == "file warehouse.url_file")
        #expect(rows["apply.pii_key"]?.value == "(set, redacted)")
        #expect(rows["kafka.properties.sasl.password"]?.value == "(set, redacted)")
        #expect(rows["kafka.properties.security.protocol"]?.value == "SASL_SSL")
        #expect(rows["alerts.webhook_url"]?.value == "https://hooks.example.com/… (redacted)")
        #expect(rows["apply.batch_size"]?.value == "777" && rows["apply.batch_size"]?.source == "env HELIO_BATCH_SIZE")
        #expect(rows["capture.slot"]?.value == "flag_slot" && rows["capture.slot"]?.source == "flag --slot")
        #expect(rows["apply.timezone"]?.source == "default")
        for secret in ["hunter2-src", "hunter2-wh", "kafka-s3cret", "pii-s3cret-value", "tok3n-s3cret"] {
            #expect(!result.output.contains(secret), "\(secret) printed:\n\(result.output)")
        }
    }

    @Test("every key has its flag: set them all, and config check reports each from its flag")
    func everyKeyHasAFlag() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let samples = [
            "source.url": "postgresql://u:p@127.0.0.1:1/db", "warehouse.url": "postgresql://u:p@127.0.0.1:1/wh",
            "kafka.brokers": "127.0.0.1:1", "capture.decoding_work_mem": "64MB", "apply.pii_key": "flag-pii",
            "apply.scd_config": "{}", "log.file": "\(directory)/helio.log", "alerts.webhook_url": "https://hooks.example.com/x",
        ]
        var arguments = ["config", "check", "--offline"]
        for key in HelioConfiguration.keys {
            switch key.path {
            case "kafka.properties": arguments += ["--kafka-property", "client.id=from-flag"]
            case "kafka.allow_old_librdkafka": arguments += ["--allow-old-librdkafka"]
            default: arguments += ["--\(key.flag)", samples[key.path] ?? key.defaultText ?? "x"]
            }
        }
        let result = try Self.helio(arguments)
        #expect(result.status == 0, "\(result.output)")
        let rows = Self.rows(result.output)
        for key in HelioConfiguration.keys {
            let row = key.shape == .passthrough ? rows["kafka.properties.client.id"] : rows[key.path]
            let expected = key.shape == .passthrough ? "flag --kafka-property client.id" : "flag --\(key.flag)"
            #expect(row?.source == expected, "\(key.path): \(row.map { "\($0)" } ?? "no row")")
        }
        let log = (try? String(contentsOfFile: "\(directory)/helio.log", encoding: .utf8)) ?? ""
        #expect(log.contains("starting"), "--log-file: the log went to the file: \(log)")
    }

    @Test("an unknown key in the file: exit 64, the key named with a suggestion")
    func unknownKey() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/helio.yaml"
        try "apply:\n  batchsize: 500\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Self.helio(["config", "check", "--config", file, "--offline"])
        #expect(result.status == HelioExit.configuration, "\(result.output)")
        #expect(result.output.contains("apply.batchsize") && result.output.contains("did you mean 'apply.batch_size'"), "\(result.output)")
    }

    @Test("the operator endpoint's port is taken: exit 64 naming the address, before anything connects")
    func endpointPortTaken() throws {
        // Hold a loopback port, listening, for the length of the test.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try Self.helio(["capture"], environment: [
            "HELIO_METRICS_ADDR": "127.0.0.1:\(port)", "HELIO_SOURCE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "HELIO_KAFKA_BROKERS": "127.0.0.1:1"])
        #expect(result.status == HelioExit.configuration, "\(result.output)")
        #expect(result.output.contains("127.0.0.1:\(port) cannot be bound"), "\(result.output)")
    }

    @Test("a bad secret value: exit 64 naming the key and the flag, the value not echoed")
    func badSecret() throws {
        let result = try Self.helio(["config", "check", "--offline", "--alert-webhook-url", "ftp://tok3n-s3cret@hooks.internal/x"])
        #expect(result.status == HelioExit.configuration, "\(result.output)")
        #expect(result.output.contains("alerts.webhook_url") && result.output.contains("flag --alert-webhook-url"), "\(result.output)")
        #expect(!result.output.contains("tok3n-s3cret"), "\(result.output)")
    }

    @Test("reaches the local stack's source, warehouse and Kafka from a file, passwords redacted")
    func reachesServices() throws {
        let stack = try LocalStack.fromEnvironment()
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try stack.captureURL.write(toFile: "\(directory)/source-url", atomically: true, encoding: .utf8)
        let file = "\(directory)/helio.yaml"
        try """
            source:
              url_file: \(directory)/source-url
            warehouse:
              url: \(stack.warehouseAdminURL)
            kafka:
              brokers: \(stack.brokers)
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Self.helio(["config", "check", "--config", file])
        #expect(result.status == 0, "\(result.output)")
        for service in ["source: reachable", "warehouse: reachable", "kafka: reachable"] {
            #expect(result.output.contains(service), "\(result.output)")
        }
        for url in [stack.captureURL, stack.warehouseAdminURL] {
            for password in SecretText.passwords(inConnectionURL: url) {
                #expect(!result.output.contains(password), "a password printed:\n\(result.output)")
            }
        }
    }

    @Test("every command parses its flags and lists those it reads; a secret's flag is discouraged in --help")
    func helpOfEveryCommand() throws {
        // The configuration flags each command's --help lists (CommandKeys): --config and the
        // log flags everywhere, then what the command reads.
        let every = ["--source-url", "--warehouse-url", "--batch-size", "--kafka-property", "--slot", "--stall-seconds", "--pii-key"]
        let commands: [([String], [String])] = [
            (["capture"], ["--source-url", "--kafka-property", "--slot", "--stall-seconds"]),
            (["apply"], ["--warehouse-url", "--kafka-property", "--batch-size", "--pii-key", "--stall-seconds"]),
            (["run"], every), (["config", "check"], every),
            (["simulate"], ["--source-url"]),
            (["status"], ["--source-url", "--warehouse-url", "--kafka-property", "--slot"]),
            (["verify"], ["--source-url", "--warehouse-url", "--pii-key"]),
            (["replay"], ["--warehouse-url", "--kafka-property"]),
            (["rebuild"], ["--warehouse-url", "--kafka-property", "--batch-size", "--pii-key"]),
            (["snapshot"], ["--source-url", "--metrics-addr"]),
            (["dlq", "list"], ["--kafka-property", "--dlq-topic"]),
            (["slot", "status"], ["--source-url", "--slot"]), (["slot", "drop"], ["--source-url", "--slot", "--spool-dir"]),
        ]
        for (command, flags) in commands {
            let result = try Self.helio(command + ["--help"])
            #expect(result.status == 0, "\(command): \(result.output)")
            let help = result.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for flag in ["--config", "--log-file", "--log-format"] + flags {
                #expect(help.contains(flag + " "), "\(command) --help lacks \(flag)")
            }
            if flags.contains(where: { $0.hasSuffix("-url") || $0 == "--pii-key" }) {
                #expect(help.contains("a flag shows in `ps`"), "\(command) --help does not discourage secret flags")
            }
        }
    }
}
