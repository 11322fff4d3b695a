import Foundation
import HelioEvents
import HelioKafka
import HelioTestSupport

struct ExampleFailure: Error, CustomStringConvertible {
    var description: String
}

/// One of the consumer examples (examples/) run as a child process, its output in a file.
final class ExampleConsumer {
    let name: String
    let process = Process()
    let outputPath: String

    /// `python`: examples/python/consumer.py with the stack's venv; `java`: examples/java/run,
    /// which installs the jars and compiles on first use.
    init(_ name: String, arguments: [String]) throws {
        self.name = name
        let root = LocalStack.repositoryRoot
        outputPath = NSTemporaryDirectory() + "helio-example-\(name)-\(UInt32.random(in: 0..<UInt32.max)).log"
        switch name {
        case "python":
            let python = root.appendingPathComponent(".local/venv/bin/python")
            guard FileManager.default.isExecutableFile(atPath: python.path) else {
                throw ExampleFailure(description: "\(python.path) is missing: deploy/local/setup (make setup) makes it")
            }
            process.executableURL = python
            process.arguments = [root.appendingPathComponent("examples/python/consumer.py").path] + arguments
        default:
            process.executableURL = root.appendingPathComponent("examples/java/run")
            process.arguments = arguments
        }
        process.currentDirectoryURL = root
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Waits until the example has printed a line that starts with `prefix`.
    func waitForLine(startingWith prefix: String, within seconds: Double) throws {
        try eventually("the \(name) example to print \(prefix)…", within: seconds) {
            guard process.isRunning else {
                throw ExampleFailure(description: "the \(name) example stopped (\(process.terminationStatus)):\n\(output)")
            }
            return output.split(separator: "\n").contains { $0.hasPrefix(prefix) }
        }
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits for the example to end by itself (it is given --max-transactions and --timeout);
    /// stops it after `seconds` more. Returns its exit status and what it printed.
    func finish(within seconds: Double) -> (status: Int32, output: String) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(100_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        return (process.terminationStatus, output)
    }

    /// What an example printed that the test compares: transaction lines without their commit
    /// time (third field), and the rows and summary lines. Log lines (stderr) are left out.
    static func report(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line -> String? in
            var fields = line.split(separator: " ").map(String.init)
            switch fields.first {
            case "transaction" where fields.count >= 4:
                fields.remove(at: 2)
                return fields.joined(separator: " ")
            case "rows", "summary": return String(line)
            default: return nil
            }
        }
    }
}

extension TestEnvironment {
    /// Sends one transaction's records again, as a capture restart would after a crash: its
    /// BEGIN and END, and its events on `table` with the tombstones after them, each to the
    /// partition it was on, after everything published so far.
    func sendAgain(transaction xid: String, table: String) throws {
        let reader = TopicReader(brokers: stack.brokers)
        let ends = try reader.read([transactionTopic], minimum: 1).filter {
            $0.value.map { String(decoding: $0, as: UTF8.self).contains("\"\(xid):") } ?? false
        }
        var records = ends
        var previousWasOurs: [Int32: Bool] = [:]  // per partition: the record before was one of the transaction's
        for record in try reader.read([topic(table)], minimum: 1).sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            guard let value = record.value else {
                if previousWasOurs[record.partition] == true { records.append(record) }  // the tombstone after its delete
                continue
            }
            let txId = ConnectRecord.payload(of: try JSONValue.parse(value)).objectValue?["source"]?.objectValue?["txId"]?.description
            previousWasOurs[record.partition] = txId == xid
            if txId == xid { records.append(record) }
        }
        let producer = try KafkaProducer(properties: ["bootstrap.servers": stack.brokers], logger: logger)
        for (index, record) in records.enumerated() {
            try producer.send(OutgoingRecord(topic: record.topic, key: record.key, value: record.value, headers: record.headers,
                                             partition: record.partition), id: UInt64(index + 1))
        }
        guard producer.flush(timeoutMilliseconds: 10_000) else { throw ExampleFailure(description: "the records sent again were not acknowledged within 10 s") }
    }
}
