/// Capture failures an operator can act on; each says what to do.
public enum CaptureError: Error, CustomStringConvertible, Sendable {
    case walLevelNotLogical(String)
    case publicationMissing(String, reason: String)
    case slotWithOtherPlugin(slot: String, plugin: String)
    case slotActive(slot: String, pid: String)
    case slotMissingForResume(String)
    /// The slot is gone though capture had published from it, and `capture.on_missing_slot` is `fail`.
    case slotLost(slot: String)
    case tableWithoutKey(String)
    case tableNotFound(String)
    case unknownRelation(UInt32)
    case snapshotInterrupted(slot: String)
    case deliveryFailed(String)
    case spool(String)
    /// The spool's disk (or `HELIO_SPOOL_MAX_BYTES`) ran out while a streamed transaction was
    /// being written: the transaction was not published and nothing from it on was confirmed.
    case spoolFull(directory: String, detail: String)
    /// Kafka no longer holds records capture had delivered (a broker that lost its data).
    case kafkaLogLost(slot: String, detail: String)
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .walLevelNotLogical(let level):
            return "the source has wal_level=\(level); logical replication needs wal_level=logical (set it in postgresql.conf and restart the server)"
        case .publicationMissing(let name, let reason):
            return "publication \(name) does not exist and could not be created (\(reason)); create it as the tables' owner: CREATE PUBLICATION \(name) FOR TABLE …"
        case .slotWithOtherPlugin(let slot, let plugin):
            return "replication slot \(slot) uses plugin \(plugin), not pgoutput; choose another slot name (HELIO_SLOT) or drop that slot if nothing else uses it"
        case .slotActive(let slot, let pid):
            return "replication slot \(slot) is in use by another process (pid \(pid)); stop the other capture, use another slot (HELIO_SLOT), "
                + "or run this one as its standby (capture.standby: true)"
        case .slotMissingForResume(let slot):
            return "replication slot \(slot) disappeared while capture was running; changes since its last position may be lost — restart capture to create it with a new snapshot"
        case .slotLost(let slot):
            return "replication slot \(slot) is gone, though capture had published from it: the source failed over to a standby "
                + "(PostgreSQL 15 does not copy logical slots) or was restored. capture.on_missing_slot is fail, so nothing was "
                + "created. Set it to resync (re-read every table while streaming, deletes included) or snapshot, or drop what "
                + "capture remembers of the slot (`helio slot drop --slot \(slot) --yes` removes its files) to start over — see "
                + "docs/operations.md, \"Source failover or restore\""
        case .tableWithoutKey(let table):
            return "table \(table) has no primary key or replica identity index, so its changes cannot be keyed; add a primary key (or REPLICA IDENTITY USING INDEX) or remove it from the publication"
        case .tableNotFound(let table):
            return "table \(table) is configured for capture but does not exist on the source; create it or remove it from HELIO_TABLES"
        case .unknownRelation(let id):
            return "the stream referred to relation \(id) before describing it; this is a protocol error — restart capture"
        case .snapshotInterrupted(let slot):
            return "the initial snapshot for slot \(slot) did not finish; to take it again run `helio slot drop --slot \(slot) --yes` and restart capture"
        case .deliveryFailed(let detail):
            return "Kafka refused a record (\(detail)); nothing was confirmed past it — fix the cause and restart capture, which resumes from the slot"
        case .spool(let detail):
            return "the spool directory failed (\(detail)); free space or point HELIO_SPOOL_DIR elsewhere, then restart capture"
        case .spoolFull(let directory, let detail):
            return """
                the spool directory \(directory) is full (\(detail)); the streamed transaction being spooled was not published \
                and the slot was not confirmed past it. Free space there, raise HELIO_SPOOL_MAX_BYTES or point HELIO_SPOOL_DIR \
                at a larger disk (it must hold the largest transaction's changes), then restart capture: the source streams \
                the transaction again
                """
        case .kafkaLogLost(let slot, let detail):
            return """
                the Kafka log lost records capture had delivered (\(detail)): the broker lost its data or the topics were \
                deleted. Slot \(slot) is already past those changes, so they cannot be sent again, and carrying on would \
                leave a gap. Take a new snapshot: stop apply, delete what is left of the topics, drop the slot \
                (`helio slot drop --slot \(slot) --yes`), restart capture, then reset apply (`helio replay --from-beginning`) \
                or rebuild the warehouse — see docs/operations.md, "The broker lost its data"
                """
        case .protocolViolation(let detail):
            return "unexpected replication message: \(detail)"
        }
    }
}
