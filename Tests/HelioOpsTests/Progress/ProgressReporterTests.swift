import HelioOps
import Logging
import Synchronization
import Testing

@Suite("Progress reporter off a terminal")
struct ProgressReporterTests {
    /// Keeps the messages and metadata logged through it.
    final class Recorder: Sendable {
        let lines = Mutex<[(String, Logger.Metadata)]>([])
        var logger: Logger {
            Logger(label: "test") { _ in Handler(recorder: self) }
        }
        struct Handler: LogHandler {
            let recorder: Recorder
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .info
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                recorder.lines.withLock { $0.append((event.message.description, event.metadata ?? [:])) }
            }
        }
    }

    @Test("a line at the first update, none until the interval has passed, and one when done with the numbers as metadata")
    func throttledLines() {
        let recorder = Recorder()
        let progress = ProgressReporter("verify", unit: "checks", total: 11, logger: recorder.logger, mode: .logLines(everySeconds: 3600))
        progress.update(done: 0)
        progress.update(done: 5)
        progress.advance()
        progress.finish()
        progress.update(done: 9)   // after finish: ignored
        let lines = recorder.lines.withLock { $0 }
        #expect(lines.count == 2, "\(lines.map(\.0))")
        #expect(lines.first?.0 == "verify progress: [>                   ] 0% 0/11 checks 0/s ETA -:--", "\(lines.map(\.0))")
        #expect(lines.last?.0.hasPrefix("verify done: [==========>         ] 54% 6/11 checks ") == true, "\(lines.map(\.0))")
        #expect(lines.last?.1[LogKeys.progressDone] == "6" && lines.last?.1[LogKeys.progressTotal] == "11")
    }
}
