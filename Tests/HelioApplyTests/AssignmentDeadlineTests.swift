import Foundation
@testable import HelioApply
import Testing

/// A run that ends when idle (a rebuild) waits for its group's first assignment: a warning
/// once after warnAfter, a failure after failAfter, nothing once any assignment came.
@Suite("Assignment deadline of runs that end when idle")
struct AssignmentDeadlineTests {
    let start = Date(timeIntervalSince1970: 1_000)

    @Test("unassigned: waits, warns once after 60 s, fails after 300 s")
    func unassigned() {
        var deadline = AssignmentDeadline(started: start)
        #expect(deadline.verdict(assigned: false, now: start.addingTimeInterval(59)) == .wait)
        #expect(deadline.verdict(assigned: false, now: start.addingTimeInterval(60)) == .warn)
        #expect(deadline.verdict(assigned: false, now: start.addingTimeInterval(61)) == .wait, "the warning comes once")
        #expect(deadline.verdict(assigned: false, now: start.addingTimeInterval(299)) == .wait)
        #expect(deadline.verdict(assigned: false, now: start.addingTimeInterval(300)) == .fail)
    }

    @Test("assigned (even nothing): never warns or fails, however long it has been")
    func assigned() {
        var deadline = AssignmentDeadline(started: start)
        #expect(deadline.verdict(assigned: true, now: start.addingTimeInterval(60)) == .wait)
        #expect(deadline.verdict(assigned: true, now: start.addingTimeInterval(10_000)) == .wait)
    }

    @Test("the failure says which group and what to check")
    func message() {
        let text = "\(GroupNeverAssigned(group: "helio-rebuild-dw_b1", seconds: 300))"
        #expect(text.contains("\"helio-rebuild-dw_b1\"") && text.contains("300 s") && text.contains("HELIO_GROUP_ID"))
    }
}
