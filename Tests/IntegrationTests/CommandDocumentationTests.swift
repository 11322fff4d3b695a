import Foundation
import HelioTestSupport
import Testing

/// README's command table is checked against the built binary's own list, so a command
/// cannot be added or renamed without the README following.
@Suite("Documentation: commands")
struct CommandDocumentationTests {
    /// What `helio <path> --help` prints.
    static func help(_ path: [String]) throws -> String {
        let process = Process()
        process.executableURL = HelioProcess.binary
        process.arguments = path + ["--help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }

    /// The subcommands `helio <path> --help` lists.
    static func subcommands(_ path: [String]) throws -> [String] {
        let output = try help(path)
        guard let section = output.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
        // Each subcommand starts a line indented by two spaces; its description follows.
        return section.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
            return name == "See" ? nil : String(name)
        }
    }

    @Test("every command and subcommand of helio is in README's command table")
    func everyCommandInReadme() throws {
        let readme = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let commands = try Self.subcommands([])
        #expect(commands.count >= 12, "helio --help listed \(commands)")
        for command in commands {
            let nested = try Self.subcommands([command])
            for full in nested.isEmpty ? [command] : nested.map({ "\(command) \($0)" }) {
                #expect(readme.contains("| `helio \(full)`") || readme.contains(", `helio \(full)`"),
                        "README's command table has no row for helio \(full)")
            }
        }
    }

    @Test("every command's --help starts with an example of the command, before its usage and options")
    func everyCommandHasAnExample() throws {
        for command in try Self.subcommands([]) {
            let nested = try Self.subcommands([command])
            for full in nested.isEmpty ? [[command]] : nested.map({ [command, $0] }) {
                let overview = try Self.help(full).components(separatedBy: "USAGE:").first ?? ""
                #expect(overview.contains("Example: helio \(full.joined(separator: " "))"),
                        "helio \(full.joined(separator: " ")) --help has no `Example: helio …` line above its usage (CommandConfiguration's discussion)")
            }
        }
    }

    @Test("a command's --help lists the configuration flags it reads, not every key's; the others are still accepted")
    func flagsByCommand() throws {
        let verify = try Self.help(["verify"])
        for flag in ["--config", "--source-url", "--warehouse-url", "--pii-key", "--timezone", "--log-format", "--json"] {
            #expect(verify.contains(flag), "helio verify --help lists \(flag)")
        }
        for flag in ["--batch-size", "--slot ", "--kafka-brokers", "--spool-dir", "--alert-webhook-url", "--metrics-addr"] {
            #expect(!verify.contains(flag), "helio verify --help does not list \(flag), which verify does not read")
        }
        let capture = try Self.help(["capture"])
        #expect(capture.contains("--slot ") && capture.contains("--kafka-brokers") && !capture.contains("--pii-key"), "\(capture)")
        let check = try Self.help(["config", "check"])
        #expect(check.contains("--pii-key") && check.contains("--slot ") && check.contains("--batch-size"), "config check lists every key")

        let process = Process()
        process.executableURL = HelioProcess.binary
        process.arguments = ["slot", "status", "--batch-size", "5", "--source-url", "postgresql://nobody@127.0.0.1:1/none"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(!output.contains("Unknown option"), "a hidden flag is accepted: \(output)")
    }
}
