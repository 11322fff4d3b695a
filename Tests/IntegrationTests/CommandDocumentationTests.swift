import Foundation
import HelioTestSupport
import Testing

/// README's command table is checked against the built binary's own list, so a command
/// cannot be added or renamed without the README following; and each command's --help
/// against what a person needs first: an example, and only the flags the command reads.
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

    /// The subcommands a `--help` output lists.
    static func subcommands(in output: String) -> [String] {
        guard let section = output.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
        // Each subcommand starts a line indented by two spaces; its description follows.
        return section.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
            return name == "See" ? nil : String(name)
        }
    }

    /// Every command that runs (`status`, `slot status`; not the group `slot`) with its `--help`,
    /// each binary run once.
    static func leafCommands() throws -> [(path: [String], help: String)] {
        var leaves: [([String], String)] = []
        for command in subcommands(in: try help([])) {
            let output = try help([command])
            let nested = subcommands(in: output)
            if nested.isEmpty {
                leaves.append(([command], output))
            } else {
                for name in nested { leaves.append(([command, name], try help([command, name]))) }
            }
        }
        return leaves
    }

    @Test("every command is in README's command table, and its --help starts with an example before its usage")
    func everyCommandInReadmeWithAnExample() throws {
        let readme = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let commands = try Self.leafCommands()
        #expect(commands.count >= 14, "helio --help listed \(commands.map(\.path))")
        for (path, help) in commands {
            let full = path.joined(separator: " ")
            #expect(readme.contains("| `helio \(full)`") || readme.contains(", `helio \(full)`"),
                    "README's command table has no row for helio \(full)")
            let overview = help.components(separatedBy: "USAGE:").first ?? ""
            #expect(overview.contains("Example: helio \(full)"),
                    "helio \(full) --help has no `Example: helio …` line above its usage (CommandConfiguration's discussion)")
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
