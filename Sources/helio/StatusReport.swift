import HelioApply

/// What `helio status` found: printed as text for a person or as JSON (`--json`) for a script,
/// from the same values so the two never disagree.
struct StatusReport: Encodable {
    var slotName: String
    var groupID: String
    /// The source was reached (a nil `slot` then means the slot does not exist).
    var slotChecked = false
    var slot: Slot?
    var topics: [Topic] = []
    /// The group's appliers seen in the last minute (`dw.apply_member`), nil when not read.
    var members: [Member]?
    var warehouse: Warehouse?
    var problems: [String] = []

    var healthy: Bool { problems.isEmpty }

    struct Slot: Encodable {
        var active: Bool
        var confirmedLSN: String?
        var serverLSN: String?
        var retainedBytes: Int64?
    }

    /// A topic's numbers; all nil when the topic is missing.
    struct Topic: Encodable {
        var name: String
        var partitions: Int?
        var end: Int64?
        var applied: Int64?
        var lag: Int64?
    }

    /// One applier: its assignment and the lag of its partitions.
    struct Member: Encodable {
        var member: String
        var host: String
        var pid: Int
        var partitions: [String]
        var seenSecondsAgo: Int
        var lag: Int64
        /// The text form's line of partitions (not in the JSON, which lists them one by one).
        var held: String

        init(_ member: OffsetStore.Member, lag: Int64) {
            self.member = member.member
            self.host = member.host
            self.pid = member.pid
            self.partitions = member.partitions.map(\.description)
            self.seenSecondsAgo = member.secondsSinceSeen
            self.lag = lag
            self.held = GroupLag.describe(member.partitions)
        }

        private enum CodingKeys: String, CodingKey { case member, host, pid, partitions, seenSecondsAgo = "seen_seconds_ago", lag }
    }

    struct Warehouse: Encodable {
        var lastAppliedCommit: String?
        var secondsAgo: Int64?
    }

    private enum CodingKeys: String, CodingKey {
        case slotName = "slot_name", groupID = "group_id", slot, topics, members, warehouse, healthy, problems
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(slotName, forKey: .slotName)
        try container.encode(groupID, forKey: .groupID)
        try container.encode(slot, forKey: .slot)
        try container.encode(topics, forKey: .topics)
        try container.encode(members, forKey: .members)
        try container.encode(warehouse, forKey: .warehouse)
        try container.encode(healthy, forKey: .healthy)
        try container.encode(problems, forKey: .problems)
    }

    /// The one-screen text form.
    var text: String {
        var lines = ["== source (slot \(slotName))"]
        if let slot {
            lines.append("active: \(slot.active)  confirmed: \(slot.confirmedLSN ?? "?")  server: \(slot.serverLSN ?? "?")  "
                + "retained WAL: \(slot.retainedBytes.map { "\($0)" } ?? "?") bytes")
        } else if slotChecked {
            lines.append("slot does not exist")
        }
        lines.append("== kafka and apply (group \(groupID))")
        for topic in topics {
            if let partitions = topic.partitions, let end = topic.end, let applied = topic.applied, let lag = topic.lag {
                lines.append("\(topic.name): \(partitions) partitions, end ≈ \(end), applied \(applied), lag ≈ \(lag)")
            } else {
                lines.append("\(topic.name): missing")
            }
        }
        if let members {
            lines.append("== appliers (\(members.count) seen in the last minute)")
            for member in members {
                lines.append("\(member.member): \(member.partitions.count) partitions, lag ≈ \(member.lag), seen \(member.seenSecondsAgo) s ago")
                lines.append("  \(member.held)")
            }
        }
        if let warehouse {
            lines.append("== warehouse\nlast applied commit: \(warehouse.lastAppliedCommit ?? "none")  (\(warehouse.secondsAgo.map { "\($0)" } ?? "?") s ago)")
        }
        lines.append(healthy ? "status: healthy" : "status: UNHEALTHY\n" + problems.map { "- \($0)" }.joined(separator: "\n"))
        return lines.joined(separator: "\n")
    }
}
