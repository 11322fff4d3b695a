import Testing
import HelioEvents

@Suite struct TopicNamesTests {
    @Test func namesTopicsByTheContract() {
        let topics = TopicNames()
        #expect(topics.table(schema: "public", table: "energy") == "solar.public.energy")
        #expect(topics.transaction == "solar.transaction")
        #expect(topics.dlq == "solar.dlq")
        #expect(TopicNames(prefix: "test1").table(schema: "public", table: "users") == "test1.public.users")
    }

    @Test func parsesTableTopicsBack() throws {
        let topics = TopicNames(prefix: "solar")
        let parsed = try #require(topics.parseTable(topic: "solar.public.energy_compensate"))
        #expect(parsed.schema == "public" && parsed.table == "energy_compensate")
        #expect(topics.parseTable(topic: "solar.transaction") == nil)
        #expect(topics.parseTable(topic: "solar.dlq") == nil)
        #expect(topics.parseTable(topic: "other.public.energy") == nil)
        #expect(topics.parseTable(topic: "solarx.public.energy") == nil)
        #expect(topics.parseTable(topic: "solar.public.") == nil)
    }
}
