import Histogram
import HelioPostgres
import Synchronization

/// commit→warehouse: polls `dw.fact_energy` for rows past the last one seen, every
/// `intervalMicros`, and records for each the poll's start time minus the row's
/// `source_commit_ts`. The row became visible after the previous poll began and before this
/// one did, so each figure overstates the real visibility latency by less than one poll
/// period (the interval, or a slow query's duration when that is longer).
///
/// Rows are taken in `energy_fact_id` order: one applier session writes them, so identities
/// grow in commit order; the caller checks that every inserted row was seen.
final class WarehouseLatencyPoller: @unchecked Sendable {
    // @unchecked: as KafkaLatencyReader, state is owned by the polling thread until it ends.
    private let url: String
    private let intervalMicros: Int64
    private(set) var visible: LatencyRecorder
    /// How long each poll query took (µs), to show the bound on the figures above.
    private(set) var pollDurations = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                                       numberOfSignificantValueDigits: .three)
    let seen = Atomic<Int>(0)

    private static let query = """
        SELECT energy_fact_id, (extract(epoch FROM source_commit_ts) * 1000000)::bigint
        FROM dw.fact_energy WHERE energy_fact_id > $1 AND source_table = 'energy'
        ORDER BY energy_fact_id LIMIT 50000
        """

    init(url: String, intervalMicros: Int64, window: MeasurementWindow) {
        self.url = url
        self.intervalMicros = intervalMicros
        visible = LatencyRecorder(window: window)
    }

    func run(stop: StopFlag) throws {
        let connection = try PostgresConnection(ConnectionOptions(url: url, applicationName: "helio-latency"))
        var lastID: Int64 = 0
        var nextPoll = WallClock.nowMicros()
        while !stop.isSet {
            let started = WallClock.nowMicros()
            let rows = try connection.execute(Self.query, [String(lastID)]).rows
            pollDurations.record(UInt64(max(0, WallClock.nowMicros() - started)))
            for row in rows {
                guard let id = row[0].flatMap({ Int64($0) }), let commit = row[1].flatMap({ Int64($0) }) else { continue }
                visible.record(commitMicros: commit, observedMicros: started)
                lastID = max(lastID, id)
            }
            if !rows.isEmpty { seen.add(rows.count, ordering: .relaxed) }
            nextPoll = max(nextPoll + intervalMicros, WallClock.nowMicros())
            WallClock.sleep(until: nextPoll)
        }
    }
}
