import ArgumentParser
import Foundation
import Logging

/// The load and the two latency readers of `bench/latency`, for one rate.
///
/// Runs against a pipeline the caller started (helio capture and helio apply on fresh
/// databases and topics): inserts energy rows at the rate for the warm-up and the measured
/// seconds, then waits until every row is in Kafka and in the warehouse, and writes what it
/// saw as JSON (plus HdrHistogram percentile tables beside it).
@main
struct LatencyProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "helio-latency",
        abstract: "Drives energy inserts at a fixed rate and measures commit→Kafka and commit→warehouse latency."
    )

    @Option(help: "Source database URL (a role that may insert into energy and update devices).")
    var sourceURL: String
    @Option(help: "Warehouse database URL (a role that may read dw.fact_energy).")
    var warehouseURL: String
    @Option(help: "Kafka bootstrap servers.")
    var brokers: String
    @Option(help: "The energy table's topic.")
    var topic: String
    @Option(help: "Consumer group of the commit→Kafka reader (a fresh one per run).")
    var groupID: String
    @Option(help: "Energy rows inserted per second.")
    var rate: Int
    @Option(help: "Measured seconds.")
    var seconds = 60
    @Option(help: "Seconds of load before the measured ones (not in the histograms).")
    var warmup = 5
    @Option(help: "Milliseconds between insert transactions.")
    var tickMs = 5
    @Option(help: "Milliseconds between warehouse polls.")
    var pollMs = 10
    @Option(help: "Devices the seed created (ids 1…N).")
    var devices = 1000
    @Option(help: "Milliseconds between device firmware upgrades (dimension churn).")
    var churnMs = 100
    @Option(help: "Seconds to wait after the load for the last rows to arrive.")
    var drainTimeout = 120
    @Flag(help: "Leave Kafka alone: measure commit→warehouse only, without the probe's own consumer loading the broker.")
    var noKafkaReader = false
    @Option(help: "Where to write the results (JSON); the .hgrm tables go beside it.")
    var output: String

    func validate() throws {
        guard rate > 0, seconds > 0, warmup >= 0, tickMs > 0, pollMs > 0, devices > 0, churnMs > 0, drainTimeout > 0 else {
            throw ValidationError("every number must be positive (warm-up may be 0)")
        }
    }

    func run() throws {
        var logger = Logger(label: "helio-latency")
        logger.logLevel = .warning
        let interrupted = StopFlag()
        interrupted.installSignalHandlers()
        let readersStop = StopFlag()
        let threads = ReaderThreads(stop: readersStop)
        let window = MeasurementWindow(warmupSeconds: warmup, seconds: seconds)
        let kafka = KafkaLatencyReader(brokers: brokers, topic: topic, groupID: groupID, window: window, logger: logger)
        let warehouse = WarehouseLatencyPoller(url: warehouseURL, intervalMicros: Int64(pollMs) * 1_000, window: window)
        if !noKafkaReader { threads.start("kafka-latency") { try kafka.run(stop: readersStop) } }
        threads.start("warehouse-latency") { try warehouse.run(stop: readersStop) }
        let stopEarly = { interrupted.isSet || readersStop.isSet }

        // The consumer must own its partitions before the clock starts, or the first rows
        // would wait for the group to form.
        let joinDeadline = WallClock.nowMicros() + 60_000_000
        let readingKafka = !noKafkaReader
        while readingKafka && !kafka.assigned.load(ordering: .acquiring) && !stopEarly() && WallClock.nowMicros() < joinDeadline {
            WallClock.sleep(until: WallClock.nowMicros() + 50_000)
        }
        guard !readingKafka || kafka.assigned.load(ordering: .acquiring) else {
            readersStop.set()
            try threads.wait()
            throw failure("the Kafka reader got no partitions of \(topic) within 60 s")
        }

        print("load: \(rate) rows/s for \(warmup) s warm-up + \(seconds) s measured, a transaction every \(tickMs) ms, a device upgrade every \(churnMs) ms")
        let plan = LoadDriver.Plan(rate: rate, tickMicros: Int64(tickMs) * 1_000, devices: devices,
                                   churnIntervalMicros: Int64(churnMs) * 1_000)
        let load = try LoadDriver(sourceURL: sourceURL, plan: plan).run(window: window, shouldStop: stopEarly)
        print(String(format: "load: %d rows in %d transactions (%d device upgrades), %.0f rows/s measured, largest backlog %d rows",
                     load.rowsInserted, load.transactions, load.dimensionChanges, load.achievedRate, load.largestBacklog))

        let drainStart = WallClock.nowMicros()
        let drainDeadline = drainStart + Int64(drainTimeout) * 1_000_000
        func complete() -> Bool {
            (!readingKafka || kafka.seen.load(ordering: .relaxed) >= load.rowsInserted)
                && warehouse.seen.load(ordering: .relaxed) >= load.rowsInserted
        }
        while !complete() && !stopEarly() && WallClock.nowMicros() < drainDeadline {
            WallClock.sleep(until: WallClock.nowMicros() + 20_000)
        }
        let drained = complete()
        let drainSeconds = Double(WallClock.nowMicros() - drainStart) / 1e6
        readersStop.set()
        try threads.wait()
        if interrupted.isSet { throw ExitCode(130) }

        let results = LatencyResults(
            targetRate: rate, achievedRate: load.achievedRate.rounded(), seconds: seconds, warmupSeconds: warmup,
            rowsInserted: load.rowsInserted, rowsMeasured: load.rowsMeasured, transactions: load.transactions,
            dimensionChanges: load.dimensionChanges, largestBacklogRows: load.largestBacklog,
            transactionDuration: .init(load.transactionDurations), pollIntervalMs: Double(pollMs),
            pollDuration: .init(warehouse.pollDurations),
            kafkaRead: readingKafka, kafkaSeen: kafka.seen.load(ordering: .relaxed), warehouseSeen: warehouse.seen.load(ordering: .relaxed),
            kafkaUnreadable: kafka.unreadable, drainSeconds: (drainSeconds * 10).rounded() / 10, complete: drained,
            commitToKafka: .init(kafka.received), commitToProduced: .init(kafka.produced),
            commitToWarehouse: .init(warehouse.visible))
        try results.write(to: output)
        let base = output.hasSuffix(".json") ? String(output.dropLast(5)) : output
        if readingKafka {
            try kafka.received.measured.percentileTable().write(toFile: base + "-kafka.hgrm", atomically: true, encoding: .utf8)
        }
        try warehouse.visible.measured.percentileTable().write(toFile: base + "-warehouse.hgrm", atomically: true, encoding: .utf8)
        report(results)
    }

    private func report(_ r: LatencyResults) {
        func line(_ name: String, _ s: LatencyResults.Summary) {
            print(name + String(format: ": %llu changes, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms",
                                s.count, s.p50Ms, s.p99Ms, s.p999Ms, s.maxMs))
        }
        if r.kafkaRead {
            line("commit→Kafka (received)", r.commitToKafka)
            line("commit→produced (record timestamp, ms resolution)", r.commitToProduced)
        } else {
            print("commit→Kafka: not measured (--no-kafka-reader)")
        }
        line("commit→warehouse (visible to a \(pollMs) ms poll)", r.commitToWarehouse)
        print(String(format: "insert transactions: p50 %.1f ms, p99 %.1f ms; warehouse polls: p50 %.1f ms, p99 %.1f ms",
                     r.transactionDuration.p50Ms, r.transactionDuration.p99Ms, r.pollDuration.p50Ms, r.pollDuration.p99Ms))
        print(r.complete
              ? String(format: "complete: every row reached Kafka and the warehouse %.1f s after the load ended", r.drainSeconds)
              : "INCOMPLETE after \(drainTimeout) s: Kafka \(r.kafkaSeen), warehouse \(r.warehouseSeen) of \(r.rowsInserted) rows")
        if r.kafkaUnreadable > 0 { print("\(r.kafkaUnreadable) Kafka records had no source.ts_us") }
    }

    private func failure(_ message: String) -> Error {
        FileHandleOutput.standardError("helio-latency: \(message)")
        return ExitCode(2)
    }
}

enum FileHandleOutput {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
