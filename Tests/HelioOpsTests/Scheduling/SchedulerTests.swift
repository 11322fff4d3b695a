import Foundation
import HelioOps
import Logging
import Synchronization
import Testing

/// A job body the test holds inside its run until it lets go.
final class Gate: Sendable {
    private let state = Mutex((started: 0, released: 0, scheduled: [Date]()))

    func body(_ context: JobContext) throws {
        let number = state.withLock { $0.started += 1; $0.scheduled.append(context.scheduledAt); return $0.started }
        while state.withLock({ $0.released < number }) && !context.shouldStop() { usleep(1_000) }
    }

    func release() { state.withLock { $0.released += 1 } }
    var started: Int { state.withLock { $0.started } }
    var scheduled: [Date] { state.withLock { $0.scheduled } }
}

struct Failure: Error {}

/// The scheduler's loop on a thread of its own, as the services run it.
final class RunningScheduler: Sendable {
    let scheduler: Scheduler
    let stop = StopSignal()
    private let finished = Atomic<Bool>(false)

    init(_ scheduler: Scheduler) {
        self.scheduler = scheduler
        let thread = Thread { [self] in
            scheduler.run(shouldStop: { [stop] in stop.isSet })
            finished.store(true, ordering: .releasing)
        }
        thread.start()
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }
}

@Suite("Scheduler")
struct SchedulerTests {
    let logger = Logger(label: "test.scheduler")

    @Test("a tick that finds the previous run still going is skipped and counted; the next free tick runs")
    func overlapIsSkipped() throws {
        let clock = ManualClock(utc("2026-05-01T10:00:00Z"))
        let gate = Gate()
        let running = RunningScheduler(Scheduler(jobs: [ScheduledJob(name: "slow", schedule: .every(seconds: 10), body: gate.body)],
                                                 clock: clock, logger: logger))
        let scheduler = running.scheduler
        try waitFor("the loop to wait for the first tick") { clock.sleeping == utc("2026-05-01T10:00:10Z") }
        clock.advance(by: 10)
        try waitFor("the first run to start") { gate.started == 1 && clock.sleeping == utc("2026-05-01T10:00:20Z") }
        clock.advance(by: 10)
        try waitFor("the second tick to be skipped") { scheduler.statistics("slow").skipped == 1 }
        clock.advance(by: 10)
        try waitFor("the third tick to be skipped") { scheduler.statistics("slow").skipped == 2 }
        #expect(gate.started == 1, "never two runs of one job at once")
        #expect(scheduler.statistics("slow").isRunning)
        gate.release()
        try waitFor("the first run to finish") { scheduler.statistics("slow").runs == 1 && !scheduler.statistics("slow").isRunning }
        clock.advance(by: 10)
        try waitFor("the next tick to run") { gate.started == 2 }
        #expect(gate.scheduled == [utc("2026-05-01T10:00:10Z"), utc("2026-05-01T10:00:40Z")])
        gate.release()
        try waitFor("the second run to finish") { scheduler.statistics("slow").runs == 2 }
        running.stop.set()
        try waitFor("the loop to stop", within: 2) { running.isFinished }
        let statistics = scheduler.statistics("slow")
        #expect(statistics.runs == 2 && statistics.failures == 0 && statistics.skipped == 2 && !statistics.isRunning)
        #expect(statistics.lastScheduledAt == utc("2026-05-01T10:00:40Z"))
    }

    @Test("cron jobs run at their wall-clock ticks; a failing run is counted and the job runs again")
    func cronTicksAndFailures() throws {
        let clock = ManualClock(utc("2026-05-01T10:01:30Z"))
        let ticks = Mutex<[Date]>([])
        let everyFive = ScheduledJob(name: "five", schedule: try JobSchedule.parse("*/5 * * * *")) { context in
            ticks.withLock { $0.append(context.scheduledAt) }
        }
        let failing = ScheduledJob(name: "failing", schedule: try JobSchedule.parse("*/10 * * * *")) { _ in throw Failure() }
        let running = RunningScheduler(Scheduler(jobs: [everyFive, failing], clock: clock, logger: logger))
        // Each tick's runs must finish before the next tick: a run still going when its job is
        // due again is skipped by design, and runs have threads of their own.
        for (index, (minute, failingRuns)) in [("05", 0), ("10", 1), ("15", 1), ("20", 2)].enumerated() {
            try waitFor("the loop to wait for 10:\(minute)") { clock.sleeping == utc("2026-05-01T10:\(minute):00Z") }
            clock.advance(to: utc("2026-05-01T10:\(minute):00Z"))
            try waitFor("the runs of 10:\(minute)") {
                running.scheduler.statistics("five").runs == index + 1 && running.scheduler.statistics("failing").runs == failingRuns
            }
        }
        try waitFor("four runs of five and two of failing") {
            running.scheduler.statistics("five").runs == 4 && running.scheduler.statistics("failing").runs == 2
        }
        #expect(ticks.withLock { $0 } == ["05", "10", "15", "20"].map { utc("2026-05-01T10:\($0):00Z") })
        #expect(running.scheduler.statistics("failing").failures == 2)
        #expect(running.scheduler.statistics("five").failures == 0)
        running.stop.set()
        try waitFor("the loop to stop", within: 2) { running.isFinished }
    }

    @Test("ticks the loop slept through collapse into one run")
    func missedTicksCollapse() throws {
        let clock = ManualClock(utc("2026-05-01T10:00:00Z"))
        let gate = Gate()
        let running = RunningScheduler(Scheduler(jobs: [ScheduledJob(name: "minutely", schedule: try JobSchedule.parse("* * * * *"), body: gate.body)],
                                                 clock: clock, logger: logger))
        try waitFor("the loop to wait") { clock.sleeping != nil }
        clock.advance(by: 3_600) // an hour at once, as after a suspended machine
        try waitFor("one run") { gate.started == 1 }
        gate.release()
        try waitFor("the loop to wait for the next minute") { clock.sleeping == utc("2026-05-01T11:01:00Z") }
        #expect(running.scheduler.statistics("minutely").skipped == 0)
        #expect(gate.started == 1)
        running.stop.set()
        try waitFor("the loop to stop", within: 2) { running.isFinished }
    }

    @Test("stopping ends the loop at once on the system clock, and a running job sees the stop")
    func stopsPromptly() throws {
        let gate = Gate()
        let job = ScheduledJob(name: "second", schedule: .every(seconds: 1), body: gate.body)
        let running = RunningScheduler(Scheduler(jobs: [job], logger: logger, drainSeconds: 5))
        try waitFor("the job to start", within: 5) { gate.started == 1 }
        let stopped = Date()
        running.stop.set()
        try waitFor("the loop and the run to stop", within: 2) { running.isFinished }
        #expect(Date().timeIntervalSince(stopped) < 1, "the held run returned on shouldStop; nothing waited for a tick")
        #expect(running.scheduler.statistics("second").runs == 1)
    }
}
