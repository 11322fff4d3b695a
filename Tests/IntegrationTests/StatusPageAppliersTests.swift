import Foundation
import HelioOps
@testable import HelioServer
import Testing

/// The status page's appliers panel in each state: the members of apply's group with their
/// partitions and lag once loaded, and a sentence for every other state. (The loader behind it
/// is exercised against the local stack in ApplyMemberTests.)
@Suite("Status page appliers panel")
struct StatusPageAppliersTests {
    static let now = Date(timeIntervalSince1970: 1_775_824_200)

    @Test("a row per member with its partitions and lag; each other state says what it is")
    func panel() {
        let panel = AppliersPanel(asOf: Self.now, group: "helio-apply", members: [
            .init(name: "pod-a:1:aaaa", partitionCount: 13, partitions: "0,1 of solar.public.energy; 0 of solar.transaction", lag: 1_200, seenSecondsAgo: 4),
            .init(name: "pod-b:1:<b>", partitionCount: 12, partitions: "2,3 of solar.public.energy", lag: 0, seenSecondsAgo: 9),
        ], totalLag: 1_200)
        let html = StatusPage.appliers(.ready(panel))
        #expect(html.contains("<caption>group helio-apply: 2 seen in the last minute, lag ≈ 1200 (as of 2026-04-10T12:30:00Z)</caption>"), "\(html)")
        #expect(html.contains(#"<tr data-member="pod-a:1:aaaa"><td>pod-a:1:aaaa</td><td class="number" data-label="partitions">13</td>"#), "\(html)")
        #expect(html.contains(#"<td class="detail" data-label="holds">0,1 of solar.public.energy; 0 of solar.transaction</td><td class="number" data-label="lag" data-lag="1200">1200</td>"#))
        #expect(html.contains("pod-b:1:&lt;b&gt;") && !html.contains("<b>"), "names are escaped")
        #expect(StatusPage.appliers(.ready(AppliersPanel(asOf: Self.now, group: "g", members: [], totalLag: 5))).contains("No applier of group g"))
        #expect(StatusPage.appliers(nil).contains("No appliers panel in this process."))
        #expect(StatusPage.appliers(.unavailable("needs Kafka")).contains("needs Kafka"))
        #expect(StatusPage.appliers(.loading).contains("Reading the group's members"))
        #expect(StatusPage.appliers(.failed("broker down")).contains("could not be read: broker down"))
        let page = StatusPage.render(HealthState(), appliers: .ready(panel), now: Self.now)
        #expect(page.contains("<h2>Appliers</h2>") && page.contains(#"<table id="appliers">"#))
    }
}
