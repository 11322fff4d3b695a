import Foundation

/// For a run that ends once it is idle (`helio rebuild`, the scheduled shadow rebuild): how
/// long it waits for its consumer group's first assignment. Such a run stops only after its
/// partitions have gone quiet, so a group that never completes a rebalance would keep it
/// waiting for ever, without a word. That happens: another member stuck in its rebalance
/// callback, or a broker that keeps a departed member as the group's leader (the local
/// stack's Tansu 0.6, `deploy/local/check-group-rebalance.py`). A first warning after
/// `warnAfter`, then the run fails after `failAfter` with what to check. (Any assignment
/// event counts, even an empty one: the group did complete a rebalance.)
struct AssignmentDeadline {
    enum Verdict: Equatable { case wait, warn, fail }

    let started: Date
    let warnAfter: TimeInterval
    let failAfter: TimeInterval
    private(set) var warned = false

    init(started: Date, warnAfter: TimeInterval = 60, failAfter: TimeInterval = 300) {
        self.started = started
        self.warnAfter = warnAfter
        self.failAfter = failAfter
    }

    /// What to do at `now`, given whether the consumer has received an assignment yet. Warns once.
    mutating func verdict(assigned: Bool, now: Date) -> Verdict {
        guard !assigned else { return .wait }
        let waited = now.timeIntervalSince(started)
        if waited >= failAfter { return .fail }
        if waited >= warnAfter && !warned {
            warned = true
            return .warn
        }
        return .wait
    }
}

/// The consumer group never assigned this run any partition (see `AssignmentDeadline`).
public struct GroupNeverAssigned: Error, CustomStringConvertible {
    public let group: String
    public let seconds: Int

    public var description: String {
        "no partition was assigned to this process in \(seconds) s: consumer group \"\(group)\" never completed a rebalance. "
            + "Check for another process in the group that is stuck (helio status lists the members), or for the broker's group coordinator "
            + "(on the local stack's Tansu, a member that left during a rebalance stays the group's leader: wait for the group to settle, "
            + "or run again with another HELIO_GROUP_ID; apply resumes from the warehouse's stored offsets whatever the group)"
    }
}
