/// The kind of change, as Debezium's one-letter `op`.
public enum ChangeOp: String, Sendable, Equatable, CaseIterable {
    case create = "c"
    case update = "u"
    case delete = "d"
    /// A row read by the initial snapshot.
    case read = "r"
    case truncate = "t"
}

/// `source.snapshot`: whether the event comes from a snapshot and, if so, whether it is
/// the snapshot's last row (consumers use `last` to know the snapshot is complete).
public enum SnapshotMarker: String, Sendable, Equatable, CaseIterable {
    case `true`
    case last
    case `false`
}

/// What capture puts in `after` for a TOASTed column that an update left unchanged and
/// whose old value it does not have; the applier keeps the value it holds. The text is
/// Debezium's, so existing consumers already understand it.
public let unavailableValuePlaceholder = "__debezium_unavailable_value"
