import Foundation
@testable import HelioCapture
import PGOutput

/// Performs a `CaptureStateMachine`'s actions as `CaptureSession` does — a real `StreamSpool`
/// in a scratch directory, an in-memory sink that numbers its records — without a server or
/// a broker. Spooled messages are kept as bytes, in their transaction form.
final class MachineHarness {
    enum Published: Equatable {
        case begin(xid: UInt32, beginLSN: LSN)
        case row(PGOutputMessage, at: LSN, xid: UInt32)
        case commit(xid: UInt32?, endLSN: LSN)
    }

    var machine: CaptureStateMachine
    let spool: StreamSpool
    let directory: String
    private var decoder = PGOutputDecoder()
    /// What the sink received, in order.
    private(set) var published: [Published] = []
    /// Every action the machine returned, in order (replayed messages' too).
    private(set) var actions: [CaptureStateMachine.Action] = []
    /// The sink's delivery ids: one per row, one per END of a transaction that published rows.
    private(set) var lastDelivery: UInt64 = 0
    private var rowsInOpen = 0

    init(confirmed: LSN = LSN(0), statusInterval: Double = 10) throws {
        machine = CaptureStateMachine(confirmed: confirmed, statusInterval: statusInterval)
        directory = NSTemporaryDirectory() + "helio-machine-test-\(UInt32.random(in: 0..<UInt32.max))"
        spool = try StreamSpool(directory: directory)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A new replication connection, as `CaptureSession.init` starts one.
    func connect() {
        decoder = PGOutputDecoder()
        for xid in machine.connected() { spool.discard(xid: xid) }
    }

    /// One XLogData: decoded, then the machine's action performed.
    func feed(_ bytes: [UInt8], at lsn: LSN) throws {
        machine.received(walEnd: lsn)
        let message = try decoder.decode(bytes)
        try perform(machine.receive(message, at: lsn), bytes: bytes[...])
    }

    /// A message already decoded (built by hand), as if it arrived at `lsn`.
    func feed(message: PGOutputMessage, at lsn: LSN) throws {
        machine.received(walEnd: lsn)
        try perform(machine.receive(message, at: lsn), bytes: [])
    }

    func feed(_ fixture: WireFixture, through count: Int? = nil) throws {
        for message in fixture.messages.prefix(count ?? fixture.messages.count) { try feed(message.bytes, at: message.lsn) }
    }

    /// Kafka acknowledged these delivery ids.
    func acknowledge(_ ids: some Sequence<UInt64>) {
        for id in ids { machine.acknowledged(id) }
    }

    var rows: [PGOutputMessage] {
        published.compactMap { if case .row(let message, _, _) = $0 { message } else { nil } }
    }

    private func perform(_ action: CaptureStateMachine.Action, bytes: ArraySlice<UInt8>) throws {
        actions.append(action)
        switch action {
        case .none, .relation:
            break
        case .begin(let transaction):
            published.append(.begin(xid: transaction.xid, beginLSN: transaction.beginLSN))
            rowsInOpen = 0
        case .change(let message, let lsn, let transaction):
            guard let transaction else { return }
            published.append(.row(message, at: lsn, xid: transaction.xid))
            lastDelivery += 1
            rowsInOpen += 1
        case .commit(let transaction, let endLSN, _):
            published.append(.commit(xid: transaction?.xid, endLSN: endLSN))
            if rowsInOpen > 0 { lastDelivery += 1 }
            rowsInOpen = 0
            machine.handedOver(endingAt: endLSN, lastDelivery: lastDelivery)
        case .spool(let xid, let subxid, _, let lsn):
            try spool.append(xid: xid, subxid: subxid, walStart: lsn, streamedMessage: bytes)
        case .replay(let transaction, _):
            try perform(.begin(transaction), bytes: [])
            var replayDecoder = PGOutputDecoder()
            try spool.replay(xid: transaction.xid) { lsn, record in
                guard case .message(let body) = record else { return }
                try self.perform(self.machine.receive(try replayDecoder.decode(body), at: lsn), bytes: body[...])
            }
            try perform(machine.replayFinished(), bytes: [])
        case .discard(let xid):
            spool.discard(xid: xid)
        case .discardSubtransaction(let xid, let subxid):
            spool.abortSubtransaction(xid: xid, subxid: subxid)
        }
    }
}
