import HelioEvents
import HelioKafka

/// Positions across a source failover. Apply orders each row's changes, and transactions, by
/// their LSNs. A promoted standby goes on from the end of *its* WAL on a new timeline, which can
/// lie megabytes before positions already published from the old primary (phantoms: committed
/// there after the standby's last WAL). Compared as plain LSNs, the new primary's changes of a
/// row would lose to its phantom, and the warehouse would keep a state the source never had.
///
/// Capture names the source's timeline on every record of a timeline above 1 (header
/// `helio.timeline`; none on timeline 1, so records of a source that never failed over stay as
/// Debezium writes them). Apply orders by (timeline, LSN) by moving every position of timeline
/// T up by (T − 1) · 2^48 before staging: a timeline begins at its switch point, so its positions
/// land above every position of the timelines before it as long as the old primary ran less
/// than 256 TiB of WAL ahead of the standby — and up to 65,535 timelines fit in 64 bits with
/// LSNs of up to 2^64 − 2^48 · 65,534. The warehouse's position columns show the moved value: a
/// position `10000/5A0` is timeline 2's `0/5A0` (docs/data-model.md).
enum SourceTimeline {
    static let header = SourceTimelineHeader.name
    /// Each timeline's share of the 64-bit position space.
    static let span: UInt64 = 1 << 48

    /// How far this record's positions move: 0 without the header (timeline 1, or a capture
    /// older than the header).
    static func shift(of record: KafkaRecord) throws(PoisonRecord) -> UInt64 {
        guard let value = record.headers.last(where: { $0.name == header })?.value else { return 0 }
        guard let text = String(validating: value, as: UTF8.self), let timeline = UInt64(text), (1...65_535).contains(timeline) else {
            throw PoisonRecord(reason: "header \(header) is \(String(decoding: value, as: UTF8.self).debugDescription), not a timeline between 1 and 65535")
        }
        return (timeline - 1) * span
    }

    /// `lsn` moved by `shift`; a position that would not fit is a record apply cannot order.
    static func move(_ lsn: UInt64, by shift: UInt64) throws(PoisonRecord) -> UInt64 {
        let (moved, overflow) = lsn.addingReportingOverflow(shift)
        guard !overflow else { throw PoisonRecord(reason: "position \(LSNText.format(lsn)) on its timeline does not fit beside the timeline's share (\(header))") }
        return moved
    }
}

extension DecodedRecord {
    /// The record with every position moved by `shift` (``SourceTimeline``).
    func movingPositions(by shift: UInt64) throws(PoisonRecord) -> DecodedRecord {
        guard shift > 0 else { return self }
        switch self {
        case .change(let change):
            return .change(try change.movingPositions(by: shift))
        case .fact(var fact):
            fact.lsn = try SourceTimeline.move(fact.lsn, by: shift)
            fact.commitLSN = try SourceTimeline.move(fact.commitLSN, by: shift)
            return .fact(fact)
        case .transactionEnd(let end):
            return .transactionEnd(try end.movingPositions(by: shift))
        case .changeEndingSnapshot(let change, let end):
            return .changeEndingSnapshot(try change.movingPositions(by: shift), try end.movingPositions(by: shift))
        case .nothing:
            return self
        }
    }
}

extension StagedChange {
    func movingPositions(by shift: UInt64) throws(PoisonRecord) -> StagedChange {
        var moved = self
        moved.lsn = try SourceTimeline.move(lsn, by: shift)
        if let commitLSN { moved.commitLSN = try SourceTimeline.move(commitLSN, by: shift) }
        return moved
    }
}

extension StagedTransaction {
    func movingPositions(by shift: UInt64) throws(PoisonRecord) -> StagedTransaction {
        var moved = self
        moved.commitLSN = try SourceTimeline.move(commitLSN, by: shift)
        return moved
    }
}
