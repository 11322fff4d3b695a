import HelioKafka
import Logging
import Testing

/// Apply's consumer prefetches 8 MiB, not librdkafka's 64 MiB (a third of apply's peak RSS),
/// and refetches within 5 ms of room in its queue instead of librdkafka's 1 s — the setting
/// without which a small queue halves apply's throughput, and which librdkafka has only from
/// 2.2 on (docs/benchmarks.md, "librdkafka's prefetch and apply's peak RSS").
@Suite("Apply's consumer prefetch")
struct KafkaConsumerPrefetchTests {
    @Test("a small queue only with the refetch backoff that keeps it full; none before librdkafka 2.2")
    func prefetchFollowsTheLibrary() {
        #expect(KafkaConsumer.prefetch(libraryVersion: 0x0201_01ff).isEmpty)
        #expect(KafkaConsumer.prefetch(libraryVersion: 0x0202_00ff) == ["queued.max.messages.kbytes": "8192", "fetch.queue.backoff.ms": "5"])
        #expect(KafkaConsumer.prefetch(libraryVersion: 0x020c_00ff)["fetch.queue.backoff.ms"] == "5")
    }

    @Test("the library this binary runs with takes the defaults, and an operator's value wins")
    func theRunningLibraryAcceptsThem() throws {
        let defaults = KafkaConsumer.defaults(brokers: "127.0.0.1:1", groupID: "prefetch-test")
        #expect(defaults["queued.max.messages.kbytes"] == "8192", "this machine runs librdkafka \(KafkaLibrary.versionString)")
        let consumer = try KafkaConsumer(properties: defaults, logger: Logger(label: "test"))
        consumer.close()
        let overridden = KafkaConsumer.defaults(brokers: "127.0.0.1:1", groupID: "prefetch-test",
                                                overrides: ["queued.max.messages.kbytes": "65536"])
        #expect(overridden["queued.max.messages.kbytes"] == "65536")
    }
}
