import Foundation
@testable import HelioCapture
import HelioEvents
import Logging
import PGOutput
import Testing

@Suite("StreamSpool limits")
struct StreamSpoolTests {
    static func scratch() -> String {
        NSTemporaryDirectory() + "helio-spool-test-\(UInt32.random(in: 0..<UInt32.max))"
    }

    @Test("a transaction that would pass HELIO_SPOOL_MAX_BYTES fails with spoolFull, naming the directory, and frees its file")
    func capEnforced() throws {
        let directory = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try StreamSpool(directory: directory, maxBytes: 10_000)
        let chunk = [UInt8](repeating: 7, count: 1_000)
        var failure: CaptureError?
        do {
            for index in 0..<100 { try spool.append(xid: 42, subxid: 42, walStart: LSN(UInt64(index)), data: chunk[...]) }
        } catch {
            failure = error
        }
        guard case .spoolFull(let named, let detail)? = failure else {
            Issue.record("expected spoolFull, got \(String(describing: failure))")
            return
        }
        #expect(named == directory)
        #expect(detail.contains("HELIO_SPOOL_MAX_BYTES"))
        #expect(failure!.description.contains(directory) && failure!.description.contains("restart capture"))
        #expect(spool.bytesInUse == 0 && spool.isEmpty, "the failed transaction's spool is released")
        #expect(!FileManager.default.fileExists(atPath: spool.path(42)))
    }

    @Test("changes and messages of every size come back exactly, in order, through one read buffer; a change's head has the room asked for; key texts only when asked")
    func replayRoundTrip() throws {
        let directory = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try StreamSpool(directory: directory)
        var written: [(LSN, StreamSpool.Record)] = []
        for index in 0..<60 {
            let size = [0, 1, 200, 4_095, 4_096, 4_097, 20_000, 9_000, 3][index % 9]
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            let lsn = LSN(UInt64(1_000 + index))
            if index % 3 == 0 {
                try spool.append(xid: 9, subxid: 9, walStart: lsn, data: bytes[...])
                written.append((lsn, .message(bytes)))
            } else {
                let change = StreamSpool.EncodedChange(op: ChangeOp.allCases[index % ChangeOp.allCases.count], relationID: UInt32(index),
                                                       key: Array(bytes.prefix(17)), keyText: index % 4 == 0 ? nil : "k\(index)", head: bytes)
                try spool.append(xid: 9, subxid: 9, walStart: lsn, change: change)
                written.append((lsn, .change(change)))
            }
        }
        var replayed: [(LSN, StreamSpool.Record)] = []
        // Asked per change: every third change comes back without its key text.
        var asked = 0
        try spool.replay(xid: 9, headRoom: 640, keyTexts: { asked += 1; return asked % 3 != 0 }) { lsn, record in
            if case .change(let change) = record { #expect(change.head.capacity >= change.head.count + 640) }
            replayed.append((lsn, record))
        }
        #expect(replayed.count == written.count)
        var changes = 0
        for ((lsn, record), (expectedLSN, expected)) in zip(replayed, written) {
            #expect(lsn == expectedLSN)
            switch (record, expected) {
            case (.message(let bytes), .message(let want)):
                #expect(bytes == want)
            case (.change(let change), .change(let want)):
                changes += 1
                #expect(change.op == want.op && change.relationID == want.relationID && change.key == want.key
                        && change.keyText == (changes % 3 == 0 ? nil : want.keyText) && change.head == want.head)
            default:
                Issue.record("record \(lsn) came back as another kind")
            }
        }
    }

    @Test("space is given back when a transaction is replayed or aborted, so later ones fit")
    func spaceReturned() throws {
        let directory = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try StreamSpool(directory: directory, maxBytes: 5_000)
        let chunk = [UInt8](repeating: 1, count: 1_000)
        for round in 0..<5 {
            let xid = UInt32(100 + round)
            for index in 0..<4 { try spool.append(xid: xid, subxid: xid, walStart: LSN(UInt64(index)), data: chunk[...]) }
            #expect(spool.bytesInUse == 4 * Int64(1_000 + StreamSpool.headerSize))
            if round % 2 == 0 {
                var replayed = 0
                try spool.replay(xid: xid) { _, record in
                    if case .message(let bytes) = record { replayed += bytes.count }
                }
                #expect(replayed == 4_000)
            } else {
                spool.discard(xid: xid)
            }
            #expect(spool.bytesInUse == 0)
        }
    }

    @Test("a full disk (a 1 MB tmpfs) is reported as spoolFull with the directory, not as a generic I/O error")
    func fullDisk() throws {
        let directory = Self.scratch()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Needs CAP_SYS_ADMIN; without it the cap above is the tested way to a full spool.
        guard run(["/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", directory]) == 0 else {
            print("StreamSpoolTests.fullDisk: cannot mount a tmpfs here; the HELIO_SPOOL_MAX_BYTES test covers a full spool")
            return
        }
        defer { _ = run(["/bin/umount", directory]) }
        let spool = try StreamSpool(directory: directory)
        let chunk = [UInt8](repeating: 9, count: 64 * 1024)
        var failure: CaptureError?
        do {
            for index in 0..<64 { try spool.append(xid: 7, subxid: 7, walStart: LSN(UInt64(index)), data: chunk[...]) }
            try spool.replay(xid: 7) { _, _ in }
        } catch {
            failure = error as? CaptureError
        }
        guard case .spoolFull(let named, let detail)? = failure else {
            Issue.record("expected spoolFull, got \(String(describing: failure))")
            return
        }
        #expect(named == directory)
        #expect(detail.contains("No space left on device"), "\(detail)")
        #expect(!FileManager.default.fileExists(atPath: spool.path(7)), "the partial file is removed, freeing the disk")
    }

    func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite("KafkaLogGuard position file")
struct KafkaLogGuardFileTests {
    @Test("the newest acknowledged END is saved, read back by the next run, and forgotten with a new slot")
    func savesAndResets() throws {
        let directory = StreamSpoolTests.scratch()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let make = {
            KafkaLogGuard(brokers: "127.0.0.1:1", kafkaProperties: [:], topics: TopicNames(prefix: "solar"), slot: "helio",
                          spoolDirectory: directory, logger: .init(label: "test"))
        }
        let first = make()
        #expect(first.stored() == nil)
        first.acknowledgedEnd(offset: 41, transactionID: "900:0/1A")
        first.acknowledgedEnd(offset: 17, transactionID: "800:0/10") // an older acknowledgement arriving late
        first.save()
        let second = make()
        #expect(second.stored() == KafkaLogGuard.Position(offset: 41, transactionID: "900:0/1A"))
        second.reset()
        #expect(make().stored() == nil)
    }
}
