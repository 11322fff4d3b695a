import Foundation
@testable import HelioOps
import Logging
import Testing

@Suite("Log file rotation")
struct RotatingLogFileTests {
    /// Lines of `threads` writers, each numbered so the test can tell which survived.
    static func writeConcurrently(_ file: RotatingLogFile, threads: Int, linesEach: Int) {
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<linesEach {
                file.write("{\"thread\":\(thread),\"line\":\(index),\"pad\":\"\(String(repeating: "x", count: 40))\"}\n")
            }
        }
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    @Test("writing past max_bytes rotates: no file passes the limit, and no line is lost or split across threads")
    func rotatesWithoutLosingLines() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = "\(scratch.path)/helio.log"
        let file = try RotatingLogFile(path: path, maxBytes: 4096, maxFiles: 500)
        Self.writeConcurrently(file, threads: 8, linesEach: 250)

        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(names.count > 30, "2000 lines of ~70 bytes in 4 KiB files: \(names.count) files")
        var seen = Set<String>()
        for name in names {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(scratch.path)/\(name)")
            #expect((attributes[.size] as? Int ?? 0) <= 4096, "\(name) is larger than max_bytes")
            for line in Self.lines("\(scratch.path)/\(name)") {
                #expect(line.hasPrefix("{\"thread\":") && line.hasSuffix("\"}"), "a split or mixed line in \(name): \(line)")
                seen.insert(line)
            }
        }
        #expect(seen.count == 8 * 250, "lines kept: \(seen.count)")
    }

    @Test("only max_files files are kept: helio.log, helio.log.1, helio.log.2; the newest lines survive")
    func keepsMaxFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = "\(scratch.path)/helio.log"
        let file = try RotatingLogFile(path: path, maxBytes: 4096, maxFiles: 3)
        Self.writeConcurrently(file, threads: 4, linesEach: 300)
        file.write("the last line\n")

        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted()
        #expect(names == ["helio.log", "helio.log.1", "helio.log.2"])
        #expect(Self.lines(path).last == "the last line")
        // Each rotated file was full when it was rotated: close to the limit.
        for name in ["helio.log.1", "helio.log.2"] {
            let size = try FileManager.default.attributesOfItem(atPath: "\(scratch.path)/\(name)")[.size] as? Int ?? 0
            #expect(size > 4096 - 100 && size <= 4096, "\(name): \(size) bytes")
        }
    }

    @Test("a log file that exists is appended to, its size counted toward the limit")
    func appendsToExistingFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let small = try scratch.write("small.log", "old line\n")
        try RotatingLogFile(path: small, maxBytes: 4096, maxFiles: 2).write("new line\n")
        #expect(Self.lines(small) == ["old line", "new line"])

        let full = try scratch.write("full.log", String(repeating: "x", count: 4089) + "\n")
        try RotatingLogFile(path: full, maxBytes: 4096, maxFiles: 2).write("new line\n")
        #expect(Self.lines(full) == ["new line"], "4090 bytes + 9 pass 4096: rotated first")
        #expect(Self.lines("\(full).1") == [String(repeating: "x", count: 4089)])
    }

    @Test("the log handler writes to the file and scrubs the configuration's secrets")
    func handlerScrubsSecrets() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var config = HelioConfiguration()
        config.logFile = "\(scratch.path)/helio.log"
        config.logMaxBytes = 1 << 20
        config.piiKey = "pii-s3cret-key"
        config.sourceURL = "postgresql://helio_capture:hunter22@db/solar"
        let output = try LogOutput(config)
        var logger = Logger(label: "test") { label in JSONLogHandler(label: label, style: .json, output: output) }
        logger.logLevel = .info
        logger.error("could not connect to postgresql://helio_capture:hunter22@db/solar", metadata: ["key": "pii-s3cret-key"])
        let text = try String(contentsOfFile: "\(scratch.path)/helio.log", encoding: .utf8)
        #expect(text.contains("could not connect to postgresql://helio_capture:***@db/solar"), "\(text)")
        #expect(!text.contains("hunter22") && !text.contains("pii-s3cret-key"), "\(text)")
    }
}
